/**
 * From a signed HTTP request to a `Caller` with everything authorization needs preloaded, so that
 * `authorize` itself is synchronous: SigV4 verification (stateless for session credentials: the
 * secret is derived from the sealed token), then the caller's policies from the snapshot.
 */
import { type KeyRing, type OpenedSession, type SessionClaims } from '../crypto/index.js';
import { InvalidClientTokenIdError } from '../crypto/index.js';
import {
  type CompiledPolicy,
  type Decision,
  type PolicySet,
  type RequestPrincipal,
} from '../policy/index.js';
import type { ApiRequest } from '../http/types.js';
import {
  verifyRequest,
  type ResolvedCredential,
  type SignedRequest,
  type VerifiedCaller,
  type VerifyOptions,
} from '../sigv4/index.js';
import type { Caller } from './caller.js';
import { openSessionTokenCached } from './opened-sessions.js';
import type { PolicyCache } from './policy-cache.js';
import type { AdminKey, RoleAuthz, AuthorizationView } from './authorization-view.js';
import type { AccessKeyUseRecorder } from './access-key-use.js';

/** What the lookup hands back to the verifier and on to us. */
export interface Credential extends ResolvedCredential {
  secretAccessKey: string;
  claims?: SessionClaims;
  adminUser?: { accountId: string; userName: string };
}

/** A caller whose signature verified, with the policies that apply to it. */
export interface AuthenticatedCaller {
  caller: Caller;
  principal: RequestPrincipal;
  /** The caller's side of every decision: identity, boundary and session policies. */
  policies: PolicySet;
  /** The role behind a role session, when it still exists. */
  role?: RoleAuthz;
  /** The signature's scope: the region and service the client signed for. */
  region: string;
  service: string;
  sourceIp: string;
  userAgent?: string;
  requestTime: Date;
  /**
   * When set, `authorize` appends every decision it makes for this request here, allowed or
   * denied, so that the access log records the checks and their deciding statements.
   */
  decisions?: { action: string; resource: string; decision: Decision }[];
}

/**
 * A request whose body is not at hand (the gateway streams it on): verified against the body's
 * SHA-256 (hex) computed elsewhere, or, for S3, the `x-amz-content-sha256` value the client signed.
 */
export interface PayloadHashRequest extends Omit<ApiRequest, 'body'> {
  payloadHash: string;
}

export interface AuthenticatorOptions {
  snapshot: AuthorizationView;
  policies: PolicyCache;
  keyRing: () => KeyRing;
  partition: string;
  now?: () => number;
  /** Notes each use of a long-term key for `GetAccessKeyLastUsed`; none when absent. */
  keyUse?: AccessKeyUseRecorder;
}

/**
 * STS and IAM accept 15 minutes of clock skew and answer a request outside it with
 * `SignatureDoesNotMatch` (403), "Signature expired: 20190101T000000Z is now earlier than
 * 20190101T001501Z (20190101T003001Z - 15 min.)", as AWS does. The JS SDK v3 corrects its clock from
 * the response's Date header and retries SignatureDoesNotMatch (a clock-skew code for it); botocore
 * does not correct its clock. Other services keep the verifier's defaults (5 min, `RequestExpired`;
 * S3 15 min, `RequestTimeTooSkewed`).
 */
const STS_IAM_WINDOW = { maxSkewSeconds: 900, skewErrorCode: 'SignatureDoesNotMatch' } as const;

function isStsOrIam(services: readonly string[]): boolean {
  if (services.length === 0) return false;
  for (const s of services) if (s !== 'sts' && s !== 'iam') return false;
  return true;
}

/**
 * Verify `request` (for one of `services`) and resolve its caller.
 *
 * @example
 * const auth = await authenticate(request, options, ['sts']);
 * auth.caller.arn; // arn:aws:sts::111122223333:assumed-role/deployer/ci
 */
