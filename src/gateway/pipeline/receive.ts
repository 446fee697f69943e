/**
 * The body stage: a request body the gateway must read (JSON and Query requests, S3 bodies a mapper
 * reads) is buffered within the per-request and global budgets; S3 uploads a mapper does not read
 * stream instead, and are not read here.
 */
import type http from 'node:http';
import { AwsError } from '../../errors.js';
import { BodyTooLargeError, readBody } from '../../http/body.js';
import { unavailableError, type ErrorShape } from '../denial.js';
import type { Fail, GatewayContext } from './context.js';

/** S3 payload modes whose chunks carry their own signatures: re-signing them is not supported. */
export const CHUNK_SIGNED = /^STREAMING-AWS4-(HMAC-SHA256|ECDSA-P256-SHA256)-PAYLOAD/;

/** The buffered body, or undefined when the request was refused (and answered through `fail`). */
export async function bufferBody(
  ctx: GatewayContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  headers: Record<string, string | undefined>,
  hasBody: boolean,
  fail: Fail,
  shape: ErrorShape,
): Promise<Buffer | undefined> {
  const { maxBody } = ctx;
  // A body without a length may grow to the per-request limit: reserve that much.
  const length = Number(headers['content-length'] ?? Number.NaN);
  const reserve = hasBody
    ? Number.isFinite(length) && length >= 0
      ? Math.min(length, maxBody)
      : maxBody
    : 0;
  if (reserve > 0 && ctx.buffered + reserve > ctx.maxBuffered) {
    fail(
      unavailableError(shape, 'Too many request bodies are being buffered right now; retry shortly.', true),
    );
    return undefined;
  }
  ctx.buffered += reserve;
  res.once('close', () => (ctx.buffered -= reserve));
  try {
    return await readBody(req, maxBody);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      fail(
        new AwsError(
          'RequestEntityTooLarge',
          `Request bodies larger than ${maxBody} bytes are not accepted.`,
          {
            status: 413,
          },
        ),
      );
      return undefined;
    }
    throw error;
  }
}
