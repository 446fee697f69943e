/**
 * Who may get in. In trust and resource policies, an Allow to `Principal: "*"` with no condition
 * lets every AWS account in. In trust policies, a web identity (an OIDC provider, Cognito, Google,
 * Facebook, Login with Amazon) must be pinned to the identity (`<provider>:sub`) and the audience
 * (`<provider>:aud`): without `:sub`, every identity the issuer signs for — any repository of a
 * CI provider, any service account of a cluster — may assume the role.
 *
 * A condition counts when its operator is not negated and its values are not all `*`.
 */
import type { ConditionEntry, Located, Statement } from '../../policy/ast.js';
import type { Severity } from '../findings.js';
import type { CheckContext } from './context.js';
import { wildcardMatches } from './context.js';
import { isUnresolved, shown } from './patterns.js';
import { isNegatedOperator } from '../../policy/conditions/index.js';

interface Requirement {
  code: 'WEB_IDENTITY_MISSING_SUB_CONDITION' | 'WEB_IDENTITY_MISSING_AUD_CONDITION';
  /** Key suffixes after `<provider>:` that satisfy it. */
  suffixes: string[];
  severity: Severity;
}

const SUB: Requirement = {
  code: 'WEB_IDENTITY_MISSING_SUB_CONDITION',
  suffixes: ['sub'],
  severity: 'SECURITY_WARNING',
};
const AUD: Requirement = {
  code: 'WEB_IDENTITY_MISSING_AUD_CONDITION',
  suffixes: ['aud'],
  severity: 'WARNING',
};

/** The public identity providers and what pins an identity and an audience for each. */
const WELL_KNOWN: Record<string, Requirement[]> = {
  // A Cognito identity pool is the audience; identities of one pool share its roles.
  'cognito-identity.amazonaws.com': [{ ...AUD, severity: 'SECURITY_WARNING' }],
  'accounts.google.com': [SUB, { ...AUD, suffixes: ['aud', 'oaud'] }],
  'graph.facebook.com': [
    { ...SUB, suffixes: ['id'] },
    { ...AUD, suffixes: ['app_id'] },
  ],
  'www.amazon.com': [
    { ...SUB, suffixes: ['user_id'] },
    { ...AUD, suffixes: ['app_id'] },
  ],
};

/**
 * @example
 * await checkTrust(ctx); // Federated oidc-provider/token.actions.githubusercontent.com, no :sub -> WEB_IDENTITY_MISSING_SUB_CONDITION
 */
export function checkTrust(ctx: CheckContext): Promise<void> {
  if (ctx.kind !== 'trust' && ctx.kind !== 'resource') return Promise.resolve();
  for (const statement of ctx.document.statements) {
    const principal = statement.principal;
    if (statement.effect.value !== 'Allow' || principal === undefined || principal.negated) continue;
    if (principal.wildcard && statement.conditions.length === 0) {
      ctx.report(
        'ALLOW_ANY_PRINCIPAL_WITHOUT_CONDITION',
        ctx.kind === 'trust'
          ? 'Any principal of any AWS account may assume this role: the statement allows Principal "*" without a condition. Name the principals, or add conditions such as aws:PrincipalOrgID.'
          : 'Anyone may use this resource: the statement allows Principal "*" without a condition. Name the principals, or add conditions such as aws:PrincipalOrgID or aws:SourceArn.',
        principal.loc,
      );
    }
    if (ctx.kind !== 'trust' || !allowsWebIdentity(statement)) continue;
    for (const entry of principal.entries) {
      if (entry.type !== 'Federated') continue;
      for (const value of entry.values) checkProvider(ctx, statement, value);
    }
  }
  return Promise.resolve();
}

function allowsWebIdentity(statement: Statement): boolean {
  const actions = statement.action;
  if (actions === undefined) return false;
  const hit = actions.values.some(
    (v) => isUnresolved(v.value) || wildcardMatches(v.value, 'sts:AssumeRoleWithWebIdentity'),
  );
  return actions.negated ? !hit : hit;
}

function checkProvider(ctx: CheckContext, statement: Statement, value: Located<string>): void {
  const provider = providerHost(value.value);
  if (provider === undefined) return;
  const requirements = WELL_KNOWN[provider.toLowerCase()] ?? [SUB, AUD];
  for (const requirement of requirements) {
    if (statement.conditions.some((c) => pins(c, provider, requirement.suffixes))) continue;
    const keys = requirement.suffixes.map((s) => `${shown(provider)}:${s}`).join(' or ');
    const what = requirement.code === 'WEB_IDENTITY_MISSING_SUB_CONDITION' ? 'identity' : 'audience';
    ctx.report(
      requirement.code,
      `Web identities of ${shown(provider)} may assume this role without a condition on ${keys}; pin the ${what} with StringEquals (or StringLike) on ${keys}.`,
      value.loc,
      {
        severity: requirement.severity,
        details: { provider, keys: requirement.suffixes.map((s) => `${provider}:${s}`) },
      },
    );
  }
}

/** `token.actions.githubusercontent.com` for an OIDC provider ARN; the name of a public provider. */
function providerHost(federated: string): string | undefined {
  const marker = ':oidc-provider/';
  const at = federated.indexOf(marker);
  if (at >= 0) return federated.slice(at + marker.length);
  if (federated.includes(':saml-provider/')) return undefined;
  if (isUnresolved(federated)) return federated;
  return WELL_KNOWN[federated.toLowerCase()] === undefined ? undefined : federated;
}

function pins(condition: ConditionEntry, provider: string, suffixes: string[]): boolean {
  if (condition.operator.base === 'Null' || isNegatedOperator(condition.operator.base)) return false;
  if (condition.values.length > 0 && condition.values.every((v) => v.value === '*')) return false;
  const key = condition.key.value;
  const colon = key.lastIndexOf(':');
  if (colon <= 0) return false;
  const suffix = key.slice(colon + 1).toLowerCase();
  if (!suffixes.includes(suffix)) return false;
  const prefix = key.slice(0, colon);
  // A template may build the provider or the key from values credplane cannot see.
  return isUnresolved(prefix) || isUnresolved(provider) || prefix.toLowerCase() === provider.toLowerCase();
}