export async function authenticate(
  request: ApiRequest | PayloadHashRequest,
  options: AuthenticatorOptions,
  services: readonly string[],
): Promise<AuthenticatedCaller> {
  const now = options.now ?? Date.now;
  // Current with the store before anything is looked up: a change another process made (a
  // revocation, a deactivated key) applies to this request.
  await options.snapshot.refresh();
  // Built member by member rather than spread from intermediate objects: this runs on every
  // request, and each spread was one more short-lived object (docs/benchmarks.md, "The STS ladder").
  const signed: SignedRequest = { method: request.method, url: request.url, headers: request.rawHeaders };
  if ('payloadHash' in request) signed.payloadHash = request.payloadHash;
  else signed.body = request.body;
  const verifyOptions: VerifyOptions<Credential> = {
    service: services,
    now,
    lookup: (accessKeyId, sessionToken) => lookupCredential(options, accessKeyId, sessionToken, now()),
  };
  if (isStsOrIam(services)) {
    verifyOptions.maxSkewSeconds = STS_IAM_WINDOW.maxSkewSeconds;
    verifyOptions.skewErrorCode = STS_IAM_WINDOW.skewErrorCode;
  }
  const verified: VerifiedCaller<Credential> = verifyRequest<Credential>(signed, verifyOptions);
  const base = {
    region: verified.region,
    service: verified.service,
    sourceIp: stripMappedIpv4(request.remoteAddress),
    requestTime: verified.requestTime,
    ...(typeof request.headers['user-agent'] === 'string'
      ? { userAgent: request.headers['user-agent'] }
      : {}),
  };
  return callerOf(verified.credential, verified.accessKeyId, options, base);
}

/** Where and how a verified request was made: the parts of `AuthenticatedCaller` not about who. */
export type RequestFacts = Pick<
  AuthenticatedCaller,
  'region' | 'service' | 'sourceIp' | 'userAgent' | 'requestTime'
>;

/**
 * The caller a credential resolves to, with its policies: the admin user for an admin key or a
 * user session, else the role session with the role's current policies (none when the role was
 * deleted). Shared by `authenticate` (after SigV4 verification) and the console's sign-in
 * (`console/principal.ts`, after its secret comparison), so both resolve a key the same way.
 */
export async function callerOf(
  credential: Credential,
  accessKeyId: string,
  options: AuthenticatorOptions,
  base: RequestFacts,
): Promise<AuthenticatedCaller> {
  const { claims, adminUser } = credential;

  if (adminUser !== undefined || claims?.sessionType === 'user') {
    // An IAM user: its long-term key, or a session of it (`GetSessionToken`). Its policies are
    // its own and its groups' (`AuthorizationView.user`). A user deleted since (or deleted and
    // recreated under the same name, with a new unique id) authenticates no more.
    const accountId = adminUser?.accountId ?? claims!.accountId;
    const userName = adminUser?.userName ?? claims!.roleName;
    const found = await options.snapshot.user(accountId, userName, { refreshed: true });
    if (found === undefined || (claims !== undefined && found.user.userId !== claims.roleId)) {
      throw new InvalidClientTokenIdError();
    }
    const { user } = found;
    if (adminUser !== undefined) {
      options.keyUse?.note(accessKeyId, base.service, base.region, new Date((options.now ?? Date.now)()));
    }
    return {
      ...base,
      caller: {
        kind: 'User',
        accountId,
        arn: user.arn,
        userId: user.userId,
        principalArn: user.arn,
        accessKeyId,
        userName: user.userName,
        ...(claims === undefined ? {} : { session: claims }),
      },
      principal: {
        type: 'User',
        arn: user.arn,
        account: accountId,
        userId: user.userId,
        userName: user.userName,
      },
      policies: {
        identity: found.identity,
        ...(found.boundary === undefined ? {} : { boundary: found.boundary }),
      },
    };
  }

  // A role session. The role may have been deleted (or deleted and recreated under the same
  // name, with a new unique id) since the session began: then no policy of it applies.
  const session = claims!;
  const found = await options.snapshot.role(session.accountId, session.roleName, { refreshed: true });
  const role = found !== undefined && found.role.roleId === session.roleId ? found : undefined;
  const sessionPolicies = await compileSessionPolicies(session, options);
  const arn = `arn:${options.partition}:sts::${session.accountId}:assumed-role/${session.roleName}/${session.roleSessionName}`;
  const userId = `${session.roleId}:${session.roleSessionName}`;
  const policies: PolicySet = {
    identity: role?.identity ?? [],
    ...(role?.boundary === undefined ? {} : { boundary: role.boundary }),
    ...(sessionPolicies === undefined ? {} : { session: sessionPolicies }),
  };
  return {
    ...base,
    caller: {
      kind: 'AssumedRole',
      accountId: session.accountId,
      arn,
      userId,
      principalArn: session.roleArn,
      accessKeyId,
      session,
    },
    principal: {
      type: 'AssumedRole',
      arn,
      account: session.accountId,
      roleArn: session.roleArn,
      roleId: session.roleId,
      userId,
    },
    policies,
    ...(role === undefined ? {} : { role }),
  };
}

