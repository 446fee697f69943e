/**
 * The control plane's Query APIs: STS, IAM and EC2 on one port, told apart by the service the client
 * signed for (the credential scope), as `AWS_ENDPOINT_URL` pointing every SDK client at one URL
 * requires. The route table (`composition/routes.ts`) decides which requests come here and passes
 * the signing service it read; this module authenticates, dispatches by service and `Action`, and
 * commits each call's access-log event before answering.
 */
import type { Logger } from 'pino';
import { logQueryApiCall } from '../audit/query-api-record.js';
import { UnauthenticatedBudget } from '../audit/unauthenticated.js';
import type { AccessLogSink } from '../audit/types.js';
import {
  authenticate,
  type AuthenticatedCaller,
  type AuthenticatorOptions,
} from '../control/authenticate.js';
import { authorize } from '../control/authorize.js';
import { requireSessionTokenScope } from '../control/session-token-scope.js';
import type { KeyRingService } from '../control/key-ring-service.js';
import type { AccessKeyUseRecorder } from '../control/access-key-use.js';
import type { AccessKeyServices } from '../control/operation.js';
import type { PolicyCache } from '../control/policy-cache.js';
import type { AuthorizationView } from '../control/authorization-view.js';
import { AwsError, isAwsError } from '../errors.js';
import { EC2_ACTIONS, type Ec2Handler } from '../ec2-api/dispatch.js';
import { ec2Error } from '../ec2-api/xml.js';
import { handleIamAction, IAM_ACTIONS, IAM_NAMESPACE } from '../iam-api/index.js';
import { createHttpJwksResolver } from '../oidc/jwks-resolver.js';
import { storeProviderLookup } from '../oidc/provider-lookup.js';
import { createWebIdentityVerifier, type WebIdentityVerifier } from '../oidc/verify-web-identity-token.js';
import { parseQuery, type QueryParams } from '../protocol/query.js';
import { queryError, type QueryOutcome, type QueryResponse } from '../protocol/xml.js';
import type { Store } from '../store/store.js';
import { verifyMfaCode } from '../control/mfa-code.js';
import { MfaAttempts } from '../control/mfa-attempts.js';
import { SignatureError } from '../sigv4/errors.js';
import { SIGV4_REQUIRED_MESSAGE } from '../sigv4/parse-authorization.js';
import { STS_NAMESPACE } from '../sts/context.js';
import { handleStsAction, handleWebIdentityAction } from '../sts/dispatch.js';
import type { ApiRequest, ApiResponse } from '../http/types.js';

export interface ControlPlaneDeps {
  store: Store;
  snapshot: AuthorizationView;
  policies: PolicyCache;
  keyRing: KeyRingService;
  partition: string;
  /** The account IAM calls act on (the caller's account). */
  logger?: Logger;
  now?: () => number;
  /** Verifies `AssumeRoleWithWebIdentity` tokens; by default against the Store's OIDC providers over HTTP(S). */
  webIdentity?: WebIdentityVerifier;
  /** The EC2 Query API (requests signed for `ec2`) and its public documents. */
  ec2?: Ec2Handler;
  /** Every STS, IAM and EC2 call that names an account goes here; the call is answered only once its event is committed, else refused (503). */
  accessLog?: AccessLogSink;
  /** The region of events with no signature to take it from (`AssumeRoleWithWebIdentity`). */
  region?: string;
  /** How many events unauthenticated calls (unverified web identities) may add to the log. */
  unauthenticatedBudget?: UnauthenticatedBudget;
  /** `AssumeRoleWithWebIdentity` sessions without `DurationSeconds` (IRSA): STS's 3600 s by default. */
  webIdentityDefaultSeconds?: number;
  /** Notes users' key uses for `GetAccessKeyLastUsed`. */
  keyUse?: AccessKeyUseRecorder;
  /** Seals the secrets `CreateAccessKey` issues; without it IAM cannot issue keys. */
  sealAccessKeySecret?: AccessKeyServices['seal'];
  /** Opens what `sealAccessKeySecret` sealed (virtual MFA seeds); without it MFA cannot work. */
  openSealedSecret?: AccessKeyServices['open'];
}

/** STS's MFA check over the store's devices, with the server's clock. */
function mfaChecker(
  store: Store,
  open: NonNullable<AccessKeyServices['open']>,
  now: () => Date,
  attempts: MfaAttempts,
) {
  return (input: { accountId: string; userName: string; serialNumber: string; code: string }) =>
    verifyMfaCode(store, open, { ...input, now: now().getTime() }, attempts);
}

const NAMESPACES: Record<string, string> = { sts: STS_NAMESPACE, iam: IAM_NAMESPACE };

const IAM_ACTION_SET: ReadonlySet<string> = new Set(IAM_ACTIONS);

/**
 * The service of a Query request signed with Signature Version 2 (`SignatureVersion`, `Signature`,
 * `AWSAccessKeyId` in the URL or the form body), which names none: its `Action` tells. Such a
 * request is answered "use SigV4" in that service's shape rather than as an unsigned STS call.
 */
