/**
 * The decision stage: each IAM check of a mapped request decided by the one authorizer
 * (`control/authorize.ts`), the first denial worded as AWS words it (`control/denial-message.ts`);
 * an unmapped operation, or one with no check, is denied unless it runs in audit mode.
 */
import type { AuthenticatedCaller } from '../../control/authenticate.js';
import { decide, requestContext } from '../../control/authorize.js';
import { denialMessage, type DenialMessage } from '../../control/denial-message.js';
import { modeFor } from '../config.js';
import { accessDeniedError, type ErrorShape } from '../denial.js';
import type { MappedRequest, UnmappedRequest } from '../types.js';
import type { GatewayContext, Outcome } from './context.js';

export function decideRequest(
  ctx: GatewayContext,
  auth: AuthenticatedCaller,
  mapped: MappedRequest | UnmappedRequest,
  shape: ErrorShape,
): Outcome {
  const { deps, settings } = ctx;
  if ('unmapped' in mapped) {
    const operation = mapped.operation ?? '(an operation credplane cannot identify)';
    const mode = modeFor(settings, mapped.service, mapped.operation);
    const message = `credplane's gateway has no IAM mapping for ${mapped.service}:${operation}, so it is denied (fail closed). To forward it unchecked and log it, run it in audit mode: --gateway-mode ${mapped.service}${mapped.operation === undefined ? '' : `:${mapped.operation}`}=audit.`;
    if (mode === 'audit') return { decision: 'audit-deny', decisions: [], errorMessage: message };
    return {
      decision: 'deny',
      decisions: [],
      error: accessDeniedError(shape, message),
      errorMessage: message,
    };
  }
  const decisions: Outcome['decisions'] = [];
  let denied: DenialMessage | undefined;
  for (const check of mapped.checks) {
    const input = {
      action: check.action,
      resource: check.resource,
      ...(check.resourceAccount === undefined ? {} : { resourceAccount: check.resourceAccount }),
      extra: check.context,
    };
    const context = requestContext(auth, check.context);
    const decision = decide(auth, input, context);
    decisions.push({ action: check.action, resource: check.resource, decision });
    if (decision.decision !== 'Allow' && denied === undefined) {
      denied = denialMessage(
        { auth, action: check.action, resource: check.resource, context, decision },
        { ring: deps.keyRing(), quoteResource: shape.service === 's3', period: true },
      );
    }
  }
  // A request with no checks is a mapper bug: never let it through unchecked.
  if (mapped.checks.length === 0) {
    const message = `credplane's gateway found no IAM check for ${mapped.service}:${mapped.operation}; denied (fail closed).`;
    return { decision: 'deny', decisions, error: accessDeniedError(shape, message), errorMessage: message };
  }
  if (denied === undefined) return { decision: 'allow', decisions };
  if (modeFor(settings, mapped.service, mapped.operation) === 'audit') {
    return { decision: 'audit-deny', decisions, errorMessage: denied.sentence };
  }
  return {
    decision: 'deny',
    decisions,
    error: accessDeniedError(shape, denied.message),
    errorMessage: denied.sentence,
  };
}
