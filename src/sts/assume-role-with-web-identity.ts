/**
 * `AssumeRoleWithWebIdentity` (AWS STS API Reference, AssumeRoleWithWebIdentity): unsigned, as every SDK
 * sends it — the OIDC token is the caller's only credential. The token is verified against the IAM OIDC
 * provider registered in the role's account; the role's trust policy is evaluated for a `WebIdentity`
 * principal (`aws:FederatedProvider` = the provider ARN) with the condition keys `<issuer host/path>:sub`,
 * `:aud` and `:amr`. Anything unverifiable fails closed with STS's code.
 */
import { issueTemporaryCredentials, type KeyRing } from '../crypto/index.js';
import { AccessDeniedError } from '../control/errors.js';
import type { AuthorizationView } from '../control/authorization-view.js';
import { AwsError, ValidationError } from '../errors.js';
import { parseRoleArn } from '../iam/arn.js';
import type { WebIdentityVerifier } from '../oidc/verify-web-identity-token.js';
import { createRequestContext, evaluate, validatePolicy } from '../policy/index.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlNode } from '../protocol/xml.js';
import { assumedRoleXml } from './credentials-xml.js';
import * as p from './parameters.js';

/** What the operation needs: no caller (the request is unsigned), a token verifier instead. */
export interface WebIdentityStsContext {
  snapshot: AuthorizationView;
  keyRing: () => KeyRing;
  partition: string;
  requestId: string;
  now: () => Date;
  verifyWebIdentity: WebIdentityVerifier;
  /**
   * The session lifetime when the request names no `DurationSeconds` (STS's is 3600): a testing
   * aid (`CREDPLANE_IRSA_CREDENTIAL_SECONDS`) to watch IRSA rotation, since SDKs send none.
   */
  defaultDurationSeconds?: number;
}

function webIdentityToken(params: QueryParams): string {
  const token = params.require('WebIdentityToken');
  if (token.length < 4 || token.length > 20_000) {
    throw new ValidationError(
      "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000",
    );
  }
  return token;
}

/**
 * @example
 * const xml = await assumeRoleWithWebIdentity(ctx, parseQuery('Action=AssumeRoleWithWebIdentity&RoleArn=…&RoleSessionName=s&WebIdentityToken=…'));
 */
export async function assumeRoleWithWebIdentity(
  ctx: WebIdentityStsContext,
  params: QueryParams,
): Promise<XmlNode> {
  const roleArn = p.roleArn(params);
  const sessionName = p.roleSessionName(params);
  const token = webIdentityToken(params);
  // The configured default is the server's choice, not the caller's, so STS's 900 s floor is not applied to it.
  const duration =
    params.get('DurationSeconds') === undefined && ctx.defaultDurationSeconds !== undefined
      ? ctx.defaultDurationSeconds
      : p.durationSeconds(params, 3600, 900, 43_200);
  const sessionPolicy = p.sessionPolicy(params);
  const policyArns = p.policyArns(params);
  if (params.get('ProviderId') !== undefined) {
    throw new InvalidProviderIdError();
  }
  if (sessionPolicy !== undefined) {
    const invalid = validatePolicy(sessionPolicy, { policyType: 'session' }).find(
      (f) => f.severity === 'ERROR',
    );
    if (invalid !== undefined)
      throw new AwsError('MalformedPolicyDocument', invalid.message, { status: 400 });
  }
  for (const arn of policyArns) {
    if ((await ctx.snapshot.managedPolicy(arn, 'session')) === undefined) {
      throw new ValidationError(`Policy ${arn} does not exist or is not attachable.`);
    }
  }

  const denied = (): AccessDeniedError =>
    new AccessDeniedError(`Not authorized to perform sts:AssumeRoleWithWebIdentity`);
  let target;
  try {
    target = parseRoleArn(roleArn);
  } catch {
    throw denied();
  }
  // The token is checked against the role's account's providers before the role is looked up, so
  // an unauthenticated caller learns nothing about which roles exist.
  const identity = await ctx.verifyWebIdentity(token, target.accountId);
  const role = await ctx.snapshot.role(target.accountId, target.roleName);
  if (role === undefined || role.role.arn !== roleArn) throw denied();

  const prefix = identity.provider.url;
  const context = createRequestContext({
    'aws:FederatedProvider': identity.provider.arn,
    [`${prefix}:sub`]: identity.subject,
    [`${prefix}:aud`]: identity.audience,
    ...(identity.amr === undefined ? {} : { [`${prefix}:amr`]: identity.amr }),
    'sts:RoleSessionName': sessionName,
    'aws:CurrentTime': ctx.now(),
    'aws:EpochTime': Math.floor(ctx.now().getTime() / 1000),
  });
  const decision = evaluate(
    {
      principal: { type: 'WebIdentity', federatedProvider: identity.provider.arn },
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: role.role.arn,
      resourceAccount: target.accountId,
      context,
    },
    { resource: role.trust },
  );
  if (decision.decision !== 'Allow') throw denied();
  if (duration > role.role.maxSessionDuration) {
    throw new ValidationError(
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  }

  const now = ctx.now();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const credentials = issueTemporaryCredentials(
    {
      accountId: target.accountId,
      roleArn: role.role.arn,
      roleId: role.role.roleId,
      roleName: role.role.roleName,
      roleSessionName: sessionName,
      issuedAt,
      expiresAt: issuedAt + duration,
      ...(sessionPolicy === undefined ? {} : { sessionPolicy }),
      ...(policyArns.length === 0 ? {} : { policyArns }),
      sourcePrincipalArn: identity.provider.arn,
    },
    ctx.keyRing(),
    now,
  );
  const packed = sessionPolicy !== undefined || policyArns.length > 0;
  return {
    ...assumedRoleXml(
      credentials,
      {
        partition: ctx.partition,
        accountId: target.accountId,
        roleId: role.role.roleId,
        roleName: role.role.roleName,
        sessionName,
      },
      packed,
    ),
    SubjectFromWebIdentityToken: identity.subject,
    Provider: identity.provider.arn,
    Audience: identity.audience,
  };
}

/** `ProviderId` names an OAuth 2.0 provider (Amazon, Facebook); credplane verifies OIDC tokens only. */
class InvalidProviderIdError extends AwsError {
  constructor() {
    super(
      'InvalidParameterValue',
      'ProviderId is only for OAuth 2.0 access tokens (www.amazon.com, graph.facebook.com), which credplane does not accept; send an OpenID Connect ID token without ProviderId.',
      { status: 400 },
    );
  }
}
