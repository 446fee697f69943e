/**
 * Who the console acts as, resolved on every request the way the Query APIs resolve a signed
 * request's key (`control/authenticate.ts`: the same credential lookup and the same caller with
 * its policies), so a deactivated key, an expired role session, a revoked or changed role takes
 * effect on the console's next request.
 */
import { AwsError } from '../errors.js';
import {
  callerOf,
  lookupCredential,
  type AuthenticatedCaller,
  type AuthenticatorOptions,
  type Credential,
  type RequestFacts,
} from '../control/authenticate.js';
import type { ApiRequest } from '../http/types.js';
import type { ConsolePrincipal } from './contract.js';
import { ConsoleApiError } from './respond.js';
import { sameSecret, type SessionCredential } from './session.js';

export interface PrincipalOptions extends AuthenticatorOptions {
  region: string;
}

function factsOf(request: ApiRequest, options: PrincipalOptions): RequestFacts {
  const ua = request.headers['user-agent'];
  const ip = request.remoteAddress.startsWith('::ffff:')
    ? request.remoteAddress.slice(7)
    : request.remoteAddress;
  return {
    region: options.region,
    service: 'iam',
    sourceIp: ip,
    requestTime: new Date((options.now ?? Date.now)()),
    ...(typeof ua === 'string' ? { userAgent: ua } : {}),
  };
}

const sessionEnded = (): ConsoleApiError =>
  new ConsoleApiError('NotAuthenticated', 'The session’s credentials are no longer valid.', { status: 401 });

/** Compared against for an unknown key: as long as a real secret (40 characters). */
const UNKNOWN_KEY_SECRET = 'x'.repeat(40);

const signInFailed = (): ConsoleApiError =>
  // One answer for an unknown key and a wrong secret, so neither can be probed.
  new ConsoleApiError('NotAuthenticated', 'The access key or secret is not valid.', { status: 401 });

/**
 * Checks an access key (and session token) and its secret as a sign-in, constant-time; the
 * credential to keep in the session.
 */
export async function signIn(
  input: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  options: PrincipalOptions,
): Promise<SessionCredential> {
  await options.snapshot.refresh();
  let credential: Credential;
  try {
    credential = lookupCredential(
      options,
      input.accessKeyId,
      input.sessionToken,
      (options.now ?? Date.now)(),
    );
  } catch (error) {
    if (error instanceof AwsError) {
      // The same secret comparison as for a known key, so the time taken does not say which it was.
      sameSecret(input.secretAccessKey, UNKNOWN_KEY_SECRET);
      throw signInFailed();
    }
    throw error;
  }
  if (!sameSecret(input.secretAccessKey, credential.secretAccessKey)) throw signInFailed();
  return {
    kind: 'access-key',
    accessKeyId: input.accessKeyId,
    ...(input.sessionToken === undefined ? {} : { sessionToken: input.sessionToken }),
  };
}

/** The caller the session acts as for this request; `NotAuthenticated` when its key no longer resolves. */
export async function resolveCaller(
  credential: SessionCredential,
  request: ApiRequest,
  options: PrincipalOptions,
): Promise<AuthenticatedCaller> {
  await options.snapshot.refresh();
  const facts = factsOf(request, options);
  if (credential.kind === 'admin-user') {
    let caller: AuthenticatedCaller;
    try {
      caller = await callerOf(
        {
          secretAccessKey: '',
          adminUser: { accountId: credential.accountId, userName: credential.userName },
        },
        'console',
        // The login token's session signs with no key: no key's last use to note.
        { ...options, keyUse: undefined },
        facts,
      );
    } catch (error) {
      if (error instanceof AwsError) throw sessionEnded();
      throw error;
    }
    // The user the name resolves to now must be the one the login token signed in: a user deleted
    // and recreated under the name has another unique id (IAM User Guide, "Unique identifiers").
    if (caller.caller.kind !== 'User' || caller.caller.userId !== credential.userId) {
      throw sessionEnded();
    }
    return caller;
  }
  let found: Credential;
  try {
    found = lookupCredential(
      options,
      credential.accessKeyId,
      credential.sessionToken,
      (options.now ?? Date.now)(),
    );
  } catch (error) {
    if (error instanceof AwsError) throw sessionEnded();
    throw error;
  }
  return callerOf(found, credential.accessKeyId, options, facts);
}

/** The contract's view of a caller. */
export function consolePrincipal(auth: AuthenticatedCaller): ConsolePrincipal {
  const caller = auth.caller;
  if (caller.kind === 'User') {
    return {
      arn: caller.arn,
      accountId: caller.accountId,
      type: 'user',
      name: caller.userName ?? caller.arn,
    };
  }
  return {
    arn: caller.arn,
    accountId: caller.accountId,
    type: 'role',
    name: caller.session?.roleName ?? caller.principalArn,
  };
}
