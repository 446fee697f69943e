/**
 * `AssumeRole` (AWS STS API Reference, AssumeRole): the caller must be allowed by the role's trust
 * policy (a resource policy that must explicitly allow) and, unless the trust policy names the
 * caller itself, by its own identity policies; tags and source identity need `sts:TagSession` and
 * `sts:SetSourceIdentity` as well. The session is sealed into the token; nothing is stored.
 */
import { issueTemporaryCredentials, type SessionClaims, type SessionTag } from '../crypto/index.js';
import { authorize } from '../control/authorize.js';
import { mfaParameters, verifyMfa } from './mfa.js';
import { AccessDeniedError } from '../control/errors.js';
import { AwsError, ValidationError } from '../errors.js';
import { parseRoleArn } from '../iam/arn.js';
import { validatePolicy } from '../policy/index.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlNode } from '../protocol/xml.js';
import type { StsContext } from './context.js';
import { assumedRoleXml } from './credentials-xml.js';
import * as p from './parameters.js';

/** Role chaining caps a session at one hour whatever the role allows (IAM User Guide, "Role chaining"). */
const CHAINED_MAX_SECONDS = 3600;

export async function assumeRole(ctx: StsContext, params: QueryParams): Promise<XmlNode> {
  const roleArn = p.roleArn(params);
  const sessionName = p.roleSessionName(params);
  const duration = p.durationSeconds(params, 3600, 900, 43_200);
  const externalId = p.externalId(params);
  const sourceIdentity = p.sourceIdentity(params);
  const sessionPolicy = p.sessionPolicy(params);
  const policyArns = p.policyArns(params);
  const tags = p.sessionTags(params);
  const transitive = p.transitiveTagKeys(params, tags);
  const mfa = mfaParameters(params);
  const { auth } = ctx;
  const caller = auth.caller;

  if (sessionPolicy !== undefined) {
    const errors = validatePolicy(sessionPolicy, { policyType: 'session' }).filter(
      (f) => f.severity === 'ERROR',
    );
    if (errors.length > 0) {
      throw new AwsError('MalformedPolicyDocument', errors[0]!.message, { status: 400 });
    }
  }
  // `refreshed`: `authenticate` made the snapshot current with the store for this request (every
  // AssumeRole is signed), so another process's write before the request applies; a second
  // generation read here (two `fcntl` and a read transaction on SQLite) would only race with
  // writes made while the request is in flight (docs/benchmarks.md, "The STS ladder").
  for (const arn of policyArns) {
    if ((await ctx.snapshot.managedPolicy(arn, 'session', { refreshed: true })) === undefined) {
      throw new ValidationError(`Policy ${arn} does not exist or is not attachable.`);
    }
  }

  // An unknown role, a malformed ARN and a role in another path all answer AccessDenied, as STS
  // does, so that callers cannot probe which roles exist.
  const denied = (): AccessDeniedError =>
    new AccessDeniedError(
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  let target;
  try {
    target = parseRoleArn(roleArn);
  } catch {
    throw denied();
  }
  const role = await ctx.snapshot.role(target.accountId, target.roleName, { refreshed: true });
  if (role === undefined || role.role.arn !== roleArn) throw denied();

  const chained = caller.kind === 'AssumedRole';
  if (duration > role.role.maxSessionDuration) {
    throw new ValidationError(
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
    );
  }
  if (chained && duration > CHAINED_MAX_SECONDS && params.has('DurationSeconds')) {
    throw new ValidationError(
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  }

  // Transitive tags of the calling session pass on and cannot be overridden (IAM User Guide,
  // "Chaining roles with session tags").
  const inherited = chained ? transitiveTagsOf(caller.session) : [];
  for (const tag of tags) {
    if (inherited.some((t) => t.key.toLowerCase() === tag.key.toLowerCase())) {
      throw new AwsError(
        'InvalidParameterValue',
        `One or more of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.`,
        { status: 400 },
      );
    }
  }
  const inheritedSource = caller.session?.sourceIdentity;
  if (inheritedSource !== undefined && sourceIdentity !== undefined && sourceIdentity !== inheritedSource) {
    throw new AccessDeniedError(
      `User: ${caller.arn} is not authorized to perform: sts:SetSourceIdentity on resource: ${roleArn}: SourceIdentity cannot be changed once set`,
    );
  }
  const allTags = [...inherited, ...tags];
  // A code sent with the request authenticates this call (age 0); otherwise an MFA-authenticated
  // calling session carries its authentication into the new one (IAM User Guide, "Configuring
  // MFA-protected API access").
  const mfaAuthenticatedAt =
    mfa === undefined ? caller.session?.mfaAuthenticatedAt : await verifyMfa(ctx, mfa);
  const extra = {
    ...(mfa === undefined ? {} : { 'aws:MultiFactorAuthPresent': true, 'aws:MultiFactorAuthAge': 0 }),
    'sts:RoleSessionName': sessionName,
    'sts:ExternalId': externalId,
    'sts:SourceIdentity': sourceIdentity ?? inheritedSource,
    'sts:TransitiveTagKeys': transitive.length > 0 ? transitive : undefined,
    'aws:TagKeys': tags.length > 0 ? tags.map((t) => t.key) : undefined,
    ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.key}`, t.value])),
  };
  const ring = ctx.keyRing();
  const check = (action: string): void => {
    authorize(
      auth,
      { action, resource: roleArn, resourcePolicy: role.trust, resourceAccount: target.accountId, extra },
      ring,
    );
  };
  check('sts:AssumeRole');
  if (tags.length > 0) check('sts:TagSession');
  if (sourceIdentity !== undefined) check('sts:SetSourceIdentity');

  const now = ctx.now();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const claims: SessionClaims = {
    accountId: target.accountId,
    roleArn: role.role.arn,
    roleId: role.role.roleId,
    roleName: role.role.roleName,
    roleSessionName: sessionName,
    issuedAt,
    expiresAt: issuedAt + (chained ? Math.min(duration, CHAINED_MAX_SECONDS) : duration),
    ...(sessionPolicy === undefined ? {} : { sessionPolicy }),
    ...(policyArns.length === 0 ? {} : { policyArns }),
    ...(allTags.length === 0 ? {} : { tags: allTags }),
    ...(inherited.length + transitive.length === 0
      ? {}
      : { transitiveTagKeys: [...inherited.map((t) => t.key), ...transitive] }),
    ...((sourceIdentity ?? inheritedSource) ? { sourceIdentity: (sourceIdentity ?? inheritedSource)! } : {}),
    ...(chained ? { roleChained: true } : {}),
    sourcePrincipalArn: caller.arn,
    ...(mfaAuthenticatedAt === undefined ? {} : { mfaAuthenticatedAt }),
  };
  const credentials = issueTemporaryCredentials(claims, ring, now);
  const packed = sessionPolicy !== undefined || policyArns.length > 0 || tags.length > 0;
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
    SourceIdentity: claims.sourceIdentity,
  };
}

function transitiveTagsOf(session: SessionClaims | undefined): SessionTag[] {
  if (session?.tags === undefined || session.transitiveTagKeys === undefined) return [];
  const keys = new Set(session.transitiveTagKeys.map((k) => k.toLowerCase()));
  return session.tags.filter((t) => keys.has(t.key.toLowerCase()));
}
