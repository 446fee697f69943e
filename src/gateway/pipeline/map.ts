/**
 * The mapping stage: other names for the resource resolved through the backend
 * (`../resolve/resolver.ts`), then the service's mapper turns the request into its operation and IAM
 * checks. A name the backend does not know is decided as given and never forwarded.
 */
import type http from 'node:http';
import type { AuthenticatedCaller } from '../../control/authenticate.js';
import { isAwsError } from '../../errors.js';
import { unavailableError, type ErrorShape } from '../denial.js';
import { assertResourcesInRegion } from '../region-scope.js';
import { NameNotFoundError } from '../resolve/resolver.js';
import type { GatewayRequest, MappedRequest, ServiceMapper, UnmappedRequest } from '../types.js';
import { decideRequest } from './authorize.js';
import type { Fail, GatewayContext } from './context.js';
import { record, refuse, type RecordBase } from './record.js';

/** The mapped request, or undefined when it was refused (recorded, and answered through `fail`). */
export async function mapRequest(
  ctx: GatewayContext,
  res: http.ServerResponse,
  mapper: ServiceMapper,
  request: GatewayRequest,
  auth: AuthenticatedCaller,
  recordBase: RecordBase,
  fail: Fail,
  shape: ErrorShape,
): Promise<MappedRequest | UnmappedRequest | undefined> {
  let mapped: MappedRequest | UnmappedRequest;
  try {
    // Other names for a resource (aliases, secret names) become the resource the backend acts on.
    mapped = mapper.map(await ctx.resolver.resolve(mapper, request, (done) => res.once('close', done)));
    if (!('unmapped' in mapped)) assertResourcesInRegion(mapped, request.region);
    return mapped;
  } catch (error) {
    if (!isAwsError(error)) throw error;
    if (!(error instanceof NameNotFoundError)) {
      await refuse(ctx, recordBase, undefined, error, fail, shape);
      return undefined;
    }
    // A name the backend does not know is decided as it was given: a caller who may not use it
    // gets AccessDenied and learns nothing of what exists; one who may, the service's not-found.
    let named: MappedRequest | UnmappedRequest;
    try {
      named = mapper.map(request);
    } catch (mapError) {
      if (!isAwsError(mapError)) throw mapError;
      await refuse(ctx, recordBase, undefined, mapError, fail, shape);
      return undefined;
    }
    const outcome = decideRequest(ctx, auth, named, shape);
    if (outcome.error === undefined) {
      outcome.error = error.serviceError;
      outcome.errorMessage = error.message;
    }
    const logged = await record(ctx, recordBase, named, outcome);
    fail(
      logged !== undefined
        ? outcome.error
        : unavailableError(shape, 'Please reduce your request rate.', true),
    );
    return undefined;
  }
}
