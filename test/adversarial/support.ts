/**
 * What the attacker tests share: a test plane with roles made to measure, the enforcing gateway in
 * front of a real moto_server, and raw SigV4-signed requests whose every part the test chooses.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AccessRecordInput } from '../../src/audit/types.js';
import { mapperForSigningName } from '../../src/gateway/mapping/index.js';
import { createGateway, type Gateway } from '../../src/gateway/server.js';
import { testGatewayDeps } from '../../src/gateway/test-support/deps.js';
import { listen, type RunningServer } from '../../src/http/server.js';
import {
  ACCOUNT,
  createTestPlane,
  credentialsOf,
  type Credentials,
  type TestPlane,
} from '../../src/server/test-support/plane.js';
import { signRequest } from '../../src/sigv4/sign.js';
import { startMoto, tempDir, type Moto } from '../e2e/support.js';

/** What moto_server accepts; the gateway re-signs with these. */
export const MOTO_CREDS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface Sent {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface SignedInput {
  method?: string;
  path?: string;
  query?: [string, string][];
  /** Headers the signature covers. */
  signed?: Record<string, string>;
  /** Headers added after signing (non-S3 services do not require every header to be signed). */
  unsigned?: Record<string, string>;
  body?: string;
}

/** Signs `input` for `service` with `credentials` and sends it to `127.0.0.1:port`. */
export async function sendSigned(
  port: number,
  credentials: Credentials,
  service: string,
  input: SignedInput,
): Promise<Sent> {
  const method = input.method ?? 'POST';
  const path = input.path ?? '/';
  const query = input.query ?? [];
  const body = input.body ?? '';
  const headers = signRequest(
    {
      method,
      path,
      query,
      headers: {
        host: `127.0.0.1:${port}`,
        'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
        ...input.signed,
      },
    },
    { credentials, region: 'us-east-1', service, uriEscapePath: service !== 's3' },
  );
  const qs = new URLSearchParams(query).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: qs === '' ? path : `${path}?${qs}`,
        headers: { ...headers, ...input.unsigned, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON-protocol headers of `target` (`secretsmanager.DescribeSecret`). */
export const jsonHeaders = (version: '1.0' | '1.1', target: string): Record<string, string> => ({
  'content-type': `application/x-amz-json-${version}`,
  'x-amz-target': target,
});

/** A test plane, a gateway in front of a fresh moto_server, and an access log kept in `records`. */
export interface GatewayLab {
  moto: Moto;
  plane: TestPlane;
  gateway: Gateway;
  server: RunningServer;
  records: AccessRecordInput[];
  /** A role trusting the account, with `statements` as its inline policy; a session of it. */
  roleSession(name: string, statements: object[]): Promise<Credentials>;
  close(): Promise<void>;
}

export async function startGatewayLab(prefix: string): Promise<GatewayLab> {
  const moto = await startMoto(tempDir(prefix));
  const plane = await createTestPlane();
  const records: AccessRecordInput[] = [];
  const gateway = createGateway(
    testGatewayDeps(
      plane,
      { backends: { '*': { url: moto.url, credentials: MOTO_CREDS } }, modes: {} },
      mapperForSigningName,
      { records },
      ACCOUNT,
    ),
  );
  const server = await listen(plane.withGateway(gateway), 0);
  return {
    moto,
    plane,
    gateway,
    server,
    records,
    async roleSession(name, statements) {
      await plane.store.createRole(ACCOUNT, {
        roleName: name,
        assumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      });
      await plane.store.putRolePolicy(
        ACCOUNT,
        name,
        'inline',
        JSON.stringify({ Version: '2012-10-17', Statement: statements }),
      );
      const res = await plane.call('sts', plane.admin, {
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
        RoleSessionName: 'attacker',
      });
      return credentialsOf(res.text);
    },
    async close() {
      await server.close();
      gateway.close();
      await plane.close();
      await moto.stop();
    },
  };
}
