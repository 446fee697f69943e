/**
 * One authorization path for every API (ARCHITECTURE.md, Decisions: one request context): the caller's
 * policies from `authenticate`, an optional resource policy (a role's trust policy for `sts:AssumeRole`), and
 * the global condition keys AWS puts in a request's context (IAM User Guide, AWS global condition context
 * keys).
 */
import {
  createRequestContext,
  evaluate,
  principalContextKeys,
  type CompiledPolicy,
  type ContextInput,
  type Decision,
  type RequestContext,
} from '../policy/index.js';
import type { KeyRing } from '../crypto/index.js';
import type { AuthenticatedCaller } from './authenticate.js';
import { denialMessage } from './denial-message.js';
import { AccessDeniedError } from './errors.js';

export interface AuthorizeInput {
  action: string;
  resource: string;
  /** The resource's account when it differs from the caller's. */
  resourceAccount?: string;
  /** Operation-specific keys (`sts:ExternalId`, `aws:RequestTag/…`, `iam:PermissionsBoundary`). */
  extra?: Record<string, ContextInput | undefined>;
  /** The resource-based policy, e.g. the role's trust policy. */
  resourcePolicy?: CompiledPolicy;
}

/**
 * The request context for `auth`: principal keys, network and time keys, the principal's tags
 * (role tags, overridden by session tags), how the session was issued (`aws:TokenIssueTime`,
 * delivery keys such as `ec2:RoleDelivery`), plus `extra`.
 */
export function requestContext(
  auth: AuthenticatedCaller,
  extra: AuthorizeInput['extra'] = {},
): RequestContext {
  const keys: Record<string, ContextInput> = {};
  keys['aws:SourceIp'] = auth.sourceIp;
  keys['aws:SecureTransport'] = false;
  const now = new Date();
  keys['aws:CurrentTime'] = now;
  const epochSeconds = Math.floor(now.getTime() / 1000);
  keys['aws:EpochTime'] = epochSeconds;
  keys['aws:RequestedRegion'] = auth.region;
  if (auth.userAgent !== undefined) keys['aws:UserAgent'] = auth.userAgent;
  for (const tag of auth.role?.role.tags ?? []) keys[`aws:PrincipalTag/${tag.key}`] = tag.value;
  const session = auth.caller.session;
  if (session !== undefined) {
    for (const tag of session.tags ?? []) keys[`aws:PrincipalTag/${tag.key}`] = tag.value;
    keys['aws:TokenIssueTime'] = new Date(session.issuedAt * 1000);
    // Present (and false) only for temporary credentials, as on AWS: `Bool … false` denies do
    // not catch long-term keys (spec appendix item 5).
    keys['aws:MultiFactorAuthPresent'] = session.mfaAuthenticatedAt !== undefined;
    // IAM User Guide, aws:MultiFactorAuthAge: seconds since MFA authorization, present only for
    // temporary credentials obtained with MFA. The later of the server's clock and the signed
    // request time (within the allowed skew of it): a caller can only make the age look older.
    if (session.mfaAuthenticatedAt !== undefined) {
      const at = Math.max(epochSeconds, Math.floor(auth.requestTime.getTime() / 1000));
      keys['aws:MultiFactorAuthAge'] = Math.max(0, at - session.mfaAuthenticatedAt);
    }
    if (session.sourceIdentity !== undefined) keys['aws:SourceIdentity'] = session.sourceIdentity;
    for (const [key, value] of Object.entries(session.deliveryContext ?? {})) {
      keys[key] = typeof value === 'string' ? value : [...value];
    }
  }
  const operation: Record<string, ContextInput> = {};
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) operation[key] = value;
  return createRequestContext(principalContextKeys(auth.principal), keys, operation);
}

/** Evaluate one action for the caller; the decision with its explanation. */
export function decide(
  auth: AuthenticatedCaller,
  input: AuthorizeInput,
  context = requestContext(auth, input.extra),
): Decision {
  return evaluate(
    {
      principal: auth.principal,
      action: input.action,
      resource: input.resource,
      ...(input.resourceAccount === undefined ? {} : { resourceAccount: input.resourceAccount }),
      context,
    },
    input.resourcePolicy === undefined ? auth.policies : { ...auth.policies, resource: input.resourcePolicy },
  );
}

/**
 * Throw `AccessDenied` unless the caller may perform `action` on `resource`. The message has AWS's
 * form and ends with an encoded authorization failure message (when a key ring is given) that
 * `sts:DecodeAuthorizationMessage` expands into the full explanation.
 *
 * @example
 * authorize(auth, { action: 'iam:CreateRole', resource: 'arn:aws:iam::111122223333:role/web' }, ring);
 */
export function authorize(auth: AuthenticatedCaller, input: AuthorizeInput, ring?: KeyRing): Decision {
  const context = requestContext(auth, input.extra);
  const decision = decide(auth, input, context);
  auth.decisions?.push({ action: input.action, resource: input.resource, decision });
  if (decision.decision !== 'Allow') {
    const denied = { auth, action: input.action, resource: input.resource, context, decision };
    throw new AccessDeniedError(denialMessage(denied, ring === undefined ? {} : { ring }).message);
  }
  return decision;
}
