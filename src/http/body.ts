/**
 * Reading a request body with a bound: more than the limit is refused (413) without being buffered.
 */
import type http from 'node:http';

export class BodyTooLargeError extends Error {}

/** Headers of a 413: the unread rest of the body makes the connection unusable for another request. */
export const TOO_LARGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/plain',
  connection: 'close',
};

/**
 * Read a request body, refusing more than `limit` bytes without buffering them. Past the limit the
 * rest is read and dropped rather than the socket destroyed, so the client receives the caller's
 * 413 (sent with {@link TOO_LARGE_HEADERS}, which closes the connection once it is written) instead
 * of a reset.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLargeError());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        reject(new BodyTooLargeError());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
