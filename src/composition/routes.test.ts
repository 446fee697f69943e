import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { MAPPERS, mapperForSigningName } from '../gateway/mapping/index.js';
import type { ApiRequest, ApiResponse, RequestMeta } from '../http/types.js';
import { createRouter, dispatch, ROUTES, type HandlerName, type RequestHead, type Wired } from './routes.js';

const ALL: Wired = {
  handlers: new Set<HandlerName>(['admin', 'console', 'gateway', 'health', 'oidc-issuer', 'query', 'ready']),
  gatewayServes: (name) => mapperForSigningName(name) !== undefined,
};

function header(service: string, region = 'us-east-1'): string {
  return `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc`;
}

function head(method: string, url: string, authorization?: string): RequestHead {
  return { method, url, authorization };
}

/** The row's index in the table and the signing name dispatch read. */
function routed(request: RequestHead, wired: Wired = ALL): [number, string | undefined] {
  const { route, signingName } = dispatch(request, wired);
  return [ROUTES.indexOf(route), signingName];
}

const row = (handler: HandlerName, nth = 0): number =>
  ROUTES.map((r, i) => [r, i] as const).filter(([r]) => r.handler === handler)[nth]![1];
const ADMIN = row('admin');
const CONSOLE = row('console');
const GATEWAY = row('gateway');
const HEALTH = row('health');
const READY = row('ready');
const OIDC = row('oidc-issuer');
const CERTIFICATE = row('query', 0);
const QUERY_SIGNED = row('query', 1);
const SIGNED_ELSEWHERE = row('query', 2);
const UNSIGNED = row('query', 3);

