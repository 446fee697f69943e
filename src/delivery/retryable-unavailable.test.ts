/**
 * The credential endpoints with the store away: the ECS container endpoint, the EKS Pod Identity
 * agent and IMDS answer 503 in their own shapes, and the SDKs' real credential providers (JS
 * `fromHttp` and `fromInstanceMetadata`, botocore's `ContainerProvider` and
 * `InstanceMetadataProvider`) retry it and get the credentials the next answer carries. A local
 * server answers exactly what credplane would, once, then the credentials; it counts the attempts.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsError } from '../errors.js';
import type { ApiResponse } from '../http/types.js';
import { mapDatabaseError } from '../store/database-errors.js';
import { errorResponse } from './container/protocol.js';
import { errorPage } from './imds/server.js';
import { podIdentityError } from './pod-identity/agent.js';

const storeUnavailable = (): AwsError =>
  mapDatabaseError(new Error('Connection terminated unexpectedly')) as AwsError;

const EXPIRATION = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const CREDENTIALS = {
  AccessKeyId: 'ASIAEXAMPLEEXAMPLE01',
  SecretAccessKey: 'secretsecretsecretsecretsecretsecretsecr',
  Token: 'token',
  Expiration: EXPIRATION,
};

/** The first answer of each endpoint: what credplane answers with the store away. */
const UNAVAILABLE: Record<string, () => ApiResponse> = {
  container: () => errorResponse(storeUnavailable()),
  pod: () => podIdentityError('req-1', storeUnavailable()),
  imds: () => ({ status: 503, headers: { 'content-type': 'text/html' }, body: errorPage(503) }),
};

let server: http.Server;
let base = '';
const attempts = new Map<string, number>();

function answer(res: http.ServerResponse, response: ApiResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    const url = req.url ?? '/';
    if (req.method === 'PUT' && url === '/latest/api/token') return res.end('imds-token');
    if (url === '/latest/meta-data/iam/security-credentials/') return res.end('web');
    const surface =
      url === '/latest/meta-data/iam/security-credentials/web'
        ? 'imds'
        : url === '/container'
          ? 'container'
          : url === '/pod'
            ? 'pod'
            : undefined;
    if (surface === undefined) return answer(res, { status: 404, headers: {}, body: '' });
    const n = (attempts.get(surface) ?? 0) + 1;
    attempts.set(surface, n);
    if (n === 1) return answer(res, UNAVAILABLE[surface]!());
    const document =
      surface === 'imds'
        ? { Code: 'Success', LastUpdated: new Date().toISOString(), Type: 'AWS-HMAC', ...CREDENTIALS }
        : CREDENTIALS;
    answer(res, {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(document),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => attempts.clear());

it('answers 503 in each endpoint shape', () => {
  expect(UNAVAILABLE.container!()).toMatchObject({ status: 503 });
  expect(JSON.parse(String(UNAVAILABLE.container!().body))).toMatchObject({ Code: 'ServiceUnavailable' });
  expect(UNAVAILABLE.pod!()).toMatchObject({ status: 503 });
  expect(String(UNAVAILABLE.pod!().body)).toMatch(/^\[req-1\]: \(ServiceUnavailable\): .*, fault: server\n$/);
});

/** A child with its own empty AWS config files; `extra` points it at the test server only. */
function run(command: string, args: string[], extra: Record<string, string>): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-retry-'));
  const config = path.join(dir, 'config');
  fs.writeFileSync(config, '');
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: process.cwd(),
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          AWS_CONFIG_FILE: config,
          AWS_SHARED_CREDENTIALS_FILE: config,
          AWS_EC2_METADATA_DISABLED: 'true',
          ...extra,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        fs.rmSync(dir, { recursive: true, force: true });
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout.trim());
      },
    );
  });
}

const JS_HTTP = `
const { fromHttp } = require('@aws-sdk/credential-provider-http');
fromHttp({ maxRetries: 1, timeout: 200 })().then((c) => console.log(c.accessKeyId), (e) => { console.error(e); process.exit(1); });
`;
const JS_IMDS = `
const { fromInstanceMetadata } = require('@smithy/credential-provider-imds');
fromInstanceMetadata({ maxRetries: 1, timeout: 2000 })().then((c) => console.log(c.accessKeyId), (e) => { console.error(e); process.exit(1); });
`;
const BOTO_CONTAINER = `
from botocore.credentials import ContainerProvider
from botocore.utils import ContainerMetadataFetcher
print(ContainerProvider(fetcher=ContainerMetadataFetcher(sleep=lambda s: None)).load().get_frozen_credentials().access_key)
`;
const BOTO_IMDS = `
import sys
from botocore.credentials import InstanceMetadataProvider
from botocore.utils import InstanceMetadataFetcher
fetcher = InstanceMetadataFetcher(timeout=2, num_attempts=2, base_url=sys.argv[1])
print(InstanceMetadataProvider(iam_role_fetcher=fetcher).load().get_frozen_credentials().access_key)
`;

describe('the SDKs retry a credential endpoint that answers 503 with the store away', () => {
  const containerEnv = (surface: 'container' | 'pod'): Record<string, string> => ({
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${base}/${surface}`,
    ...(surface === 'pod' ? { AWS_CONTAINER_AUTHORIZATION_TOKEN: 'pod-token' } : {}),
  });

  for (const surface of ['container', 'pod'] as const) {
    it(`${surface}: JS fromHttp`, async () => {
      expect(await run(process.execPath, ['-e', JS_HTTP], containerEnv(surface))).toBe(
        CREDENTIALS.AccessKeyId,
      );
      expect(attempts.get(surface)).toBe(2);
    });
    it(`${surface}: botocore ContainerProvider`, async () => {
      expect(await run('python3', ['-c', BOTO_CONTAINER], containerEnv(surface))).toBe(
        CREDENTIALS.AccessKeyId,
      );
      expect(attempts.get(surface)).toBe(2);
    });
  }

  it('imds: JS fromInstanceMetadata', async () => {
    const out = await run(process.execPath, ['-e', JS_IMDS], {
      AWS_EC2_METADATA_DISABLED: 'false',
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `${base}/`,
    });
    expect(out).toBe(CREDENTIALS.AccessKeyId);
    expect(attempts.get('imds')).toBe(2);
  });

  it('imds: botocore InstanceMetadataProvider', async () => {
    const env = { AWS_EC2_METADATA_DISABLED: 'false', AWS_EC2_METADATA_SERVICE_ENDPOINT: `${base}/` };
    expect(await run('python3', ['-c', BOTO_IMDS, `${base}/`], env)).toBe(CREDENTIALS.AccessKeyId);
    expect(attempts.get('imds')).toBe(2);
  });
});
