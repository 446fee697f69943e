/**
 * Kubernetes ServiceAccounts with IRSA annotations (Amazon EKS User Guide, IAM roles for service
 * accounts: `eks.amazonaws.com/role-arn`), declared as
 * ordinary Kubernetes manifests (`kind: ServiceAccount`, multi-document YAML) and kept in the Store
 * as workloads of kind `eks-service-account` named `<cluster>/<namespace>/<name>`.
 *
 * Parsing is pure; `applyServiceAccounts` writes to the Store.
 */
import { randomUUID } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { ValidationError } from '../../errors.js';
import { parseRoleArn } from '../../iam/arn.js';
import type { ServiceAccountSettings, ServiceAccountWorkload } from '../../workloads/index.js';
import type { Store } from '../../store/store.js';

export const ANNOTATION_PREFIX = 'eks.amazonaws.com';
export const ROLE_ARN_ANNOTATION = `${ANNOTATION_PREFIX}/role-arn`;
export const AUDIENCE_ANNOTATION = `${ANNOTATION_PREFIX}/audience`;
export const TOKEN_EXPIRATION_ANNOTATION = `${ANNOTATION_PREFIX}/token-expiration`;
export const STS_REGIONAL_ANNOTATION = `${ANNOTATION_PREFIX}/sts-regional-endpoints`;

export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';
/** The webhook's bounds: 600 s minimum (smaller values are raised), 86400 s maximum and default. */
export const MIN_TOKEN_SECONDS = 600;
export const MAX_TOKEN_SECONDS = 86_400;

export interface ServiceAccountSpec {
  cluster: string;
  namespace: string;
  name: string;
  roleArn: string;
  audience: string;
  /** `undefined`: the webhook's default (86400 s, randomised to 79200..86400 per token). */
  tokenExpirationSeconds?: number;
  stsRegionalEndpoints: boolean;
}

