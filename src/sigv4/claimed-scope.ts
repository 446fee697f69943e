/**
 * The credential scope a request claims, read before its signature is verified: which service and
 * region the client signed for. Routing needs it first (the signing service decides who handles a
 * request: "Credential scope", Signature Version 4 signing process, AWS General Reference); it
 * proves nothing until `verifyRequest` checks the signature against that same scope.
 *
 * The one reader of the scope for routing, the gateway's event region and the control plane's
 * dispatch; `parse-authorization.ts` is the strict parser verification uses.
 */

/** What a request's credential scope names (the access key and date are verification's business). */
export interface ClaimedScope {
  region: string;
  /** The signing name, e.g. `sts`, `s3`, `dynamodb`. */
  service: string;
}

/** `Credential=AKID/YYYYMMDD/region/service/aws4_request` in an `Authorization` header. */
const HEADER_SCOPE = /Credential=[^/\s,&]+\/\d{8}\/([^/\s,&]+)\/([A-Za-z0-9-]+)\/aws4_request/;
/** `X-Amz-Credential=` in a presigned URL, its slashes sent raw or as `%2F`. */
const QUERY_SCOPE =
  /[?&]X-Amz-Credential=[^&/]+(?:%2F|\/)\d{8}(?:%2F|\/)([^&/%]+)(?:%2F|\/)([A-Za-z0-9-]+)(?:%2F|\/)aws4_request/i;

/**
 * The scope of a SigV4 `Authorization` header, or, when there is no header, of a presigned URL's
 * `X-Amz-Credential`; `undefined` when the request carries no SigV4 scope.
 *
 * @example
 * claimedScope('AWS4-HMAC-SHA256 Credential=AKIA.../20261129/us-east-1/s3/aws4_request, ...', '/b/k');
 * // { region: 'us-east-1', service: 's3' }
 */
export function claimedScope(authorization: string | undefined, url: string): ClaimedScope | undefined {
  const match =
    authorization !== undefined
      ? HEADER_SCOPE.exec(authorization)
      : url.includes('?')
        ? QUERY_SCOPE.exec(url)
        : null;
  return match === null ? undefined : { region: match[1]!, service: match[2]! };
}
