/**
 * S3's rule that every `x-amz-*` header of a request is covered by its signature. Anyone who holds
 * a signed request or a presigned URL can add headers to it; S3 refuses the request when one of
 * them is an unsigned `x-amz-*` header (`x-amz-copy-source`, `x-amz-acl`, `x-amz-tagging` change
 * what the request does), and so must the gateway before forwarding it re-signed.
 */
import { parseRawQuery, splitTarget } from '../sigv4/canonical.js';
import { parseAuthorizationHeader, parsePresignedQuery } from '../sigv4/parse-authorization.js';
import { collectHeaders, headerValue } from '../sigv4/request-headers.js';

/** Headers the gateway never forwards as sent: it drops them or sets its own value. */
const TOLERATED: ReadonlySet<string> = new Set([
  'x-amz-content-sha256',
  'x-amz-date',
  'x-amz-security-token',
]);

/**
 * The `x-amz-*` headers of a verified request that its `SignedHeaders` does not list.
 *
 * @example
 * unsignedAmzHeaders('/b/k', ['Authorization', 'AWS4-HMAC-SHA256 Credential=AK/20261129/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=...', 'x-amz-acl', 'public-read']); // ['x-amz-acl']
 */
export function unsignedAmzHeaders(url: string, rawHeaders: readonly string[]): string[] {
  let unsigned: string[] | undefined;
  let signed: ReadonlySet<string> | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!name.startsWith('x-amz-') || TOLERATED.has(name)) continue;
    // Parsed only when the request has such a header: the same parsers the verifier used.
    signed ??= new Set(signedHeaderNames(url, rawHeaders));
    if (!signed.has(name) && unsigned?.includes(name) !== true) (unsigned ??= []).push(name);
  }
  return unsigned ?? [];
}

function signedHeaderNames(url: string, rawHeaders: readonly string[]): string[] {
  const authorization = headerValue(collectHeaders(rawHeaders), 'authorization');
  const auth =
    authorization !== undefined
      ? parseAuthorizationHeader(authorization, true)
      : parsePresignedQuery(parseRawQuery(splitTarget(url).query), true);
  return auth.signedHeaderNames;
}
