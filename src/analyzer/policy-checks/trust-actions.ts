/**
 * The action a trust policy allows must be the one its principal can call (IAM Access Analyzer's
 * `MISMATCHED_ACTION_FOR_PRINCIPAL`): an OIDC provider's tokens come in through
 * `sts:AssumeRoleWithWebIdentity`, a SAML provider's assertions through `sts:AssumeRoleWithSAML`,
 * and IAM principals and services through `sts:AssumeRole`. A statement that pairs an OIDC
 * provider with `sts:AssumeRole` lets nobody in (STS never evaluates it for that principal), and
 * usually hides a mistake that the author then "fixes" with a broader principal.
 */
import type { Statement } from '../../policy/ast.js';
import type { CheckContext } from './context.js';
import { isUnresolved, shown } from './patterns.js';

type Kind = 'oidc' | 'saml' | 'iam';

/** Web identity providers that need no IAM OIDC provider (IAM User Guide, "Principal": federated). */
const WEB_IDENTITY_HOSTS = new Set([
  'cognito-identity.amazonaws.com',
  'accounts.google.com',
  'graph.facebook.com',
  'www.amazon.com',
]);

function federatedKind(value: string): Kind | undefined {
  if (isUnresolved(value)) return undefined;
  if (value.includes(':oidc-provider/') || WEB_IDENTITY_HOSTS.has(value.toLowerCase())) return 'oidc';
  if (value.includes(':saml-provider/')) return 'saml';
  return undefined;
}

/** Which principal kinds each assume action admits. */
const ADMITS: Record<string, { kinds: readonly Kind[]; name: string }> = {
  'sts:assumerole': { kinds: ['iam'], name: 'sts:AssumeRole' },
  'sts:assumerolewithwebidentity': { kinds: ['oidc'], name: 'sts:AssumeRoleWithWebIdentity' },
  'sts:assumerolewithsaml': { kinds: ['saml'], name: 'sts:AssumeRoleWithSAML' },
};

function principals(statement: Statement): { text: string; kind: Kind }[] {
  const block = statement.principal;
  if (block === undefined || block.negated || block.wildcard) return [];
  const out: { text: string; kind: Kind }[] = [];
  for (const entry of block.entries) {
    for (const v of entry.values) {
      if (entry.type === 'Federated') {
        const kind = federatedKind(v.value);
        if (kind !== undefined) out.push({ text: v.value, kind });
      } else if (entry.type === 'AWS' || entry.type === 'Service') {
        if (v.value !== '*' && !isUnresolved(v.value)) out.push({ text: v.value, kind: 'iam' });
      }
    }
  }
  return out;
}

/**
 * @example
 * checkTrustActions(ctx); // Federated oidc-provider/... with sts:AssumeRole -> MISMATCHED_ACTION_FOR_PRINCIPAL
 */
export function checkTrustActions(ctx: CheckContext): void {
  if (ctx.kind !== 'trust') return;
  for (const statement of ctx.document.statements) {
    if (statement.action === undefined || statement.action.negated) continue;
    const who = principals(statement);
    if (who.length === 0) continue;
    for (const action of statement.action.values) {
      const rule = ADMITS[action.value.toLowerCase()];
      if (rule === undefined) continue;
      const wrong = who.filter((p) => !rule.kinds.includes(p.kind)).map((p) => p.text);
      if (wrong.length === 0) continue;
      ctx.report(
        'MISMATCHED_ACTION_FOR_PRINCIPAL',
        `The ${rule.name} action is invalid with the following principal(s): ${wrong.map(shown).join(', ')}. Use a SAML provider principal with the sts:AssumeRoleWithSAML action or use an OIDC provider principal with the sts:AssumeRoleWithWebIdentity action. Ensure the provider is Federated if you use either of the two options.`,
        action.loc,
        { details: { action: rule.name, principals: wrong } },
      );
    }
  }
}
