/**
 * The clusters whose OIDC issuers credplane serves, one JSON file each under
 * `<dataDir>/oidc/clusters/<name>.json`: name, account, issuer URL, the IAM OIDC provider ARN and
 * the signing keys sealed under the master key. Every process sharing the data directory (the
 * `credplane up` that verifies tokens, the `credplane run` that mints them) sees the same keys;
 * files are replaced atomically, and a reader re-reads a file whose mtime changed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AwsError } from '../errors.js';
import type { MasterKey } from '../crypto/index.js';
import { openKeySet, sealKeySet } from './sealed-key-set.js';
import {
  generateSigningKey,
  publishedJwks,
  rotateSigningKeys,
  type PublicJwk,
  type SigningKeySet,
} from './signing-keys.js';

export interface Cluster {
  name: string;
  accountId: string;
  region: string;
  /** 32 upper-case hex digits, as in EKS's `https://oidc.eks.<region>.amazonaws.com/id/<ID>`. */
  id: string;
  issuer: string;
  providerArn: string;
  createdAt: string;
}

interface ClusterFile extends Cluster {
  sealedKeys: string;
}

/** EKS's cluster-name rule. */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

export class ClusterNotFoundError extends AwsError {
  constructor(name: string) {
    super('ResourceNotFoundException', `No cluster found for name: ${name}.`, { status: 404 });
  }
}

export function checkClusterName(name: string): void {
  if (!CLUSTER_NAME.test(name)) {
    throw new AwsError(
      'InvalidParameterException',
      `Cluster name '${name.slice(0, 100)}' must start with a letter or digit and contain only letters, digits, '-' and '_' (at most 100).`,
      { status: 400 },
    );
  }
}

export interface ClusterRegistryOptions {
  dataDir: string;
  masterKey: MasterKey;
  now?: () => number;
}

export class ClusterRegistry {
  readonly dir: string;
  private readonly cache = new Map<string, { version: string; file: ClusterFile; keys: SigningKeySet }>();
  private readonly now: () => number;

  constructor(private readonly options: ClusterRegistryOptions) {
    this.dir = path.join(options.dataDir, 'oidc', 'clusters');
    this.now = options.now ?? Date.now;
  }

  /**
   * A new cluster record with a fresh signing key; `ResourceInUseException` if the name exists.
   *
   * @example
   * registry.create({ name: 'demo', accountId, region, issuerBaseUrl: 'http://127.0.0.1:7300', partition: 'aws' });
   */
  create(input: {
    name: string;
    accountId: string;
    region: string;
    issuerBaseUrl: string;
    partition: string;
  }): Cluster {
    checkClusterName(input.name);
    if (this.get(input.name) !== undefined) {
      throw new AwsError('ResourceInUseException', `Cluster already exists with name: ${input.name}`, {
        status: 409,
      });
    }
    const id = randomBytes(16).toString('hex').toUpperCase();
    const issuer = `${input.issuerBaseUrl.replace(/\/+$/, '')}/oidc/id/${id}`;
    const hostPath = issuer.replace(/^https?:\/\//i, '');
    const cluster: Cluster = {
      name: input.name,
      accountId: input.accountId,
      region: input.region,
      id,
      issuer,
      providerArn: `arn:${input.partition}:iam::${input.accountId}:oidc-provider/${hostPath}`,
      createdAt: new Date(this.now()).toISOString(),
    };
    this.write(cluster, { keys: [generateSigningKey(this.nowSeconds())] });
    return cluster;
  }

  /** The cluster, or `undefined`. */
  get(name: string): Cluster | undefined {
    const loaded = this.load(name);
    return loaded === undefined ? undefined : strip(loaded.file);
  }

  /** The cluster or `ResourceNotFoundException`. */
  require(name: string): Cluster {
    const found = this.get(name);
    if (found === undefined) throw new ClusterNotFoundError(name);
    return found;
  }

  list(): Cluster[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
    return names.flatMap((f) => {
      const c = this.get(f.slice(0, -'.json'.length));
      return c === undefined ? [] : [c];
    });
  }

  /** The cluster that owns `issuer` (exact URL), if credplane serves it. */
  findByIssuer(issuer: string): Cluster | undefined {
    return this.list().find((c) => c.issuer === issuer);
  }

  /** The cluster whose issuer path ends in `/oidc/id/<id>`. */
  findById(id: string): Cluster | undefined {
    return this.list().find((c) => c.id === id);
  }

  signingKeys(name: string): SigningKeySet {
    const loaded = this.load(name);
    if (loaded === undefined) throw new ClusterNotFoundError(name);
    return loaded.keys;
  }

  jwks(name: string): { keys: PublicJwk[] } {
    return publishedJwks(this.signingKeys(name), this.nowSeconds());
  }

  /** A new signing key; the old one stays published while tokens it signed may live. */
  rotateKeys(name: string): SigningKeySet {
    const cluster = this.require(name);
    const next = rotateSigningKeys(this.signingKeys(name), this.nowSeconds());
    this.write(cluster, next);
    return next;
  }

  /** Removes the cluster's file (its IAM provider is the caller's to delete). */
  delete(name: string): void {
    checkClusterName(name);
    fs.rmSync(this.fileOf(name), { force: true });
    this.cache.delete(name);
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  private fileOf(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  private load(name: string): { file: ClusterFile; keys: SigningKeySet } | undefined {
    if (!CLUSTER_NAME.test(name)) return undefined;
    const file = this.fileOf(name);
    let version: string;
    try {
      const stat = fs.statSync(file);
      // A replaced file is a new inode, so inode + mtime notices a rotation within one tick.
      version = `${stat.ino}:${stat.mtimeMs}`;
    } catch {
      this.cache.delete(name);
      return undefined;
    }
    const hit = this.cache.get(name);
    if (hit !== undefined && hit.version === version) return hit;
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterFile;
    const keys = openKeySet(Buffer.from(parsed.sealedKeys, 'base64'), parsed.issuer, this.options.masterKey);
    const entry = { version, file: parsed, keys };
    this.cache.set(name, entry);
    return entry;
  }

  private write(cluster: Cluster, keys: SigningKeySet): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const body: ClusterFile = {
      ...cluster,
      sealedKeys: sealKeySet(keys, cluster.issuer, this.options.masterKey).toString('base64'),
    };
    const target = this.fileOf(cluster.name);
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    fs.writeFileSync(temp, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, target);
    this.cache.delete(cluster.name);
  }
}

function strip(file: ClusterFile): Cluster {
  const { sealedKeys: _sealed, ...cluster } = file;
  return cluster;
}
