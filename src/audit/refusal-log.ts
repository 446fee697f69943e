/**
 * Writes the refusals an endpoint of `credplane up` answers (`refusal-record.ts`) into the access
 * log under the unauthenticated budget (`unauthenticated.ts`), without holding up the answer: the
 * same path for the metadata endpoints (`delivery/imds/service.ts`), the container credentials
 * endpoint and the Pod Identity agent.
 */
import { randomUUID } from 'node:crypto';
import { refusalEvent, type Refusal } from './refusal-record.js';
import type { AccessLogSink } from './types.js';
import { UnauthenticatedBudget } from './unauthenticated.js';

export interface RefusalLogOptions {
  accessLog: AccessLogSink;
  /** One per endpoint by default. */
  budget?: UnauthenticatedBudget;
  /** The account and region of a refusal nothing more specific names. */
  accountId: string;
  region: string;
  partition: string;
  now?: () => number;
  onError?: (error: unknown) => void;
}

/** A refusal as an endpoint reports it; the rest is filled in here. */
export type RefusalReport = Pick<Refusal, 'channel' | 'reason' | 'status' | 'sourceIp'> &
  Partial<Pick<Refusal, 'accountId' | 'region' | 'resource' | 'ids' | 'instanceId'>>;

/**
 * @example
 * const refused = createRefusalLog({ accessLog, accountId, region, partition: 'aws' });
 * refused({ channel: 'container', reason: 'container-unknown-id', status: 400, sourceIp: request.remoteAddress });
 */
export function createRefusalLog(options: RefusalLogOptions): (r: RefusalReport) => void {
  const budget = options.budget ?? new UnauthenticatedBudget();
  const now = options.now ?? Date.now;
  return (r) => {
    const admitted = budget.admit(r.sourceIp, now());
    if (admitted === undefined) return;
    const event = refusalEvent({
      accountId: options.accountId,
      region: options.region,
      ...r,
      partition: options.partition,
      eventTime: new Date(now()),
      requestId: randomUUID(),
      suppressed: admitted.suppressed,
    });
    const log = options.accessLog;
    const taken = log.append?.(event);
    if (taken === false) budget.restore(admitted.suppressed);
    if (taken === undefined)
      log.commit(event).then(
        (ok) => (ok ? undefined : budget.restore(admitted.suppressed)),
        (error: unknown) => {
          budget.restore(admitted.suppressed);
          options.onError?.(error);
        },
      );
  };
}