/*
 * One frozen `Credential` per source object, handed back on every lookup while that object lives.
 *
 * Why: `SigningKeyCache` recognises a credential object it has seen by identity (a `WeakMap`) and
 * then needs neither a salted SHA-256 of the secret nor a derivation; a fresh object per request
 * (as before) cost that hash on every request. The source objects are already stable: an opened
 * session token is remembered by `openSessionTokenCached` (same object per token, access key id
 * and key ring), and an admin key record by the `AuthorizationView` until its next reload. Keying by
 * object identity rather than by access key id means a rotated secret (a new record, or a new
 * opening under a new ring) always gets a new credential object and so its own signing key; and
 * the secret itself is also compared, for records changed in place. When an entry is gone (a
 * reload, an evicted token), the next lookup makes a new object and pays one hash, as before.
 * The `WeakMap`s hold nothing the source object does not already hold, for no longer than it.
 */
const sessionCredentials = new WeakMap<OpenedSession, Credential>();
const adminCredentials = new WeakMap<AdminKey, Credential>();

/**
 * The credential an access key id (and session token) names, with its secret: an opened session
 * token, or an active admin key; `InvalidClientTokenId` otherwise.
 */
export function lookupCredential(
  options: AuthenticatorOptions,
  accessKeyId: string,
  sessionToken: string | undefined,
  nowMs: number,
): Credential {
  if (accessKeyId.startsWith('ASIA')) {
    if (sessionToken === undefined) throw new InvalidClientTokenIdError();
    const opened = openSessionTokenCached(sessionToken, accessKeyId, options.keyRing(), nowMs);
    let credential = sessionCredentials.get(opened);
    if (credential === undefined) {
      credential = Object.freeze({ secretAccessKey: opened.secretAccessKey, claims: opened.claims });
      sessionCredentials.set(opened, credential);
    }
    return credential;
  }
  // A long-term key signs alone: a session token beside it is refused, not ignored, as STS and
  // IAM refuse it (whatever the token, so that nothing about it can be probed).
  if (sessionToken !== undefined) throw new InvalidClientTokenIdError();
  const admin = options.snapshot.adminKey(accessKeyId);
  if (admin === undefined || !admin.active) throw new InvalidClientTokenIdError();
  let credential = adminCredentials.get(admin);
  if (
    credential === undefined ||
    credential.secretAccessKey !== admin.secretAccessKey ||
    credential.adminUser?.accountId !== admin.accountId ||
    credential.adminUser.userName !== admin.userName
  ) {
    credential = Object.freeze({
      secretAccessKey: admin.secretAccessKey,
      adminUser: Object.freeze({ accountId: admin.accountId, userName: admin.userName }),
    });
    adminCredentials.set(admin, credential);
  }
  return credential;
}

/**
 * The session policies of a session: `undefined` when it was created without any (no limit), else
 * the inline `Policy` and each `PolicyArns` entry. A policy ARN that no longer exists is kept as
 * an empty policy, so the session loses what it granted instead of gaining everything.
 */
async function compileSessionPolicies(
  claims: SessionClaims,
  options: AuthenticatorOptions,
): Promise<CompiledPolicy[] | undefined> {
  if (claims.sessionPolicy === undefined && (claims.policyArns?.length ?? 0) === 0) return undefined;
  const out: CompiledPolicy[] = [];
  if (claims.sessionPolicy !== undefined) {
    out.push(
      options.policies.compile(claims.sessionPolicy, {
        id: 'session-policy',
        name: 'session policy',
        kind: 'session',
      }),
    );
  }
  for (const arn of claims.policyArns ?? []) {
    const compiled = await options.snapshot.managedPolicy(arn, 'session', { refreshed: true });
    out.push(
      compiled ??
        options.policies.compile('{"Version":"2012-10-17","Statement":[]}', { id: arn, kind: 'session' }),
    );
  }
  return out;
}

function stripMappedIpv4(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
