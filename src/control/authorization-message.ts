/**
 * The encoded authorization failure message credplane appends to its `AccessDenied` errors, and
 * its decoded form as `sts:DecodeAuthorizationMessage` returns it: AWS's document shape
 * (`allowed`, `explicitDeny`, `matchedStatements`, `failures`, `context`) plus credplane's own
 * explanation (which statements decided, which policy types lacked an Allow, with source lines).
 */
import { openMessage, sealMessage, type KeyRing } from '../crypto/index.js';
import {
  describeMissingAllow,
  describeStatement,
  type Decision,
  type RequestContext,
} from '../policy/index.js';
import type { AuthenticatedCaller } from './authenticate.js';

const PURPOSE = 'authorization-message';

export interface DeniedRequest {
  auth: AuthenticatedCaller;
  action: string;
  resource: string;
  context: RequestContext;
  decision: Decision;
}

/** The decoded document, as JSON text. */
export function describeDenial(denied: DeniedRequest): string {
  const { auth, decision } = denied;
  const explanation = decision.explanation;
  const conditions = [...denied.context.keys()].sort().map((key) => ({
    key,
    values: { items: (denied.context.get(key)?.values ?? []).map((v) => ({ value: v.text })) },
  }));
  return JSON.stringify({
    allowed: decision.decision === 'Allow',
    explicitDeny: decision.decision === 'ExplicitDeny',
    matchedStatements: {
      items: explanation.deciding.map((ref) => ({
        statementId: ref.sid ?? '',
        effect: ref.effect.toUpperCase(),
        policy: ref.policyName ?? ref.policyId,
        policyType: ref.policyKind,
        position:
          ref.loc.start === undefined
            ? undefined
            : { line: ref.loc.start.line, column: ref.loc.start.column },
        description: describeStatement(ref),
      })),
    },
    failures: { items: explanation.missing.map((missing) => ({ reason: describeMissingAllow(missing) })) },
    context: {
      principal: { id: auth.caller.userId, arn: auth.caller.arn },
      action: denied.action,
      resource: denied.resource,
      conditions: { items: conditions },
    },
  });
}

export function encodeDenial(denied: DeniedRequest, ring: KeyRing): string {
  return sealMessage(describeDenial(denied), PURPOSE, ring);
}

/** The decoded document, or `undefined` when `encoded` is not a message this key ring sealed. */
export function decodeDenial(encoded: string, ring: KeyRing): string | undefined {
  return openMessage(encoded, PURPOSE, ring);
}