export interface ServiceAccount extends ServiceAccountSpec {
  /** The ServiceAccount's `metadata.uid`, assigned when first applied and kept across updates. */
  uid: string;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * The IRSA service accounts a manifest file declares for `cluster`.
 *
 * @example
 * parseServiceAccountManifests('apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: payments\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-api\n', 'demo');
 */
export function parseServiceAccountManifests(text: string, cluster: string): ServiceAccountSpec[] {
  const out: ServiceAccountSpec[] = [];
  for (const [i, doc] of parseAllDocuments(text).entries()) {
    if (doc.errors.length > 0) throw new ValidationError(`Document ${i + 1}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    out.push(serviceAccountSpec(record(value), cluster, `document ${i + 1}`));
  }
  return out;
}

function serviceAccountSpec(
  manifest: Record<string, unknown>,
  cluster: string,
  where: string,
): ServiceAccountSpec {
  if (manifest.apiVersion !== 'v1' || manifest.kind !== 'ServiceAccount') {
    throw new ValidationError(
      `${where}: expected apiVersion v1, kind ServiceAccount (got ${String(manifest.apiVersion)}/${String(manifest.kind)})`,
    );
  }
  const metadata = record(manifest.metadata);
  const name = metadata.name;
  const namespace = metadata.namespace ?? 'default';
  if (typeof name !== 'string' || !DNS_SUBDOMAIN.test(name)) {
    throw new ValidationError(`${where}: metadata.name must be a DNS-1123 subdomain`);
  }
  if (typeof namespace !== 'string' || !DNS_LABEL.test(namespace)) {
    throw new ValidationError(`${where}: metadata.namespace must be a DNS-1123 label`);
  }
  const annotations = record(metadata.annotations);
  const roleArn = annotations[ROLE_ARN_ANNOTATION];
  if (typeof roleArn !== 'string') {
    throw new ValidationError(
      `${where} (${namespace}/${name}): the ${ROLE_ARN_ANNOTATION} annotation is required`,
    );
  }
  try {
    parseRoleArn(roleArn);
  } catch {
    throw new ValidationError(
      `${where} (${namespace}/${name}): ${ROLE_ARN_ANNOTATION} is not a role ARN: ${roleArn.slice(0, 200)}`,
    );
  }
  const audience = annotations[AUDIENCE_ANNOTATION] ?? DEFAULT_AUDIENCE;
  if (typeof audience !== 'string' || audience === '') {
    throw new ValidationError(
      `${where} (${namespace}/${name}): ${AUDIENCE_ANNOTATION} must be a non-empty string`,
    );
  }
  const expiration = annotations[TOKEN_EXPIRATION_ANNOTATION];
  let tokenExpirationSeconds: number | undefined;
  if (expiration !== undefined) {
    const n = Number(expiration);
    if (!Number.isInteger(n) || n <= 0) {
      throw new ValidationError(
        `${where} (${namespace}/${name}): ${TOKEN_EXPIRATION_ANNOTATION} must be a number of seconds`,
      );
    }
    tokenExpirationSeconds = Math.min(MAX_TOKEN_SECONDS, Math.max(MIN_TOKEN_SECONDS, n));
  }
  return {
    cluster,
    namespace,
    name,
    roleArn,
    audience,
    ...(tokenExpirationSeconds === undefined ? {} : { tokenExpirationSeconds }),
    stsRegionalEndpoints: String(annotations[STS_REGIONAL_ANNOTATION]) === 'true',
  };
}

/** The workload name of a service account. */
export function serviceAccountWorkloadName(cluster: string, namespace: string, name: string): string {
  return `${cluster}/${namespace}/${name}`;
}

/**
 * Writes each service account as an `eks-service-account` workload; `NoSuchEntity` when its role
 * does not exist, a `ValidationError` when the role belongs to another account.
 */
export async function applyServiceAccounts(
  store: Store,
  accountId: string,
  specs: readonly ServiceAccountSpec[],
): Promise<ServiceAccount[]> {
  const applied: ServiceAccount[] = [];
  for (const spec of specs) {
    const role = parseRoleArn(spec.roleArn);
    if (role.accountId !== accountId) {
      throw new ValidationError(
        `${spec.namespace}/${spec.name}: role ${spec.roleArn} is in account ${role.accountId}, not ${accountId}`,
      );
    }
    const workloadName = serviceAccountWorkloadName(spec.cluster, spec.namespace, spec.name);
    const previous = await store
      .getWorkload(accountId, 'eks-service-account', workloadName)
      .catch(() => undefined);
    const uid = previous?.settings.uid ?? randomUUID();
    const settings: ServiceAccountSettings = {
      clusterName: spec.cluster,
      namespace: spec.namespace,
      serviceAccount: spec.name,
      uid,
      roleArn: spec.roleArn,
      audience: spec.audience,
      stsRegionalEndpoints: spec.stsRegionalEndpoints,
      ...(spec.tokenExpirationSeconds === undefined
        ? {}
        : { tokenExpirationSeconds: spec.tokenExpirationSeconds }),
    };
    await store.putWorkload(accountId, {
      kind: 'eks-service-account',
      name: workloadName,
      roleName: role.roleName,
      settings,
    });
    applied.push({ ...spec, uid });
  }
  return applied;
}

/** The service account a stored workload describes. */
export function serviceAccountOf(workload: ServiceAccountWorkload): ServiceAccount {
  const s = workload.settings;
  const [cluster = '', namespace = '', name = ''] = workload.name.split('/');
  return {
    cluster: s.clusterName ?? cluster,
    namespace: s.namespace ?? namespace,
    name: s.serviceAccount ?? name,
    uid: s.uid ?? '',
    roleArn: s.roleArn ?? workload.roleArn ?? '',
    audience: s.audience ?? DEFAULT_AUDIENCE,
    ...(s.tokenExpirationSeconds === undefined ? {} : { tokenExpirationSeconds: s.tokenExpirationSeconds }),
    stsRegionalEndpoints: s.stsRegionalEndpoints === true,
  };
}
