/**
 * A gateway request's target: the path and query split the way mappers and the re-signer need them.
 * Which requests are the gateway's is the route table's decision (`composition/routes.ts`).
 */

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
