/**
 * Requests nobody authenticated cannot grow the access log without bound: 10,000 unsigned
 * `AssumeRoleWithWebIdentity` calls with garbage tokens are each answered, but only a bounded
 * number become events, and the next one recorded says how many were left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLogQueue } from '../../src/audit/queue.js';
import { ACCOUNT, createTestPlane, xmlValue, type TestPlane } from '../../src/server/test-support/plane.js';

let plane: TestPlane;
let accessLog: AccessLogQueue;

beforeAll(async () => {
  plane = await createTestPlane({ accessLog: { commit: (e) => accessLog.commit(e) } });
  accessLog = new AccessLogQueue({ store: plane.store });
});
afterAll(async () => {
  await accessLog.close();
  await plane.close();
});

const garbage = (n: number): Record<string, string> => ({
  Action: 'AssumeRoleWithWebIdentity',
  Version: '2011-06-15',
  RoleArn: `arn:aws:iam::${ACCOUNT}:role/anything`,
  RoleSessionName: `s${n}`,
  WebIdentityToken: `not.a.jwt${'x'.repeat(1000)}`,
});

async function unauthenticatedEvents() {
  const events = await plane.store.listAccessEvents({ accountId: ACCOUNT, limit: 100_000 });
  return events.filter((e) => e.eventName === 'AssumeRoleWithWebIdentity');
}

describe('unauthenticated requests and the access log', () => {
  it(
    '10,000 garbage web-identity calls are all answered and grow the store by a bounded amount',
    { timeout: 180_000 },
    async () => {
      // 100 at a time, as many clients would.
      for (let i = 0; i < 10_000; i += 100) {
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, j) => plane.call('sts', undefined, garbage(i + j))),
        );
        for (const res of answers) expect(res.status).toBe(400);
        if (i === 0) expect(xmlValue(answers[0]!.text, 'Code')).toBe('InvalidIdentityToken');
      }
      const events = await unauthenticatedEvents();
      expect(events.length).toBeGreaterThan(0);
      expect(events.length).toBeLessThanOrEqual(100);
      const bytes = events.reduce((sum, e) => sum + JSON.stringify(e.record).length, 0);
      expect(bytes).toBeLessThanOrEqual(100 * 4096);

      // Later, the next one recorded carries the count of those that were not.
      plane.clock.now += 60_000;
      await plane.call('sts', undefined, garbage(10_000));
      const after = await unauthenticatedEvents();
      expect(after).toHaveLength(events.length + 1);
      const last = after.at(-1)!.record as { credplane: { suppressedUnauthenticated?: number } };
      expect(last.credplane.suppressedUnauthenticated).toBe(10_000 - events.length);
    },
  );
});