describe('the route table', () => {
  it('gives requests signed for sts, iam and ec2 to the Query APIs with their service', () => {
    expect(routed(head('POST', '/', header('sts')))).toEqual([QUERY_SIGNED, 'sts']);
    expect(routed(head('POST', '/', header('iam')))).toEqual([QUERY_SIGNED, 'iam']);
    expect(routed(head('POST', '/', header('ec2', 'eu-west-1')))).toEqual([QUERY_SIGNED, 'ec2']);
    expect(
      routed(
        head(
          'GET',
          '/?Action=GetCallerIdentity&X-Amz-Credential=AK%2F20261129%2Fus-east-1%2Fsts%2Faws4_request',
        ),
      ),
    ).toEqual([QUERY_SIGNED, 'sts']);
  });

  it("gives the gateway every request signed for a mapper's service, by header or presigned URL", () => {
    for (const mapper of MAPPERS) {
      expect(routed(head('POST', '/', header(mapper.signingName)))).toEqual([GATEWAY, mapper.signingName]);
    }
    expect(routed(head('GET', '/bucket/key', header('s3')))).toEqual([GATEWAY, 's3']);
    expect(
      routed(
        head(
          'GET',
          '/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20261129%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261129T000000Z&X-Amz-Signature=abc',
        ),
      ),
    ).toEqual([GATEWAY, 's3']);
    // A bucket may be named like one of credplane's own paths: the signature decides first.
    expect(routed(head('GET', '/health', header('s3')))).toEqual([GATEWAY, 's3']);
    expect(routed(head('GET', '/oidc/x', header('s3')))).toEqual([GATEWAY, 's3']);
  });

  it("routes S3's Signature Version 2 forms to the gateway as s3, not other services' Query SigV2", () => {
    expect(routed(head('GET', '/b/k', 'AWS AKIDEXAMPLE:c2ln'))).toEqual([GATEWAY, 's3']);
    expect(routed(head('GET', '/b/k?AWSAccessKeyId=AKID&Signature=c2ln&Expires=1'))).toEqual([GATEWAY, 's3']);
    expect(
      routed(head('GET', '/?Action=ListUsers&AWSAccessKeyId=AKID&SignatureVersion=2&Signature=c2ln')),
    ).toEqual([UNSIGNED, undefined]);
  });

  it('gives every /credplane/ path to the admin API, whatever it is signed for', () => {
    expect(routed(head('POST', '/credplane/ecs/run-task', header('ecs')))).toEqual([ADMIN, 'ecs']);
    // lambda is also a gateway service: the path decides first.
    expect(routed(head('POST', '/credplane/lambda/invoke', header('lambda')))).toEqual([ADMIN, 'lambda']);
    expect(routed(head('POST', '/credplane/nothing-here'))).toEqual([ADMIN, undefined]);
    expect(routed(head('POST', '/credplane/ecs/run-task?x=1', header('s3')))).toEqual([ADMIN, 's3']);
  });

  it('gives every /credplane/console/ path to the console, never to the admin API or the gateway', () => {
    expect(routed(head('GET', '/credplane/console/'))).toEqual([CONSOLE, undefined]);
    expect(routed(head('GET', '/credplane/console/login?token=x'))).toEqual([CONSOLE, undefined]);
    expect(routed(head('POST', '/credplane/console/api/login'))).toEqual([CONSOLE, undefined]);
    // Signed for a gateway service or for the admin API's: still the console's path.
    expect(routed(head('GET', '/credplane/console/api/overview', header('s3')))).toEqual([CONSOLE, 's3']);
    expect(routed(head('POST', '/credplane/console/api/logout', header('ecs')))).toEqual([CONSOLE, 'ecs']);
    expect(ROUTES.indexOf(ROUTES[CONSOLE]!)).toBeLessThan(ADMIN);
    // Not the console: a path that only starts alike.
    expect(routed(head('GET', '/credplane/consoles'))).toEqual([ADMIN, undefined]);
  });

  it('serves health, the OIDC issuers and the identity certificate on their paths', () => {
    expect(routed(head('GET', '/health'))).toEqual([HEALTH, undefined]);
    expect(routed(head('POST', '/health'))).toEqual([UNSIGNED, undefined]);
    expect(routed(head('GET', '/ready'))).toEqual([READY, undefined]);
    expect(routed(head('GET', '/ready?x=1'))).toEqual([READY, undefined]);
    expect(routed(head('POST', '/ready'))).toEqual([UNSIGNED, undefined]);
    expect(routed(head('GET', '/oidc/id/0123456789ABCDEF0123456789ABCDEF/openid/v1/jwks'))).toEqual([
      OIDC,
      undefined,
    ]);
    expect(routed(head('GET', '/ec2/instance-identity/certificate.pem'))).toEqual([CERTIFICATE, undefined]);
  });

  it('leaves a request signed for a service served nowhere, and an unsigned one, to the Query APIs', () => {
    expect(routed(head('POST', '/', header('cloudformation')))).toEqual([SIGNED_ELSEWHERE, 'cloudformation']);
    expect(routed(head('GET', '/'))).toEqual([UNSIGNED, undefined]);
    expect(routed(head('POST', '/', 'Bearer token'))).toEqual([UNSIGNED, undefined]);
    // The header is the signature when there is one: a presigned scope beside it is not read.
    expect(
      routed(head('GET', '/b?X-Amz-Credential=AK/20261129/us-east-1/s3/aws4_request', 'Bearer token')),
    ).toEqual([UNSIGNED, undefined]);
  });

  it('skips rows whose handler is not wired', () => {
    const queryOnly: Wired = {
      handlers: new Set<HandlerName>(['health', 'query']),
      gatewayServes: () => false,
    };
    expect(routed(head('GET', '/b/k', header('s3')), queryOnly)).toEqual([SIGNED_ELSEWHERE, 's3']);
    expect(routed(head('GET', '/b/k', 'AWS AKIDEXAMPLE:c2ln'), queryOnly)).toEqual([UNSIGNED, undefined]);
    expect(routed(head('POST', '/credplane/ecs/run-task', header('ecs')), queryOnly)).toEqual([
      SIGNED_ELSEWHERE,
      'ecs',
    ]);
    expect(routed(head('GET', '/oidc/id/X/openid/v1/jwks'), queryOnly)).toEqual([UNSIGNED, undefined]);
    expect(routed(head('GET', '/ready'), queryOnly)).toEqual([UNSIGNED, undefined]);
  });
});

