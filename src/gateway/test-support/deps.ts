/**
 * Gateway dependencies over an in-process test plane: the plane's authenticator and key ring, and
 * an access log that keeps each record input in `records` (and each event in `events` while
 * `accept()` says yes), so tests can assert what was logged.
 */
import type { AccessRecordInput } from '../../audit/types.js';
import { PolicyCache } from '../../control/policy-cache.js';
import type { TestPlane } from '../../server/test-support/plane.js';
import type { AccessEventInput } from '../../store/store.js';
import type { GatewaySettings } from '../config.js';
import type { GatewayDeps } from '../server.js';

export interface TestLog {
  records: AccessRecordInput[];
  events?: AccessEventInput[];
  /** Whether the log takes the next event (`false` simulates a full queue). */
  accept?: () => boolean;
}

/**
 * @example
 * const gateway = createGateway(testGatewayDeps(plane, settings, mapperForSigningName, { records }));
 */
export function testGatewayDeps(
  plane: TestPlane,
  settings: GatewaySettings,
  mapperFor: GatewayDeps['mapperFor'],
  log: TestLog,
  account: string,
): GatewayDeps {
  return {
    settings,
    mapperFor,
    authenticator: {
      snapshot: plane.snapshot,
      policies: new PolicyCache(),
      keyRing: plane.keyRing,
      partition: 'aws',
      now: () => plane.clock.now,
    },
    keyRing: plane.keyRing,
    partition: 'aws',
    accountId: account,
    record: (input) => {
      log.records.push(input);
      return {
        eventId: input.requestId,
        eventTime: input.eventTime,
        accountId: account,
        channel: input.channel,
        eventSource: input.eventSource,
        eventName: input.eventName,
        decision: input.decision,
        record: {},
      };
    },
    sink: {
      commit: (event) => {
        if (log.accept !== undefined && !log.accept()) return Promise.resolve(false);
        log.events?.push(event);
        return Promise.resolve(true);
      },
    },
  };
}
