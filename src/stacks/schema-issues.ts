/** A resource's schema errors, each placed at the template node it came from. */
import type { z } from 'zod';
import type { TemplateIssue } from './errors.js';
import { childPath, type TemplateNode } from './node.js';

export type LocationIndex = Map<string, TemplateNode>;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function relPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, k) => childPath(acc, typeof k === 'number' ? k : String(k)), '');
}

function nearest(index: LocationIndex, path: readonly PropertyKey[]): TemplateNode | undefined {
  for (let n = path.length; n >= 0; n -= 1) {
    const found = index.get(relPath(path.slice(0, n)));
    if (found) return found;
  }
  return undefined;
}

export function schemaIssues(
  error: z.ZodError,
  props: unknown,
  index: LocationIndex,
  base: string,
  logicalId: string,
  type: string,
): TemplateIssue[] {
  const out: TemplateIssue[] = [];
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const path = key === undefined ? issue.path : [...issue.path, key];
      const node = nearest(index, path);
      const where = relPath(path);
      const missing =
        (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
        valueAt(props, issue.path) === undefined;
      const last = String(path[path.length - 1] ?? '');
      const message =
        key !== undefined
          ? `unsupported property ${key} for ${type}`
          : missing
            ? `required property ${last} is missing`
            : issue.message;
      out.push({
        path: where === '' ? base : where.startsWith('[') ? `${base}${where}` : `${base}.${where}`,
        logicalId,
        message,
        ...(node?.position ? { position: node.position } : {}),
      });
    }
  }
  return out;
}
