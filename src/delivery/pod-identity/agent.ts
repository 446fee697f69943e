/**
 * The EKS Pod Identity agent (Amazon EKS User Guide, Learn how EKS Pod Identity grants pods access to
 * AWS services; aws/eks-pod-identity-agent) on 127.0.0.1: `GET /v1/credentials`
 * with the pod's projected service-account token (audience `pods.eks.amazonaws.com`) as the raw
 * `Authorization` value answers the container-credentials document for the role associated with
 * the pod's service account. The session carries the session tags EKS sets, so ABAC policies on
 * `aws:PrincipalTag/kubernetes-namespace` and friends work.
 *
 * Where the real agent only checks `exp`/`nbf`/`iat` and leaves the signature to EKS Auth, this one
 * plays both parts and verifies everything itself: the token must be signed by the key of one of
 * credplane's cluster issuers, for this audience, consistent in its subject, and its service
 * account must have an association whose role trusts `pods.eks.amazonaws.com` for
 * `sts:AssumeRole` and `sts:TagSession`. Identity is never derived from the caller's address.
 * Status codes and text bodies follow the agent; EKS Auth failures use its
 * `[<request-id>]: (<Code>): <message>, fault: client` form. Each refusal of a token (missing,
 * unparsable, expired, not signed by a cluster issuer, for a service account without an
 * association) is reported to `onRefused` (the access log's refusal events, docs/access-log.md).
 */
import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { RefusalReason } from '../../audit/refusal-record.js';
import { AwsError } from '../../errors.js';
import type { Cluster, ClusterRegistry } from '../../oidc/cluster-registry.js';
import { serviceAccountSubject, type KubernetesClaim } from '../../oidc/service-account-token.js';
import type { Store } from '../../store/store.js';
import { listen, type RunningServer } from '../../http/server.js';
import type { ApiHandler, ApiRequest, ApiResponse } from '../../http/types.js';
import { credentialsResponse } from '../container/protocol.js';
import { RefreshingSource, type CredentialLifetime } from '../refreshing-source.js';
import type { WorkloadCredentials, WorkloadIssuer } from '../workload-issuer.js';

export const POD_IDENTITY_AUDIENCE = 'pods.eks.amazonaws.com';
export const POD_IDENTITY_PATH = '/v1/credentials';
/** Session lifetime EKS Auth hands out: commonly reported as 6 h (not documented by AWS;
 * unverified against a live cluster). */
export const POD_IDENTITY_SESSION_SECONDS = 6 * 3600;
const CACHE_SIZE = 2000;

/** An EKS Auth error as the agent relays it. */
export class EksAuthError extends AwsError {}

export interface PodIdentityAgentOptions {
  registry: ClusterRegistry;
  store: Store;
  issuer: WorkloadIssuer;
  partition?: string;
  now?: () => number;
  /** Session lifetime and refresh point ({@link POD_IDENTITY_SESSION_SECONDS} and 30 min by default). */
  lifetime?: CredentialLifetime;
  /** Each refused token, after its answer is decided (the answer is unchanged). */
  onRefused?: (refusal: PodRefusal) => void;
}

/**
 * A token refused: the pod only when the token was verified (a cluster issuer signed it), so
 * nothing a caller made up is reported; never the token.
 */
export interface PodRefusal {
  reason: Extract<RefusalReason, `pod-${string}`>;
  status: number;
  sourceIp: string;
  pod?: PodIdentity;
}

