/**
 * Resource generalisation for generated policies: exact ARNs, except that many S3 objects under one
 * "directory" of a bucket become `arn:aws:s3:::bucket/dir/*`. Nothing is ever widened past a
 * bucket's object space, and never to a bare `*` (the caller decides `*` for wildcard-only actions).
 */

export interface GeneraliseOptions {
  /**
   * A directory (key prefix ending in `/`, or the bucket's top level) whose objects number more
   * than this becomes `dir/*`. Subdirectories already generalised count as one each. 5 by default;
   * 1 generalises any two keys that share a directory.
   */
  prefixThreshold?: number;
}

export const DEFAULT_PREFIX_THRESHOLD = 5;

/** `arn:<partition>:s3:::<bucket>/<key>`: the bucket ARN part and the key. */
const S3_OBJECT = /^(arn:[^:]+:s3:::[^/]+)\/(.+)$/;

interface Directory {
  keys: string[];
  children: Map<string, Directory>;
}

/**
 * The resources to grant one action, sorted: `*` when `*` was recorded, S3 object keys folded
 * into prefixes past the threshold, every other ARN as it is.
 *
 * @example
 * generaliseResources(['arn:aws:s3:::b/logs/1', ..., 'arn:aws:s3:::b/logs/6']); // ['arn:aws:s3:::b/logs/*']
 */
export function generaliseResources(resources: readonly string[], options: GeneraliseOptions = {}): string[] {
  const threshold = options.prefixThreshold ?? DEFAULT_PREFIX_THRESHOLD;
  if (resources.includes('*')) return ['*'];
  const out = new Set<string>();
  const buckets = new Map<string, Directory>();
  for (const resource of resources) {
    const object = S3_OBJECT.exec(resource);
    if (object === null) {
      out.add(resource);
      continue;
    }
    const [, bucketArn, key] = object as unknown as [string, string, string];
    let root = buckets.get(bucketArn);
    if (root === undefined) buckets.set(bucketArn, (root = newDirectory()));
    insertKey(root, key);
  }
  for (const [bucketArn, root] of buckets) {
    for (const unit of collapse(root, '', threshold)) out.add(`${bucketArn}/${unit}`);
  }
  return [...out].sort();
}

function newDirectory(): Directory {
  return { keys: [], children: new Map() };
}

function insertKey(root: Directory, key: string): void {
  let dir = root;
  let start = 0;
  for (let slash = key.indexOf('/'); slash >= 0 && slash < key.length - 1; slash = key.indexOf('/', start)) {
    const name = key.slice(start, slash + 1);
    let child = dir.children.get(name);
    if (child === undefined) dir.children.set(name, (child = newDirectory()));
    dir = child;
    start = slash + 1;
  }
  if (!dir.keys.includes(key)) dir.keys.push(key);
}

/** Bottom-up: a directory with more than `threshold` units (keys or folded subdirectories) folds. */
function collapse(dir: Directory, prefix: string, threshold: number): string[] {
  const units = [...dir.keys];
  for (const [name, child] of dir.children) units.push(...collapse(child, prefix + name, threshold));
  return units.length > threshold ? [`${prefix}*`] : units;
}