function sigV2Service(request: ApiRequest): string | undefined {
  if (request.headers.authorization !== undefined || /[?&]X-Amz-/i.test(request.url)) return undefined;
  let params: QueryParams;
  try {
    params = readParams(request);
  } catch {
    return undefined;
  }
  if (params.get('Signature') === undefined) return undefined;
  if (params.get('SignatureVersion') === undefined && params.get('AWSAccessKeyId') === undefined) {
    return undefined;
  }
  const action = params.action ?? '';
  return EC2_ACTIONS.has(action) ? 'ec2' : IAM_ACTION_SET.has(action) ? 'iam' : 'sts';
}

function sourceAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** SigV4 in a header or a presigned query. */
function isSigned(request: ApiRequest): boolean {
  return request.headers.authorization !== undefined || /[?&]X-Amz-Signature=/i.test(request.url);
}

function readParams(request: ApiRequest): QueryParams {
  const q = request.url.indexOf('?');
  const query = q === -1 ? '' : request.url.slice(q + 1);
  const type = String(request.headers['content-type'] ?? '');
  if (request.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
    return parseQuery(request.body.toString('utf8'));
  }
  return parseQuery(query);
}

/** The access log could not commit the call's event: the call is refused rather than answered unlogged. */
function serviceUnavailable(requestId: string, namespaceOrEc2: string): QueryResponse {
  const error = new AwsError(
    'ServiceUnavailable',
    'The access log cannot take the event; retry the request.',
    {
      status: 503,
    },
  );
  return namespaceOrEc2 === 'ec2' ? ec2Error(error, requestId) : queryError(error, namespaceOrEc2, requestId);
}

/**
 * The Query APIs' handler, given the signing service the request claims (`undefined`: it claims
 * none; unsigned or Signature Version 2).
 */
export type QueryApiHandler = (
  request: ApiRequest,
  signedService: string | undefined,
) => Promise<ApiResponse>;

/**
 * @example
 * const query = createQueryApiHandler({ store, snapshot, policies, keyRing, partition: 'aws' });
 * const server = await listen(createRouter({ query }), 0); // composition/routes.ts
 */