function request(method: string, url: string, authorization?: string): ApiRequest {
  const headers = authorization === undefined ? {} : { authorization };
  return {
    method,
    url,
    rawHeaders: Object.entries(headers).flat(),
    headers,
    body: Buffer.alloc(0),
    remoteAddress: '127.0.0.1',
    requestId: 'r',
    receivedAt: 0,
  };
}

describe('createRouter', () => {
  const calls: string[] = [];
  const answer = (name: string): ApiResponse => ({ status: 200, body: name });
  const router = createRouter({
    query: (_request, signingName) => {
      calls.push(`query:${signingName ?? '-'}`);
      return Promise.resolve(answer('query'));
    },
    admin: () => answer('admin'),
    oidcIssuer: (r) => (r.url.endsWith('/jwks') ? answer('oidc') : undefined),
    ready: () => Promise.resolve(answer('ready')),
    console: {
      handle: () => Promise.resolve(answer('console')),
      take: (req) => {
        calls.push(`console-take:${req.url}`);
        return req.url === '/credplane/console/api/events/stream';
      },
    },
    gateway: {
      serves: (name) => name === 's3',
      take: (_req, _res, _meta, signingName) => {
        calls.push(`gateway:${signingName}`);
      },
    },
  });
  const incoming = (method: string, url: string, authorization?: string): http.IncomingMessage =>
    ({ method, url, headers: authorization === undefined ? {} : { authorization } }) as http.IncomingMessage;
  const meta: RequestMeta = { requestId: 'r', receivedAt: 0 };

  it('hands the gateway its requests before their body is read, and only those', () => {
    calls.length = 0;
    const res = {} as http.ServerResponse;
    expect(router.intercept(incoming('PUT', '/b/k', header('s3')), res, meta)).toBe(true);
    expect(router.intercept(incoming('POST', '/', header('sts')), res, meta)).toBe(false);
    expect(router.intercept(incoming('POST', '/', header('dynamodb')), res, meta)).toBe(false);
    expect(router.intercept(incoming('POST', '/credplane/ecs/run-task', header('s3')), res, meta)).toBe(
      false,
    );
    expect(calls).toEqual(['gateway:s3']);
  });

  it("offers the console's requests to its stream taker, never to the gateway", () => {
    calls.length = 0;
    const res = {} as http.ServerResponse;
    expect(
      router.intercept(incoming('GET', '/credplane/console/api/events/stream', header('s3')), res, meta),
    ).toBe(true);
    expect(
      router.intercept(incoming('GET', '/credplane/console/api/overview', header('s3')), res, meta),
    ).toBe(false);
    expect(calls).toEqual([
      'console-take:/credplane/console/api/events/stream',
      'console-take:/credplane/console/api/overview',
    ]);
  });

  it('answers the rest with the handler its row names', async () => {
    calls.length = 0;
    const text = async (r: ApiRequest): Promise<string> => String((await router.handler(r)).body);
    expect(await text(request('GET', '/health'))).toBe('{"status":"ok"}');
    expect(await text(request('GET', '/ready'))).toBe('ready');
    expect(await text(request('POST', '/credplane/ecs/list-tasks', header('ecs')))).toBe('admin');
    expect(await text(request('GET', '/credplane/console/api/session', header('s3')))).toBe('console');
    expect(await text(request('GET', '/oidc/id/X/openid/v1/jwks'))).toBe('oidc');
    expect((await router.handler(request('GET', '/oidc/id/X/other'))).status).toBe(404);
    expect(await text(request('POST', '/', header('iam')))).toBe('query');
    expect(await text(request('POST', '/', header('dynamodb')))).toBe('query');
    expect(await text(request('GET', '/'))).toBe('query');
    expect(calls).toEqual(['query:iam', 'query:dynamodb', 'query:-']);
  });
});
