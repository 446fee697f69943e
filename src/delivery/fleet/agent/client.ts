/**
 * The agent's side of the agent port: JSON over HTTPS, the server verified against the plane CA
 * (pinned by the join token on first contact), the agent authenticated by its node certificate.
 */
import { createHash } from 'node:crypto';
import https from 'node:https';
import { x509 } from '../x509.js';

export interface TlsIdentity {
  ca: string;
  cert?: string;
  key?: string;
}

export class AgentRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AgentRequestError';
  }
}

const TIMEOUT_MS = 10_000;

function request(
  server: string,
  method: 'GET' | 'POST',
  path: string,
  tls: { ca?: string; cert?: string; key?: string; insecure?: boolean },
  body?: unknown,
): Promise<{ status: number; json: unknown; peerCaPem?: string }> {
  const url = new URL(path, server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ...(tls.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }),
        // Only for the first `GET /agent/v1/ca`, whose answer is checked against the token's pin.
        rejectUnauthorized: tls.insecure !== true,
        minVersion: 'TLSv1.3',
        agent: false,
        timeout: TIMEOUT_MS,
        headers: {
          accept: 'application/json',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the server did not answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function ok<T>(r: { status: number; json: unknown }): T {
  if (r.status === 200) return r.json as T;
  const j = (r.json ?? {}) as { code?: string; message?: string };
  throw new AgentRequestError(r.status, j.code ?? 'Unknown', j.message ?? `HTTP ${r.status}`);
}

/**
 * The plane CA, fetched without trusting anything and accepted only if its SHA-256 is `pin`.
 *
 * @example
 * const caPem = await fetchPinnedCa('https://10.0.0.1:7301', token.caPin);
 */
export async function fetchPinnedCa(server: string, pin: string): Promise<string> {
  const { ca } = ok<{ ca: string }>(await request(server, 'GET', '/agent/v1/ca', { insecure: true }));
  const der = new Uint8Array(new x509.X509Certificate(ca).rawData);
  if (createHash('sha256').update(der).digest('base64url') !== pin) {
    throw new AgentRequestError(0, 'CaPinMismatch', "the server's CA does not match the join token");
  }
  return ca;
}

export class AgentClient {
  constructor(
    private readonly server: string,
    private readonly identity: () => TlsIdentity,
  ) {}

  async enroll(token: string, csr: string): Promise<{ node: string; certificate: string }> {
    return ok(
      await request(this.server, 'POST', '/agent/v1/enroll', { ca: this.identity().ca }, { token, csr }),
    );
  }

  async renew(csr: string): Promise<{ certificate: string }> {
    return ok(await request(this.server, 'POST', '/agent/v1/renew', this.identity(), { csr }));
  }

  async get<T>(path: string): Promise<T> {
    return ok(await request(this.server, 'GET', path, this.identity()));
  }

  async post<T>(path: string, body: unknown): Promise<T> {
    return ok(await request(this.server, 'POST', path, this.identity(), body));
  }
}
