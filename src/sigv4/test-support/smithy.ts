/** Signs requests with the AWS SDK's own signer (@smithy/signature-v4) and renders them as on the wire. */
import { Sha256 } from '@aws-crypto/sha256-js';
import crypto from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HashConstructor, HttpRequest as SmithyRequest, QueryParameterBag } from '@smithy/types';
import type { SignedRequest } from '../types.js';

export interface SmithySignInput {
  method: string;
  /** The path as a serializer produces it (already percent-encoded once). */
  path: string;
  query?: QueryParameterBag;
  headers?: Record<string, string>;
  body?: string;
  host?: string;
}

export interface SmithySignerConfig {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  service: string;
  /** S3: `uriEscapePath: false`, `applyChecksum: true`. */
  s3?: boolean;
  /** Use node crypto's hash constructor instead of @aws-crypto/sha256-js. */
  nodeCrypto?: boolean;
}

const escape = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The query string the SDK's HTTP handlers put on the wire. */
export function wireQuery(query: QueryParameterBag | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === null || v === undefined) parts.push(escape(k));
    else if (Array.isArray(v)) for (const item of v) parts.push(`${escape(k)}=${escape(item)}`);
    else parts.push(`${escape(k)}=${escape(v as string)}`);
  }
  return parts.join('&');
}

function signer(config: SmithySignerConfig): SignatureV4 {
  return new SignatureV4({
    credentials: {
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
    },
    region: config.region,
    service: config.service,
    sha256: (config.nodeCrypto ? NodeSha256 : Sha256) as unknown as HashConstructor,
    uriEscapePath: !config.s3,
    applyChecksum: config.s3 ?? false,
  });
}

/** A hash constructor backed by node:crypto, the shape SignatureV4 expects (tests and benchmarks). */
export class NodeSha256 {
  #h: crypto.Hash | crypto.Hmac;
  readonly #secret: string | ArrayBuffer | ArrayBufferView | undefined;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret;
    this.#h = NodeSha256.#create(secret);
  }
  static #create(secret?: string | ArrayBuffer | ArrayBufferView): crypto.Hash | crypto.Hmac {
    return secret === undefined ? crypto.createHash('sha256') : crypto.createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#h.digest();
  }
  reset(): void {
    this.#h = NodeSha256.#create(this.#secret);
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function toSmithy(input: SmithySignInput): SmithyRequest {
  const host = input.host ?? 'sts.amazonaws.com';
  return {
    method: input.method,
    protocol: 'https:',
    hostname: host,
    path: input.path,
    query: input.query ?? {},
    headers: { host, ...(input.headers ?? {}) },
    ...(input.body === undefined ? {} : { body: input.body }),
  } as SmithyRequest;
}

function toWire(signed: SmithyRequest, body: string | undefined): SignedRequest {
  const q = wireQuery(signed.query);
  return {
    method: signed.method,
    url: q ? `${signed.path}?${q}` : signed.path,
    headers: Object.entries(signed.headers).map(([n, v]): [string, string] => [n, String(v)]),
    ...(body === undefined ? {} : { body }),
  };
}

export async function smithySign(
  config: SmithySignerConfig,
  input: SmithySignInput,
  at: Date,
): Promise<SignedRequest> {
  const signed = (await signer(config).sign(toSmithy(input), { signingDate: at })) as SmithyRequest;
  return toWire(signed, input.body);
}

export async function smithyPresign(
  config: SmithySignerConfig,
  input: SmithySignInput,
  at: Date,
  expiresIn: number,
): Promise<SignedRequest> {
  if (!config.s3) {
    const signed = (await signer(config).presign(toSmithy(input), {
      signingDate: at,
      expiresIn,
    })) as SmithyRequest;
    return toWire(signed, input.body);
  }
  // As @aws-sdk/s3-request-presigner does: sign UNSIGNED-PAYLOAD via the header, which neither
  // moves into the query nor is signed, and is not sent.
  const request = toSmithy(input);
  request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  const skip = new Set(['x-amz-content-sha256']);
  const signed = (await signer(config).presign(request, {
    signingDate: at,
    expiresIn,
    unsignableHeaders: skip,
    unhoistableHeaders: skip,
  })) as SmithyRequest;
  delete signed.headers['x-amz-content-sha256'];
  return toWire(signed, input.body);
}
