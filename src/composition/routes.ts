/**
 * Every endpoint credplane serves on the control plane's port, and who handles it: one table, read
 * top to bottom, the first matching row wins; `dispatch` is the only code that decides.
 *
 * A request is routed on its method, path and the credential scope it claims (the signing service
 * of its SigV4 `Authorization` header or presigned `X-Amz-Credential`, "Signature Version 4 signing
 * process", AWS General Reference), before its body is read: the gateway streams bodies to its
 * backends, everything else gets the body buffered (`http/server.ts`). The scope is only a claim
 * here; each handler verifies the signature for the service it serves.
 *
 * The other ports have one handler each and no routing: the ECS container endpoint
 * (`delivery/container/server.ts`), each EC2 instance's metadata endpoint (`delivery/imds/server.ts`),
 * the EKS Pod Identity agent (`delivery/pod-identity/agent.ts`), the pod-mutating admission webhook
 * (`delivery/kubernetes/webhook/server.ts`) and each Lambda function's runtime API
 * (`delivery/lambda/runtime-api.ts`).
 */
import { ADMIN_PREFIX } from '../admin-api/server.js';
import { CONSOLE_PREFIX } from '../console/contract.js';
import type { ConsoleService } from '../console/server.js';
import { IDENTITY_CERTIFICATE_PATH } from '../ec2-api/dispatch.js';
import type { HttpServerOptions } from '../http/server.js';
import type { Gateway } from '../gateway/server.js';
import type { ApiHandler, ApiRequest, ApiResponse } from '../http/types.js';
import { ISSUER_PATH_PREFIX } from '../oidc/issuer-handler.js';
import type { QueryApiHandler } from '../server/query-api.js';
import { claimedScope } from '../sigv4/claimed-scope.js';

/** Who handles a request. */
export type HandlerName =
  /** credplane's management API (`admin-api/server.ts`). */
  | 'admin'
  /** The web console and its JSON API (`console/server.ts`, docs/console.md). */
  | 'console'
  /** The policy-enforcing gateway in front of AWS-protocol backends (`gateway/server.ts`). */
  | 'gateway'
  /** Liveness: `{"status":"ok"}`. */
  | 'health'
  /** Readiness for load balancers: the store answers and the key ring is loaded (`readiness.ts`). */
  | 'ready'
  /** credplane's own EKS cluster OIDC issuers (`oidc/issuer-handler.ts`). */
  | 'oidc-issuer'
  /** The STS, IAM and EC2 Query APIs: authentication and the access log (`server/query-api.ts`). */
  | 'query';

/** What a row matches on: the request's method, path (without the query) and claimed signing service. */
export type RouteMatch =
  | { readonly pathPrefix: string }
  | { readonly method: string; readonly path: string }
  /** Signed for a service one of the gateway's mappers serves (`gateway/mapping/index.ts`). */
  | { readonly signedFor: 'gateway-service' }
  /** Signed for one of these services. */
  | { readonly signedFor: readonly string[] }
  /** Signed (SigV4) for any service. */
  | { readonly signedFor: 'any' }
  /** No SigV4 credential scope at all. */
  | { readonly unsigned: true };

export interface Route {
  readonly match: RouteMatch;
  readonly handler: HandlerName;
  /** What the row serves, for readers of this table. */
  readonly serves: string;
}

/** Services the control plane answers itself: requests signed for them never reach the gateway. */
export const CONTROL_PLANE_SERVICES: readonly string[] = ['sts', 'iam', 'ec2'];

