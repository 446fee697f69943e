/**
 * S3 requests exactly as the JS SDK v3 sends them (path style against an IP endpoint, virtual
 * hosted against a host name), and presigned URLs as `getSignedUrl` builds them (the SDK's own
 * signer, `x-amz-*` headers hoisted into the query, `UNSIGNED-PAYLOAD`). No network.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { GatewayRequest } from '../../types.js';
import { capture, offlineClientConfig } from './capture.js';

export interface S3ClientOptions {
  /** Default `http://127.0.0.1:4566` (path style). */
  endpoint?: string;
  forcePathStyle?: boolean;
}

export function s3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    ...offlineClientConfig,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? false,
  });
}

/**
 * The request the SDK sends for `command`.
 *
 * @example
 * const request = await captureS3(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
 */
export function captureS3(command: unknown, options: S3ClientOptions = {}): Promise<GatewayRequest> {
  return capture(s3Client(options), command);
}

/** Headers only the SDK's transport adds; a presigned URL carries none of them. */
const TRANSPORT_HEADERS =
  /^(?:authorization|x-amz-date|x-amz-content-sha256|x-amz-user-agent|user-agent|amz-sdk-.*)$/;

/**
 * The presigned URL `getSignedUrl(client, command)` would produce, as a request: the command's
 * method, path and query, plus the SigV4 query parameters.
 */
export async function presignS3(
  command: unknown,
  signingDate: Date,
  options: S3ClientOptions & { expiresIn?: number } = {},
): Promise<GatewayRequest> {
  const sent = await captureS3(command, options);
  const headers: Record<string, string> = { host: sent.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  for (const [name, value] of Object.entries(sent.headers)) {
    if (value !== undefined && !TRANSPORT_HEADERS.test(name)) headers[name] = value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of sent.query) query[name] = value;
  const signer = new SignatureV4({
    credentials: offlineClientConfig.credentials,
    region: 'us-east-1',
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const [hostname = '', port] = sent.host.split(':');
  const presigned = await signer.presign(
    {
      method: sent.method,
      protocol: 'http:',
      hostname,
      ...(port === undefined ? {} : { port: Number(port) }),
      path: sent.path,
      query,
      headers,
    },
    { expiresIn: options.expiresIn ?? 900, signingDate },
  );
  const presignedQuery: [string, string][] = [];
  for (const [name, value] of Object.entries(presigned.query ?? {})) {
    presignedQuery.push([name, Array.isArray(value) ? String(value[0]) : String(value ?? '')]);
  }
  const presignedHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(presigned.headers)) presignedHeaders[name.toLowerCase()] = value;
  return { ...sent, query: presignedQuery, headers: presignedHeaders, body: undefined };
}
