/**
 * Trust policies open beyond the account, decided by evaluating the trust policy for callers it
 * should not admit, with no request keys beyond the caller's own (so no `sts:ExternalId`,
 * `aws:PrincipalOrgID`, `aws:SourceAccount`):
 * - `TRUST_OPEN_TO_ANYONE`: a role session of an account nobody named (a probe account) may
 *   `sts:AssumeRole` it — `Principal: "*"` (or `{"AWS":"*"}`) without a narrowing condition.
 * - `TRUST_OPEN_TO_OTHER_ACCOUNTS`: every other account the trust policy names (account ids, root,
 *   role and user ARNs) is tried with a principal of that account; those admitted without any
 *   condition are listed. Conditions such as `sts:ExternalId` or `aws:PrincipalOrgID` make the
 *   probe fail, so such grants are not reported.
 * The probe callers are given an identity policy that allows everything: cross-account, the
 * trust policy is what decides.
 */
import {
  compilePolicy,
  createRequestContext,
  evaluate,
  parsePolicy,
  principalContextKeys,
} from '../../policy/index.js';
import type { CompiledPolicy, PolicyDocument, RequestPrincipal } from '../../policy/index.js';
import type { Finding } from '../findings.js';
import type { AnalysisData } from '../data.js';
import { postureFinding } from './finding.js';
import { compileRole } from './role-policies.js';
import { splitArn } from '../../iam/arn.js';

const ALLOW_ALL: CompiledPolicy = compilePolicy(
  parsePolicy('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'),
  { id: 'probe-caller', kind: 'identity' },
);

function probeAccount(own: string): string {
  return own === '999999999999' ? '999999999998' : '999999999999';
}

/** A principal of `account`: the role or user the ARN names, or a role session of that account. */
function principalFor(value: string, account: string, partition: string): RequestPrincipal {
  const user = /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(value);
  if (user !== null) {
    return { type: 'User', arn: value, account, userName: user[1]!, userId: 'AIDACREDPLANEPROBE000' };
  }
  const role = /^arn:[^:]+:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(value);
  const roleArn = role !== null ? value : `arn:${partition}:iam::${account}:role/credplane-analyze-probe`;
  const roleName = role?.[1] ?? 'credplane-analyze-probe';
  return {
    type: 'AssumedRole',
    arn: `arn:${partition}:sts::${account}:assumed-role/${roleName}/credplane-analyze`,
    roleArn,
    roleId: 'AROACREDPLANEPROBE000',
    userId: 'AROACREDPLANEPROBE000:credplane-analyze',
    account,
  };
}

/** The AWS principals a trust policy names, with their account. */
function namedAwsPrincipals(doc: PolicyDocument): { value: string; account: string }[] {
  const out: { value: string; account: string }[] = [];
  for (const s of doc.statements) {
    if (s.effect.value !== 'Allow' || s.principal === undefined || s.principal.negated) continue;
    for (const entry of s.principal.entries) {
      if (entry.type !== 'AWS') continue;
      for (const { value } of entry.values) {
        const account = /^\d{12}$/.test(value) ? value : /^arn:[^:]+:iam::(\d{12}):/.exec(value)?.[1];
        if (account !== undefined) out.push({ value, account });
      }
    }
  }
  return out;
}

function admits(
  trust: CompiledPolicy,
  principal: RequestPrincipal,
  roleArn: string,
  roleAccount: string,
): boolean {
  return (
    evaluate(
      {
        principal,
        action: 'sts:AssumeRole',
        resource: roleArn,
        resourceAccount: roleAccount,
        context: createRequestContext(principalContextKeys(principal)),
      },
      { identity: [ALLOW_ALL], resource: trust },
    ).decision === 'Allow'
  );
}

/**
 * @example
 * openTrustFindings(data).map((f) => f.code); // ['TRUST_OPEN_TO_ANYONE']
 */
export function openTrustFindings(data: AnalysisData): Finding[] {
  const out: Finding[] = [];
  for (const roleData of data.roles) {
    const { role } = roleData;
    const trust = compileRole(roleData).trust;
    if (trust === undefined) continue;
    const partition = splitArn(role.arn)?.partition ?? 'aws';
    const subject = { kind: 'role' as const, name: role.roleName, arn: role.arn };
    const anyone = probeAccount(role.accountId);
    if (admits(trust, principalFor('', anyone, partition), role.arn, role.accountId)) {
      out.push(
        postureFinding(
          'TRUST_OPEN_TO_ANYONE',
          subject,
          `Role ${role.roleName}'s trust policy lets a principal of any AWS account assume it (Principal "*" without a condition such as aws:PrincipalOrgID or sts:ExternalId).`,
          {},
          { policy: 'trust' },
        ),
      );
      continue;
    }
    const admitted = new Set<string>();
    for (const named of namedAwsPrincipals(parsePolicy(role.assumeRolePolicyDocument))) {
      if (named.account === role.accountId || admitted.has(named.account)) continue;
      if (admits(trust, principalFor(named.value, named.account, partition), role.arn, role.accountId)) {
        admitted.add(named.account);
      }
    }
    if (admitted.size > 0) {
      const accounts = [...admitted].sort();
      out.push(
        postureFinding(
          'TRUST_OPEN_TO_OTHER_ACCOUNTS',
          subject,
          `Role ${role.roleName}'s trust policy lets account${accounts.length > 1 ? 's' : ''} ${accounts.join(', ')} assume it without a condition (add sts:ExternalId for a third party, or aws:PrincipalOrgID).`,
          { accounts },
          { policy: 'trust' },
        ),
      );
    }
  }
  return out;
}
