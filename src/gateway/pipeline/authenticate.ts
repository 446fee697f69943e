/**
 * The authentication stage: the signature verified and the caller looked up
 * (`control/authenticate.ts`). A request whose signature does not verify is logged only within the
 * unauthenticated budget (`audit/unauthenticated.ts`) and answered with the service's error.
 */
import type http from 'node:http';
import { authenticate, type AuthenticatedCaller } from '../../control/authenticate.js';
import { isAwsError } from '../../errors.js';
import type { RequestMeta } from '../../http/types.js';
import { claimedScope } from '../../sigv4/claimed-scope.js';
import { unavailableError, type ErrorShape } from '../denial.js';
import type { ServiceMapper } from '../types.js';
import type { Fail, GatewayContext } from './context.js';
import { record } from './record.js';
import { stripMapped } from './request-parts.js';

/** The verified caller, or undefined when the request was refused (and answered through `fail`). */
export async function authenticateCaller(
  ctx: GatewayContext,
  req: http.IncomingMessage,
  meta: RequestMeta,
  mapper: ServiceMapper,
  method: string,
  url: string,
  headers: Record<string, string | undefined>,
  payloadHash: string,
  fail: Fail,
  shape: ErrorShape,
): Promise<AuthenticatedCaller | undefined> {
  try {
    return await authenticate(
      {
        method,
        url,
        rawHeaders: req.rawHeaders,
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress ?? '',
        requestId: meta.requestId,
        receivedAt: meta.receivedAt,
        payloadHash,
      },
      ctx.deps.authenticator,
      [mapper.signingName],
    );
  } catch (error) {
    if (!isAwsError(error)) throw error;
    // Unauthenticated: logged within a budget only (`audit/unauthenticated.ts`), answered either way.
    const admitted = ctx.unauthenticated.admit(stripMapped(req.socket.remoteAddress ?? ''), ctx.now());
    if (admitted === undefined) {
      fail(error);
      return undefined;
    }
    const logged = await record(
      ctx,
      {
        mapper,
        meta,
        req,
        region: claimedScope(headers.authorization, url)?.region ?? '',
        suppressedUnauthenticated: admitted.suppressed,
      },
      undefined,
      {
        decision: 'deny',
        decisions: [],
        error,
        errorMessage: error.message,
      },
    );
    if (logged === undefined) ctx.unauthenticated.restore(admitted.suppressed);
    fail(logged !== undefined ? error : unavailableError(shape, 'Please reduce your request rate.', true));
    return undefined;
  }
}
