/**
 * The access-log stage: a request's decision becomes its CloudTrail-shaped event, committed before
 * the client is answered; a forwarded call's event is completed with the backend's outcome.
 */
import type http from 'node:http';
import type { AccessRecordInput } from '../../audit/types.js';
import type { AuthenticatedCaller } from '../../control/authenticate.js';
import type { AwsError } from '../../errors.js';
import type { RequestMeta } from '../../http/types.js';
import type { JsonValue } from '../../iam/types.js';
import type { AccessEventInput } from '../../store/store.js';
import type { BackendOutcome } from '../backend-outcome.js';
import { unavailableError, type ErrorShape } from '../denial.js';
import type { MappedRequest, ServiceMapper, UnmappedRequest } from '../types.js';
import type { Fail, GatewayContext, Outcome } from './context.js';
import { operationNamed, stripMapped } from './request-parts.js';

/** What every event of a request shares. */
export interface RecordBase {
  mapper: ServiceMapper;
  meta: RequestMeta;
  req: http.IncomingMessage;
  region: string;
  auth?: AuthenticatedCaller;
  suppressedUnauthenticated?: number;
}

/** Commits the request's event; the event, or undefined when the access log did not take it. */
export async function record(
  ctx: GatewayContext,
  base: RecordBase,
  mapped: MappedRequest | UnmappedRequest | undefined,
  outcome: Outcome,
): Promise<AccessEventInput | undefined> {
  const { deps } = ctx;
  const { mapper, auth } = base;
  const ua = base.req.headers['user-agent'];
  // Assigned member by member (not spread): this runs for every request.
  const input: AccessRecordInput = {
    channel: 'gateway',
    eventTime: new Date(ctx.now()),
    eventSource: mapped?.eventSource ?? `${mapper.service}.amazonaws.com`,
    eventName: mapped?.operation ?? operationNamed(base.req) ?? 'Unknown',
    awsRegion: base.region,
    sourceIPAddress: stripMapped(base.req.socket.remoteAddress ?? ''),
    requestId: base.meta.requestId,
    decision: outcome.decision,
    decisions: outcome.decisions,
  };
  if (typeof ua === 'string') input.userAgent = ua;
  if (auth === undefined) input.accountId = deps.accountId;
  else {
    input.caller = auth;
    input.accessKeyId = auth.caller.accessKeyId;
  }
  if (mapped !== undefined && !('unmapped' in mapped)) {
    if (mapped.requestParameters !== undefined) input.requestParameters = mapped.requestParameters;
    if (mapped.resources !== undefined) input.resources = mapped.resources;
  }
  if (outcome.error !== undefined) input.errorCode = outcome.error.code;
  if (outcome.errorMessage !== undefined) input.errorMessage = outcome.errorMessage;
  if (base.suppressedUnauthenticated) input.suppressedUnauthenticated = base.suppressedUnauthenticated;
  const event = deps.record(input);
  return (await deps.sink.commit(event)) ? event : undefined;
}

/**
 * A forwarded call's outcome, once the backend answered (or the forward failed): the stored
 * event gets the request id the client received and the error it got. The event itself was
 * committed before the request was forwarded; this completion follows the response, so a crash
 * in between leaves the event with credplane's request id and no outcome.
 */
export async function complete(
  ctx: GatewayContext,
  event: AccessEventInput,
  requestId: string,
  outcome: BackendOutcome,
  options: { lazy?: boolean } = {},
): Promise<void> {
  const { deps } = ctx;
  const record = { ...(event.record as { [key: string]: JsonValue }) };
  if (outcome.requestId !== undefined) record.requestID = outcome.requestId;
  if (outcome.errorCode !== undefined) record.errorCode = outcome.errorCode;
  if (outcome.errorMessage !== undefined) record.errorMessage = outcome.errorMessage;
  const credplane = record.credplane;
  if (typeof credplane === 'object' && credplane !== null && !Array.isArray(credplane)) {
    // credplane's own id for the call, beside the backend's that CloudTrail's `requestID` now holds.
    record.credplane = { ...credplane, requestId };
  }
  const { accesses: _counted, ...rest } = event;
  const completion: AccessEventInput = {
    ...rest,
    record,
    completes: true,
    ...(outcome.errorCode === undefined ? {} : { errorCode: outcome.errorCode }),
  };
  // The backend's answer is already on its way to the client: nothing waits for this write, so
  // it rides with the next batch rather than costing a transaction of its own. A failure the
  // gateway answers itself (below) is committed before it answers.
  const committed =
    options.lazy === true && deps.sink.append !== undefined
      ? deps.sink.append(completion)
      : await deps.sink.commit(completion);
  if (!committed)
    deps.logger?.warn({ requestId }, 'access log: the outcome of a forwarded call was not recorded');
}

/** Records a refusal of an authenticated caller and answers it (503 when the log is full). */
export async function refuse(
  ctx: GatewayContext,
  base: RecordBase,
  mapped: MappedRequest | UnmappedRequest | undefined,
  error: AwsError,
  fail: Fail,
  shape: ErrorShape,
): Promise<void> {
  const logged = await record(ctx, base, mapped, {
    decision: 'deny',
    decisions: [],
    error,
    errorMessage: error.message,
  });
  fail(logged !== undefined ? error : unavailableError(shape, 'Please reduce your request rate.', true));
}
