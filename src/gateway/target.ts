/**
 * Reading a request's target and scope before its body: which service the client signed for
 * (the gateway takes every signed request that is not for credplane's own STS, IAM and EC2), and
 * the path and query split the way mappers and the re-signer need them.
 */
import { claimedScope } from '../sigv4/claimed-scope.js';

/** Services the control plane answers itself; requests signed for them never reach the gateway. */
export const CONTROL_PLANE_SERVICES: ReadonlySet<string> = new Set(['sts', 'iam', 'ec2']);

/** SigV4 query parameters of a presigned URL: the gateway removes them before forwarding. */
export const PRESIGN_PARAMETERS: ReadonlySet<string> = new Set([
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-amz-signature',
  'x-amz-security-token',
]);

/**
 * The signing name of a SigV4 request's credential scope, from the header or a presigned URL.
 *
 * @example
 * signingNameOf('AWS4-HMAC-SHA256 Credential=AKIA.../20261129/us-east-1/s3/aws4_request, ...', '/b/k'); // 's3'
 */
export function signingNameOf(authorization: string | undefined, url: string): string | undefined {
  const scope = claimedScope(authorization, url);
  if (scope !== undefined) return scope.service;
  if (authorization !== undefined) return S3_SIGV2_HEADER.test(authorization) ? 's3' : undefined;
  return url.includes('?') && isS3SigV2Query(url) ? 's3' : undefined;
}

/**
 * S3's Signature Version 2 forms carry no service name, but only S3 uses them: the header
 * `Authorization: AWS AKID:signature` and the presigned `AWSAccessKeyId`/`Signature`/`Expires` query
 * ("Authenticating Requests (AWS Signature Version 2)", Amazon S3 API Reference). Other services'
 * Query SigV2 names `SignatureVersion`. They go to the S3 gateway, which refuses them in S3's shape.
 */
const S3_SIGV2_HEADER = /^AWS [^\s:]+:/;

function isS3SigV2Query(url: string): boolean {
  return /[?&]AWSAccessKeyId=/.test(url) && /[?&]Signature=/.test(url) && !/[?&]SignatureVersion=/.test(url);
}

export interface RequestTarget {
  /** As received, still percent-encoded. */
  path: string;
  /** Decoded pairs in arrival order, presigning parameters removed. */
  query: [string, string][];
  /** Whether the URL carried presigning parameters. */
  presigned: boolean;
}

/** A percent-encoding the client sent that does not decode. */
export class MalformedTargetError extends Error {}

/**
 * @example
 * parseTarget('/bucket?list-type=2&prefix=a%2Fb'); // { path: '/bucket', query: [['list-type','2'],['prefix','a/b']], presigned: false }
 */
export function parseTarget(url: string): RequestTarget {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query: [string, string][] = [];
  let presigned = false;
  if (q !== -1) {
    for (const part of url.slice(q + 1).split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = decode(eq === -1 ? part : part.slice(0, eq));
      const value = eq === -1 ? '' : decode(part.slice(eq + 1));
      if (PRESIGN_PARAMETERS.has(name.toLowerCase())) {
        presigned = true;
        continue;
      }
      query.push([name, value]);
    }
  }
  return { path, query, presigned };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new MalformedTargetError(`malformed percent-encoding in '${text.slice(0, 64)}'`);
  }
}