/** The control plane's port, in the order rows are tried. */
export const ROUTES: readonly Route[] = [
  {
    // Before the admin row, whose prefix `/credplane/` covers it; whatever a request is signed
    // for, the console's paths never reach the admin API or the gateway.
    match: { pathPrefix: CONSOLE_PREFIX },
    handler: 'console',
    serves:
      'the web console (docs/console.md): GET /credplane/console/login?token=…, the JSON API under ' +
      '/credplane/console/api/ (session cookie, CSRF token on changes) and the built front-end',
  },
  {
    match: { pathPrefix: ADMIN_PREFIX },
    handler: 'admin',
    serves:
      'SigV4-signed JSON: POST /credplane/ecs/{run-task,list-tasks,stop-task} (signed for ecs), ' +
      'POST /credplane/lambda/{invoke,function-environment} (signed for lambda); any other path is UnknownOperationException',
  },
  {
    match: { signedFor: 'gateway-service' },
    handler: 'gateway',
    serves:
      'AWS service calls signed for a service a gateway mapper serves (s3, dynamodb, sqs, sns, kms, ' +
      "secretsmanager, ssm, lambda), by header or presigned URL; S3's Signature Version 2 forms, " +
      'which name no service but only S3 uses, are refused there in S3 shape',
  },
  { match: { method: 'GET', path: '/health' }, handler: 'health', serves: 'liveness' },
  {
    match: { method: 'GET', path: '/ready' },
    handler: 'ready',
    serves:
      'readiness: 200 {"status":"ready"} when the store answers within its timeout and the key ring ' +
      'is loaded, else 503 {"status":"unavailable","reason":...}; what a load balancer health-checks',
  },
  {
    match: { pathPrefix: ISSUER_PATH_PREFIX },
    handler: 'oidc-issuer',
    serves:
      'GET /oidc/id/<ID>/.well-known/openid-configuration and /oidc/id/<ID>/openid/v1/jwks of each ' +
      'cluster credplane issues service-account tokens for; 404 for the rest of /oidc/',
  },
  {
    match: { method: 'GET', path: IDENTITY_CERTIFICATE_PATH },
    handler: 'query',
    serves:
      "the public certificate that verifies EC2 instance identity document signatures (the EC2 API's, `ec2-api/dispatch.ts`)",
  },
  {
    match: { signedFor: CONTROL_PLANE_SERVICES },
    handler: 'query',
    serves: 'the STS, IAM and EC2 Query APIs, by the service the request is signed for',
  },
  {
    match: { signedFor: 'any' },
    handler: 'query',
    serves: "signed for a service credplane serves nowhere: InvalidClientTokenId in STS's shape",
  },
  {
    match: { unsigned: true },
    handler: 'query',
    serves:
      'no SigV4 scope: STS AssumeRoleWithWebIdentity (its token authenticates it) and other STS calls, ' +
      'refused; a Query request signed with Signature Version 2 is refused "use SigV4" in the shape ' +
      'of the API its Action names (EC2, IAM, else STS)',
  },
];

/** What routing reads of a request: nothing of its body. */
export interface RequestHead {
  method: string;
  /** Path and query as received. */
  url: string;
  authorization: string | undefined;
}

export interface Dispatch {
  route: Route;
  /**
   * The signing service the request claims, undefined when it claims none; for the gateway, `s3` for
   * S3's Signature Version 2 forms.
   */
  signingName: string | undefined;
}

/** Which rows can be taken: a row whose handler is not wired is skipped (tests wire fewer). */
export interface Wired {
  handlers: ReadonlySet<HandlerName>;
  /** Whether the gateway has a mapper for requests signed for `signingName`. */
  gatewayServes(signingName: string): boolean;
}

/**
 * The row of {@link ROUTES} that takes `head`.
 *
 * @example
 * dispatch({ method: 'POST', url: '/', authorization: 'AWS4-HMAC-SHA256 Credential=AKIA.../20261129/us-east-1/iam/aws4_request, ...' }, wired);
 * // { route: { handler: 'query', ... }, signingName: 'iam' }
 */
export function dispatch(head: RequestHead, wired: Wired): Dispatch {
  const path = head.url.split('?', 1)[0] ?? '';
  const signed = claimedScope(head.authorization, head.url)?.service;
  const gatewayName = signed ?? s3SigV2(head);
  for (const route of ROUTES) {
    if (!wired.handlers.has(route.handler)) continue;
    const match = route.match;
    if ('pathPrefix' in match) {
      if (path.startsWith(match.pathPrefix)) return { route, signingName: signed };
    } else if ('path' in match) {
      if (head.method === match.method && path === match.path) return { route, signingName: signed };
    } else if ('unsigned' in match) {
      if (signed === undefined) return { route, signingName: undefined };
    } else if (match.signedFor === 'gateway-service') {
      if (
        gatewayName !== undefined &&
        !CONTROL_PLANE_SERVICES.includes(gatewayName) &&
        wired.gatewayServes(gatewayName)
      ) {
        return { route, signingName: gatewayName };
      }
    } else if (match.signedFor === 'any') {
      if (signed !== undefined) return { route, signingName: signed };
    } else if (signed !== undefined && match.signedFor.includes(signed)) {
      return { route, signingName: signed };
    }
  }
  // The last row takes every request the others leave; it is always wired.
  throw new Error(`no route for ${head.method} ${path}`);
}