function text(status: number, body: string): ApiResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${body}\n` };
}

/**
 * An `AwsError` as the EKS Pod Identity agent answers it: a line of text naming the code and the
 * fault (a store or access log away: `(ServiceUnavailable) ... fault: server`, 503, which the
 * SDKs' container credential providers retry like any non-200).
 */
export function podIdentityError(requestId: string, error: AwsError): ApiResponse {
  // A trust policy that refuses the service is EKS Auth's AccessDeniedException (400).
  const code = error.code === 'AccessDenied' ? 'AccessDeniedException' : error.code;
  const status = error.code === 'AccessDenied' ? 400 : error.status;
  const fault = status >= 500 ? 'server' : 'client';
  return text(status, `[${requestId}]: (${code}): ${error.message}, fault: ${fault}`);
}

export interface PodIdentity {
  cluster: Cluster;
  namespace: string;
  serviceAccount: string;
  podName: string;
  podUid: string;
  /** The node the pod runs on (the `kubernetes.io.node` claim of a node-bound token), if any. */
  nodeName?: string;
}

/**
 * The checks the EKS Pod Identity agent makes itself before asking EKS Auth: a JWT, not expired,
 * not from the future. Plain-text 400s in the agent's words.
 */
export function checkPodTokenClaims(token: string, nowMs: number): JWTPayload {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    throw new AgentResponse(text(400, 'Service account token cannot be parsed: not a JWT'));
  }
  const now = Math.floor(nowMs / 1000);
  const bad = (why: string) =>
    new AgentResponse(text(400, `Service account token failed basic claim validations: ${why}`));
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw bad('token is expired');
  if (typeof claims.nbf === 'number' && claims.nbf > now + 60) throw bad('token is not valid yet');
  if (typeof claims.iat === 'number' && claims.iat > now + 60) throw bad('token used before issued');
  return claims;
}

/** The verified pod behind a token (EKS Auth's part), or an error response. */
export async function verifyPodToken(
  token: string,
  registry: ClusterRegistry,
  nowMs: number,
): Promise<PodIdentity> {
  const claims = checkPodTokenClaims(token, nowMs);
  const cluster = typeof claims.iss === 'string' ? registry.findByIssuer(claims.iss) : undefined;
  if (cluster === undefined)
    throw new EksAuthError('InvalidTokenException', 'The token was not issued by a credplane cluster', {
      status: 400,
    });
  try {
    await jwtVerify(token, createLocalJWKSet(registry.jwks(cluster.name) as JSONWebKeySet), {
      issuer: cluster.issuer,
      audience: POD_IDENTITY_AUDIENCE,
      algorithms: ['RS256'],
      currentDate: new Date(nowMs),
      clockTolerance: 60,
    });
  } catch (error) {
    const why =
      error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud'
        ? `the token audience is not ${POD_IDENTITY_AUDIENCE}`
        : 'the token signature could not be verified with the cluster issuer keys';
    throw new EksAuthError('InvalidTokenException', why, { status: 400 });
  }
  const k8s = claims['kubernetes.io'] as Partial<KubernetesClaim> | undefined;
  const namespace = k8s?.namespace;
  const serviceAccount = k8s?.serviceaccount?.name;
  const pod = k8s?.pod;
  if (
    typeof namespace !== 'string' ||
    typeof serviceAccount !== 'string' ||
    typeof pod?.name !== 'string' ||
    typeof pod.uid !== 'string' ||
    claims.sub !== serviceAccountSubject(namespace, serviceAccount)
  ) {
    throw new EksAuthError('InvalidTokenException', 'The token is not a pod-bound service-account token', {
      status: 400,
    });
  }
  const nodeName = typeof k8s?.node?.name === 'string' ? k8s.node.name : undefined;
  return {
    cluster,
    namespace,
    serviceAccount,
    podName: pod.name,
    podUid: pod.uid,
    ...(nodeName === undefined ? {} : { nodeName }),
  };
}

/** A finished response thrown out of the checks (the agent's own plain-text answers). */
export class AgentResponse extends Error {
  constructor(readonly response: ApiResponse) {
    super('agent response');
  }
}

/** `eks-<cluster>-<pod>` trimmed to the 64 characters a session name may have. */
export function podSessionName(cluster: string, podName: string): string {
  return `eks-${cluster}-${podName}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/**
 * @example
 * const handler = createPodIdentityAgentHandler({ registry, store, issuer });
 * // GET /v1/credentials, Authorization: <pod token with aud pods.eks.amazonaws.com>
 */
export function createPodIdentityAgentHandler(options: PodIdentityAgentOptions): ApiHandler {
  const credentialsFor = podIdentityCredentials(options);
  const onRefused = options.onRefused;
  const handler = (exchange: PodIdentityHandlerOptions['exchange']): ApiHandler =>
    podIdentityHandler({ ...(options.now === undefined ? {} : { now: options.now }), exchange });
  if (onRefused === undefined)
    return handler(async (token, nowMs) =>
      credentialsFor(await verifyPodToken(token, options.registry, nowMs)),
    );
  return async (request) => {
    let relayed = false;
    let refusal: Pick<PodRefusal, 'reason' | 'pod'> | undefined;
    const response = await handler(async (token, nowMs) => {
      relayed = true;
      let pod: PodIdentity;
      try {
        pod = await verifyPodToken(token, options.registry, nowMs);
      } catch (error) {
        if (error instanceof EksAuthError || error instanceof AgentResponse)
          refusal = { reason: 'pod-token-refused' };
        throw error;
      }
      try {
        return await credentialsFor(pod);
      } catch (error) {
        if (error instanceof EksAuthError && error.code === 'ResourceNotFoundException')
          refusal = { reason: 'pod-unknown-service-account', pod };
        throw error;
      }
    })(request);
    // The agent's own checks (an empty, unparsable or expired token) answer 400 before any
    // exchange; 404 and 405 are a wrong path or method, not a token refused.
    if (!relayed && response.status === 400) refusal = { reason: 'pod-token-refused' };
    if (refusal !== undefined)
      onRefused({ ...refusal, status: response.status, sourceIp: request.remoteAddress });
    return response;
  };
}

