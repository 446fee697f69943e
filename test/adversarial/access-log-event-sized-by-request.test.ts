/**
 * Property: an access-log event is no larger than the request it records, whoever sends it. A
 * Query list index is the client's to choose: `PolicyArns.member.10000000.arn` — 40 bytes, on an
 * unsigned AssumeRoleWithWebIdentity — used to become an array of ten million slots in the
 * event's `requestParameters`, which the journal encoded on the event loop (50 MB of `null,`,
 * seconds of a stalled server per request; at index 4294967295, minutes), and then refused as too
 * large for the journal, with every request that shared its write.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalKey } from '../../src/audit/journal-format.js';
import { JournaledAccessLog } from '../../src/audit/journaled-log.js';
import { openStore } from '../../src/store/open.js';
import { ACCOUNT, createTestPlane, type TestPlane } from '../../src/server/test-support/plane.js';

let plane: TestPlane;
let log: JournaledAccessLog;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-sized-'));

beforeAll(async () => {
  const store = await openStore(':memory:');
  log = new JournaledAccessLog({ dir, key: journalKey(Buffer.alloc(32, 7)), store, drainDelayMs: 5 });
  plane = await createTestPlane({ store, accessLog: log });
});

afterAll(async () => {
  await log.close(1_000);
  await plane.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('an access-log event sized by its request', () => {
  it('records an unsigned call with a huge list index as sent, small, and answers it', async () => {
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/irsa`;
    const started = Date.now();
    const [hostile, signed] = await Promise.all([
      plane.call('sts', undefined, {
        Action: 'AssumeRoleWithWebIdentity',
        Version: '2011-06-15',
        RoleArn: roleArn,
        RoleSessionName: 'probe',
        WebIdentityToken: 'a.b.c',
        'PolicyArns.member.10000000.arn': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      }),
      // Shares the hostile call's journal write: answered all the same.
      plane.call('sts', plane.admin, { Action: 'GetCallerIdentity', Version: '2011-06-15' }),
    ]);
    const elapsed = Date.now() - started;
    // Refused for its token (400), not for the log (503).
    expect(hostile.status).toBe(400);
    expect(signed.status).toBe(200);
    await log.flush();
    const events = await plane.store.listAccessEvents({ accountId: ACCOUNT, limit: 100 });
    const event = events.find((e) => e.eventName === 'AssumeRoleWithWebIdentity');
    expect(event).toBeDefined();
    expect(JSON.stringify(event!.record).length).toBeLessThan(16_384);
    const parameters = (event!.record as { requestParameters: Record<string, unknown> }).requestParameters;
    expect(parameters['PolicyArns.member.10000000.arn']).toBe('arn:aws:iam::aws:policy/ReadOnlyAccess');
    // Generous for a loaded machine: the stall it replaces was seconds.
    expect(elapsed).toBeLessThan(5_000);
  });
});