/**
 * S3's Signature Version 2 forms carry no service name, but only S3 uses them: the header
 * `Authorization: AWS AKID:signature` and the presigned `AWSAccessKeyId`/`Signature`/`Expires` query
 * ("Authenticating Requests (AWS Signature Version 2)", Amazon S3 API Reference). Other services'
 * Query SigV2 names `SignatureVersion`.
 */
function s3SigV2(head: RequestHead): 's3' | undefined {
  if (head.authorization !== undefined) return /^AWS [^\s:]+:/.test(head.authorization) ? 's3' : undefined;
  const url = head.url;
  return url.includes('?') &&
    /[?&]AWSAccessKeyId=/.test(url) &&
    /[?&]Signature=/.test(url) &&
    !/[?&]SignatureVersion=/.test(url)
    ? 's3'
    : undefined;
}

/** The handlers the rows name; `query` is always there, the others only when wired. */
export interface RouteHandlers {
  query: QueryApiHandler;
  admin?: ApiHandler;
  gateway?: Pick<Gateway, 'serves' | 'take'>;
  /** Answers `undefined` for a path that is not an issuer's. */
  oidcIssuer?: (request: ApiRequest) => ApiResponse | undefined;
  /** `GET /ready` (`readiness.ts`). */
  ready?: () => Promise<ApiResponse>;
  /** The web console; its event stream is taken before the body is read, as the gateway's requests. */
  console?: Pick<ConsoleService, 'handle' | 'take'>;
}

const HEALTH: ApiResponse = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"status":"ok"}',
};

const NOT_FOUND: ApiResponse = {
  status: 404,
  headers: { 'content-type': 'application/json' },
  body: '{"message":"Not Found"}',
};

/**
 * The control plane's port as `listen` options: `intercept` hands the gateway its requests before
 * their body is read, `handler` the rest.
 *
 * @example
 * const server = await listen({ ...createRouter({ query, admin, gateway, oidcIssuer }), logger }, 7300);
 */
export function createRouter(
  handlers: RouteHandlers,
): Required<Pick<HttpServerOptions, 'handler' | 'intercept'>> {
  const names = new Set<HandlerName>(['health', 'query']);
  if (handlers.admin !== undefined) names.add('admin');
  if (handlers.gateway !== undefined) names.add('gateway');
  if (handlers.oidcIssuer !== undefined) names.add('oidc-issuer');
  if (handlers.ready !== undefined) names.add('ready');
  if (handlers.console !== undefined) names.add('console');
  const gateway = handlers.gateway;
  const wired: Wired = {
    handlers: names,
    gatewayServes: (signingName) => gateway?.serves(signingName) === true,
  };
  const headOf = (
    method: string | undefined,
    url: string | undefined,
    authorization: unknown,
  ): RequestHead => ({
    method: method ?? 'GET',
    url: url ?? '/',
    authorization: typeof authorization === 'string' ? authorization : undefined,
  });
  return {
    intercept(req, res, meta) {
      if (gateway === undefined && handlers.console === undefined) return false;
      const { route, signingName } = dispatch(headOf(req.method, req.url, req.headers.authorization), wired);
      if (route.handler === 'console') return handlers.console!.take(req, res);
      if (gateway === undefined || route.handler !== 'gateway' || signingName === undefined) return false;
      gateway.take(req, res, meta, signingName);
      return true;
    },
    handler(request) {
      const { route, signingName } = dispatch(
        headOf(request.method, request.url, request.headers.authorization),
        wired,
      );
      switch (route.handler) {
        case 'admin':
          return handlers.admin!(request);
        case 'console':
          return handlers.console!.handle(request);
        case 'health':
          return HEALTH;
        case 'ready':
          return handlers.ready!();
        case 'oidc-issuer':
          return handlers.oidcIssuer!(request) ?? NOT_FOUND;
        case 'query':
          return handlers.query(request, signingName);
        case 'gateway':
          // `intercept` takes every gateway request before its body is read.
          throw new Error('a gateway request reached the buffered handler');
      }
    },
  };
}