/**
 * The role credentials for a verified pod: its service account's association, issued as
 * `pods.eks.amazonaws.com` with EKS's session tags, one cached source per pod and role.
 */
export function podIdentityCredentials(
  options: PodIdentityAgentOptions,
): (pod: PodIdentity) => Promise<WorkloadCredentials> {
  const now = options.now ?? Date.now;
  const partition = options.partition ?? 'aws';
  const sources = new Map<string, RefreshingSource<WorkloadCredentials>>();

  async function credentialsFor(pod: PodIdentity): Promise<WorkloadCredentials> {
    const { cluster } = pod;
    const name = `${cluster.name}/${pod.namespace}/${pod.serviceAccount}`;
    const association = await options.store
      .getWorkload(cluster.accountId, 'eks-pod-identity', name)
      .catch(() => undefined);
    if (association === undefined) {
      throw new EksAuthError(
        'ResourceNotFoundException',
        `No Pod Identity association for service account ${pod.namespace}/${pod.serviceAccount} in cluster ${cluster.name}`,
        { status: 404 },
      );
    }
    const key = `${name}\u0000${pod.podUid}\u0000${association.roleName}`;
    let source = sources.get(key);
    if (source === undefined) {
      const clusterArn = `arn:${partition}:eks:${cluster.region}:${cluster.accountId}:cluster/${cluster.name}`;
      const associationArn = association.settings.associationArn;
      source = new RefreshingSource({
        now,
        ...(options.lifetime?.refreshBeforeSeconds === undefined
          ? {}
          : { refreshBeforeSeconds: options.lifetime.refreshBeforeSeconds }),
        issue: () =>
          options.issuer.issue({
            accountId: cluster.accountId,
            roleName: association.roleName,
            servicePrincipal: POD_IDENTITY_AUDIENCE,
            sessionName: podSessionName(cluster.name, pod.podName),
            durationSeconds: options.lifetime?.credentialSeconds ?? POD_IDENTITY_SESSION_SECONDS,
            ...(associationArn === undefined ? {} : { sourceArn: associationArn }),
            tags: [
              { key: 'eks-cluster-arn', value: clusterArn },
              { key: 'eks-cluster-name', value: cluster.name },
              { key: 'kubernetes-namespace', value: pod.namespace },
              { key: 'kubernetes-service-account', value: pod.serviceAccount },
              { key: 'kubernetes-pod-name', value: pod.podName },
              { key: 'kubernetes-pod-uid', value: pod.podUid },
            ],
          }),
      });
      if (sources.size >= CACHE_SIZE) sources.delete(sources.keys().next().value!);
      sources.set(key, source);
    }
    return source.get();
  }
  return credentialsFor;
}

export interface PodIdentityHandlerOptions {
  /** The pod's token for its credentials (EKS Auth's `AssumeRoleForPodIdentity`). */
  exchange: (token: string, nowMs: number) => Promise<WorkloadCredentials>;
  now?: () => number;
}

/**
 * The agent's HTTP side: path, method and the token's basic claims checked here, the rest by
 * `exchange` (in process, or on the server for a node agent), its errors in the agent's forms.
 */
export function podIdentityHandler(options: PodIdentityHandlerOptions): ApiHandler {
  const now = options.now ?? Date.now;
  return async (request: ApiRequest): Promise<ApiResponse> => {
    try {
      const path = request.url.split('?', 1)[0];
      if (path !== POD_IDENTITY_PATH) return text(404, '404 page not found');
      if (request.method !== 'GET') return text(405, 'Method Not Allowed');
      const token = request.headers.authorization;
      if (typeof token !== 'string' || token === '')
        return text(400, 'Service account token cannot be empty');
      const nowMs = now();
      checkPodTokenClaims(token, nowMs);
      return credentialsResponse(await options.exchange(token, nowMs), { includeRoleArn: false });
    } catch (error) {
      if (error instanceof AgentResponse) return error.response;
      if (error instanceof AwsError) return podIdentityError(request.requestId, error);
      return text(500, 'Internal Server Error');
    }
  };
}

/**
 * Serve the agent on 127.0.0.1 (any free port by default).
 *
 * @example
 * const agent = await createPodIdentityAgentServer({ registry, store, issuer });
 * env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${agent.url}/v1/credentials`;
 */
export function createPodIdentityAgentServer(
  options: PodIdentityAgentOptions & { port?: number },
): Promise<RunningServer> {
  return listen(
    { handler: createPodIdentityAgentHandler(options), maxBodyBytes: 16 * 1024 },
    options.port ?? 0,
  );
}
