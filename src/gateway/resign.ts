/**
 * Re-signing a forwarded request with the backend's own credentials, so that a backend which
 * verifies SigV4 (LocalStack, MinIO) accepts it. The caller's signature, token and date never
 * reach the backend.
 */
import { createHash } from 'node:crypto';
import { signRequest } from '../sigv4/sign.js';
import { SigningKeyCache } from '../sigv4/signing-key.js';
import type { BackendCredentials } from './config.js';

export interface ResignInput {
  method: string;
  hostname: string;
  port: number;
  /** The path as sent on the wire (percent-encoded once). */
  path: string;
  /** Decoded query parameters (the presigning ones already removed). */
  query: [string, string][];
  /** Lower-cased headers to forward, `host` included, `x-amz-content-sha256` set. */
  headers: Record<string, string>;
  region: string;
  /** The SigV4 signing name (`s3`, `dynamodb`, ...). */
  signingName: string;
  credentials: BackendCredentials;
}

export interface Resigner {
  /** The headers to send: `headers` plus `authorization`, `x-amz-date` (and the backend's token). */
  sign(input: ResignInput): Record<string, string>;
}

/**
 * Re-signs with credplane's own signer (`sigv4/sign.ts`), which produces what
 * `@smithy/signature-v4` produces (its tests compare the two) without its per-request costs
 * (`npm run bench -- sigv4` measures both).
 *
 * @example
 * const resigner = createResigner();
 * const headers = resigner.sign({ method: 'GET', hostname: '127.0.0.1', port: 5000, path: '/b/k', query: [], headers: { host: '127.0.0.1:5000', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, region: 'us-east-1', signingName: 's3', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
 */
export function createResigner(options: { now?: () => number } = {}): Resigner {
  // Signing keys per (credentials object, day, region, service): four HMACs once a day each.
  const signingKeys = new SigningKeyCache(256);
  const now = options.now ?? Date.now;
  return {
    sign(input) {
      return signRequest(
        { method: input.method, path: input.path, query: input.query, headers: input.headers },
        {
          credentials: input.credentials,
          region: input.region,
          service: input.signingName,
          // S3 signs the path as sent; every other service encodes it once more.
          uriEscapePath: input.signingName !== 's3',
          now: now(),
          signingKeyCache: signingKeys,
        },
      );
    },
  };
}

/** RFC 3986 encoding, as SigV4 canonicalizes query strings (so backend and signer agree). */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The query string the backend receives: `name=value` pairs encoded the way the signer saw them. */
export function formatQuery(query: readonly [string, string][]): string {
  return query.map(([name, value]) => `${encodeRfc3986(name)}=${encodeRfc3986(value)}`).join('&');
}

/** SHA-256 of no bytes: the payload hash of every request without a body. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Lower-case hex SHA-256 of a buffered body. */
export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}
