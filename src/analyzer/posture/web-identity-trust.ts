/**
 * Web identity trust without a subject (or audience) condition: the classic IRSA and CI/CD
 * over-grant, where any service account of the cluster, or any repository of the CI provider,
 * can assume the role.
 *
 * For every OIDC provider a trust policy names as a `Federated` principal (an
 * `oidc-provider/<host/path>` ARN, or a well-known host such as `accounts.google.com`), the trust
 * policy is evaluated for `sts:AssumeRoleWithWebIdentity` as STS evaluates it, with
 * `<host/path>:sub` and `:aud`:
 * - `WEB_IDENTITY_TRUST_WITHOUT_SUB` when a subject no workload has is admitted (probes shaped like
 *   an arbitrary string, a Kubernetes service account and a GitHub repository, so that
 *   `system:serviceaccount:*` or `repo:*` count as no condition) with an audience the policy or
 *   the provider accepts;
 * - `WEB_IDENTITY_TRUST_WITHOUT_AUD` when an audience nobody uses is admitted with a subject the
 *   policy accepts. STS still checks `aud` against the provider's client ids, hence a WARNING.
 * Values the policy's own conditions name are used as the accepted ones (wildcards filled in).
 */
import { createRequestContext, evaluate, parsePolicy } from '../../policy/index.js';
import type { CompiledPolicy, PolicyDocument } from '../../policy/index.js';
import type { Finding } from '../findings.js';
import type { AnalysisData } from '../data.js';
import { postureFinding } from './finding.js';
import { compileRole } from './role-policies.js';

export const PROBE_SUBJECTS = [
  'credplane-analyze-probe-subject',
  'system:serviceaccount:credplane-probe:no-such-service-account',
  'repo:credplane-probe/no-such-repository:ref:refs/heads/main',
];
export const PROBE_AUDIENCE = 'credplane-analyze-probe-audience';
const MAX_COMBINATIONS = 64;

interface Provider {
  /** What `Federated` names and `aws:FederatedProvider` carries. */
  principal: string;
  /** The condition key prefix (`host/path`). */
  prefix: string;
}

function federatedProviders(doc: PolicyDocument): Provider[] {
  const out = new Map<string, Provider>();
  for (const s of doc.statements) {
    if (s.principal === undefined || s.principal.negated) continue;
    for (const entry of s.principal.entries) {
      if (entry.type !== 'Federated') continue;
      for (const { value } of entry.values) {
        const oidc = /:oidc-provider\/(.+)$/.exec(value);
        if (oidc !== null) out.set(value, { principal: value, prefix: oidc[1]! });
        else if (!value.startsWith('arn:')) out.set(value, { principal: value, prefix: value });
      }
    }
  }
  return [...out.values()];
}

/** The values the policy's conditions give `key` (any operator), with wildcards made concrete. */
function conditionValues(doc: PolicyDocument, key: string): string[] {
  const lower = key.toLowerCase();
  const out = new Set<string>();
  for (const s of doc.statements) {
    for (const c of s.conditions) {
      if (c.key.value.toLowerCase() !== lower) continue;
      for (const v of c.values) out.add(v.value.replace(/\*/g, 'x').replace(/\?/g, 'x'));
    }
  }
  return [...out];
}

function admitted(
  trust: CompiledPolicy,
  provider: Provider,
  roleArn: string,
  account: string,
  keys: Record<string, string>,
): boolean {
  return (
    evaluate(
      {
        principal: { type: 'WebIdentity', federatedProvider: provider.principal },
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: roleArn,
        resourceAccount: account,
        context: createRequestContext({ 'aws:FederatedProvider': provider.principal, ...keys }),
      },
      { resource: trust },
    ).decision === 'Allow'
  );
}

/** True when some `fixed` value with some value of the other key is admitted. */
function anyAdmitted(
  test: (keys: Record<string, string>) => boolean,
  probeKey: string,
  probes: readonly string[],
  otherKey: string,
  others: readonly string[],
): boolean {
  let tried = 0;
  for (const probe of probes) {
    for (const other of others) {
      if (++tried > MAX_COMBINATIONS) return false;
      if (test({ [probeKey]: probe, [otherKey]: other })) return true;
    }
  }
  return false;
}

/**
 * @example
 * webIdentityTrustFindings(data).map((f) => f.code); // ['WEB_IDENTITY_TRUST_WITHOUT_SUB']
 */
export function webIdentityTrustFindings(data: AnalysisData): Finding[] {
  const out: Finding[] = [];
  for (const roleData of data.roles) {
    const { role } = roleData;
    const trust = compileRole(roleData).trust;
    if (trust === undefined) continue;
    const doc = parsePolicy(role.assumeRolePolicyDocument);
    for (const provider of federatedProviders(doc)) {
      const subKey = `${provider.prefix}:sub`;
      const audKey = `${provider.prefix}:aud`;
      const registered = data.oidcProviders.find((p) => p.arn === provider.principal);
      const audiences = [
        ...new Set([...conditionValues(doc, audKey), ...(registered?.clientIds ?? []), 'sts.amazonaws.com']),
      ];
      const subjects = [...new Set([...conditionValues(doc, subKey), ...PROBE_SUBJECTS])];
      const test = (keys: Record<string, string>): boolean =>
        admitted(trust, provider, role.arn, role.accountId, keys);
      const subject = { kind: 'role' as const, name: role.roleName, arn: role.arn };
      const details = { provider: provider.principal, conditionKey: subKey };
      if (anyAdmitted(test, subKey, PROBE_SUBJECTS, audKey, audiences)) {
        out.push(
          postureFinding(
            'WEB_IDENTITY_TRUST_WITHOUT_SUB',
            subject,
            `Role ${role.roleName} trusts every identity of ${provider.prefix}: no ${subKey} condition narrows it to one workload (e.g. StringEquals ${subKey} = system:serviceaccount:<namespace>:<name>).`,
            details,
            { policy: 'trust' },
          ),
        );
      }
      if (anyAdmitted(test, audKey, [PROBE_AUDIENCE], subKey, subjects)) {
        out.push(
          postureFinding(
            'WEB_IDENTITY_TRUST_WITHOUT_AUD',
            subject,
            `Role ${role.roleName} trusts tokens of ${provider.prefix} for any audience: add a ${audKey} condition (e.g. sts.amazonaws.com).`,
            { ...details, conditionKey: audKey },
            { policy: 'trust' },
          ),
        );
      }
    }
  }
  return out;
}