export function createQueryApiHandler(deps: ControlPlaneDeps): QueryApiHandler {
  const authOptions: AuthenticatorOptions = {
    snapshot: deps.snapshot,
    policies: deps.policies,
    keyRing: deps.keyRing.current,
    partition: deps.partition,
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.keyUse === undefined ? {} : { keyUse: deps.keyUse }),
  };
  const keyUse = deps.keyUse;
  const accessKeys: AccessKeyServices | undefined =
    deps.sealAccessKeySecret === undefined
      ? undefined
      : {
          seal: deps.sealAccessKeySecret,
          ...(deps.openSealedSecret === undefined ? {} : { open: deps.openSealedSecret }),
          ...(keyUse === undefined ? {} : { pendingUse: (id: string) => keyUse.pending(id) }),
        };
  const now = (): Date => new Date((deps.now ?? Date.now)());
  // Wrong MFA codes per device, across GetSessionToken, AssumeRole and ResyncMFADevice
  // (`control/mfa-attempts.ts`).
  const mfaAttempts = new MfaAttempts();
  // Built once: a function per request was one more allocation on every STS call.
  const stsMfa =
    deps.openSealedSecret === undefined
      ? {}
      : { verifyMfaCode: mfaChecker(deps.store, deps.openSealedSecret, now, mfaAttempts) };
  const unauthenticated = deps.unauthenticatedBudget ?? new UnauthenticatedBudget();
  const verifyWebIdentity =
    deps.webIdentity ??
    createWebIdentityVerifier({
      findProvider: storeProviderLookup(deps.store, deps.partition),
      resolveJwks: createHttpJwksResolver(),
      ...(deps.now === undefined ? {} : { now: deps.now }),
    });

  return async (request: ApiRequest, signedService: string | undefined): Promise<ApiResponse> => {
    let authed: AuthenticatedCaller | undefined;
    let webIdentityUser: { identityProvider: string; audience: string; subject: string } | undefined;
    // Every decision `authorize` makes for this request lands on the caller, for the access log.
    const legacyService = signedService === undefined ? sigV2Service(request) : undefined;
    const authenticated = async (services: readonly string[]): Promise<AuthenticatedCaller> => {
      if (legacyService !== undefined)
        throw new SignatureError('IncompleteSignature', SIGV4_REQUIRED_MESSAGE);
      authed = await authenticate(request, authOptions, services);
      if (deps.accessLog !== undefined) authed.decisions = [];
      return authed;
    };
    const logged = async (
      service: string,
      params: QueryParams | undefined,
      response: { status: number; outcome: QueryOutcome },
    ): Promise<boolean> => {
      if (deps.accessLog === undefined) return true;
      // Nobody authenticated (no signature, no verified token): within a budget, or not logged at all.
      let suppressed = 0;
      if (authed === undefined && webIdentityUser === undefined) {
        const admitted = unauthenticated.admit(sourceAddress(request.remoteAddress), now().getTime());
        if (admitted === undefined) return true;
        suppressed = admitted.suppressed;
      }
      const committed = await logQueryApiCall(deps.accessLog, {
        channel: authed === undefined ? 'web-identity' : (service as 'sts' | 'iam' | 'ec2'),
        service,
        action: params?.action ?? '',
        request,
        parameters: params?.pairs ?? [],
        ...(authed === undefined ? {} : { auth: authed }),
        ...(webIdentityUser === undefined ? {} : { webIdentity: webIdentityUser }),
        response,
        region: deps.region ?? 'us-east-1',
        eventTime: new Date(request.receivedAt),
        ...(suppressed === 0 ? {} : { suppressedUnauthenticated: suppressed }),
      });
      if (!committed) unauthenticated.restore(suppressed);
      return committed;
    };
    const ec2Response = deps.ec2?.(request, signedService ?? legacyService, authenticated);
    if (ec2Response !== undefined) {
      if (deps.accessLog === undefined) return ec2Response;
      return ec2Response.then(async (response) => {
        if (authed === undefined || (await logged('ec2', readParams(request), response))) {
          return response;
        }
        return serviceUnavailable(request.requestId, 'ec2');
      });
    }
    const service = signedService ?? legacyService ?? 'sts';
    const namespace = NAMESPACES[service] ?? STS_NAMESPACE;
    let action = '';
    let caller = '';
    let response: QueryResponse;
    let params: QueryParams | undefined;
    try {
      if (!Object.hasOwn(NAMESPACES, service)) {
        throw new AwsError(
          'InvalidClientTokenId',
          `credplane does not serve the '${service}' service on this endpoint.`,
          {
            status: 403,
          },
        );
      }
      params = readParams(request);
      action = params.action ?? '';
      // SDKs send AssumeRoleWithWebIdentity unsigned: the token authenticates it (AWS STS API Reference,
      // AssumeRoleWithWebIdentity: "Calling AssumeRoleWithWebIdentity does not require the use of AWS
      // security credentials").
      const webIdentity = service === 'sts' && action === 'AssumeRoleWithWebIdentity';
      const auth = webIdentity && !isSigned(request) ? undefined : await authenticated([service]);
      caller = auth?.caller.arn ?? '';
      if (auth !== undefined) requireSessionTokenScope(auth, service, action);
      if (webIdentity || auth === undefined) {
        response = await handleWebIdentityAction(
          {
            snapshot: deps.snapshot,
            keyRing: deps.keyRing.current,
            partition: deps.partition,
            requestId: request.requestId,
            now,
            ...(deps.webIdentityDefaultSeconds === undefined
              ? {}
              : { defaultDurationSeconds: deps.webIdentityDefaultSeconds }),
            verifyWebIdentity: async (token, accountId) => {
              const verified = await verifyWebIdentity(token, accountId);
              webIdentityUser = {
                identityProvider: verified.provider.arn,
                audience: verified.audience,
                subject: verified.subject,
              };
              return verified;
            },
          },
          params,
        );
      } else if (service === 'sts') {
        response = await handleStsAction(
          {
            auth,
            snapshot: deps.snapshot,
            policies: deps.policies,
            keyRing: deps.keyRing.current,
            partition: deps.partition,
            requestId: request.requestId,
            now,
            ...stsMfa,
          },
          params,
        );
      } else {
        const ring = deps.keyRing.current();
        response = await handleIamAction(
          {
            accountId: auth.caller.accountId,
            partition: deps.partition,
            region: auth.region,
            requestId: request.requestId,
            caller: auth.caller,
            store: deps.store,
            ...(accessKeys === undefined ? {} : { accessKeys }),
            mfaAttempts,
            now: () => now().getTime(),
            authorize: (iamAction, resource, extra) => {
              authorize(
                auth,
                { action: iamAction, resource, ...(extra === undefined ? {} : { extra }) },
                ring,
              );
            },
          },
          params,
        );
      }
    } catch (error) {
      if (!isAwsError(error)) throw error;
      response = queryError(error, namespace, request.requestId);
    }
    const webIdentityCall = service === 'sts' && action === 'AssumeRoleWithWebIdentity';
    if ((authed !== undefined || webIdentityCall) && !(await logged(service, params, response))) {
      response = serviceUnavailable(request.requestId, namespace);
    }
    // The line's object only when it is written (`credplane up` logs at `warn` unless told otherwise).
    if (deps.logger?.isLevelEnabled('info') === true) {
      deps.logger.info(
        {
          requestId: request.requestId,
          service,
          action,
          caller: caller || undefined,
          status: response.status,
          ms: Date.now() - request.receivedAt,
        },
        'request',
      );
    }
    return response;
  };
}
