/**
 * Attack: read a user's MFA code out of an error message or the access log. The codes of
 * EnableMFADevice and ResyncMFADevice are redacted from the logged request parameters, but a
 * malformed one was echoed in the `ValidationError` message ("Value '123 456' at
 * 'authenticationCode1' ..."), which is returned and kept in the access log's `errorMessage`. A
 * code pasted as an authenticator shows it (`123 456`), or with a digit too many, holds the
 * device's current code: anyone who may read the log could use it within its window. STS already
 * shows `******` for a malformed `TokenCode`; IAM's codes now do the same.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessEventInput } from '../../src/store/store.js';
import { createTestPlane, type TestPlane } from '../../src/server/test-support/plane.js';

const IAM = { Version: '2010-05-08' };
const SECRET_DIGITS = '482913';

let plane: TestPlane;
let logged: AccessEventInput[];
beforeEach(async () => {
  logged = [];
  plane = await createTestPlane({
    accessLog: {
      commit: (e) => {
        logged.push(e);
        return Promise.resolve(true);
      },
    },
  });
});
afterEach(async () => {
  await plane.close();
});

const iam = (params: Record<string, string>) => plane.call('iam', plane.admin, { ...IAM, ...params });

describe('a malformed MFA code', () => {
  for (const action of ['EnableMFADevice', 'ResyncMFADevice'] as const) {
    for (const sent of [`482 913`, `${SECRET_DIGITS}7`, ` ${SECRET_DIGITS}`]) {
      it(`${action} with ${JSON.stringify(sent)}: refused without the code in the message or the log`, async () => {
        expect((await iam({ Action: 'CreateUser', UserName: 'dev' })).status).toBe(200);
        const res = await iam({
          Action: action,
          UserName: 'dev',
          SerialNumber: 'arn:aws:iam::123456789012:mfa/dev',
          AuthenticationCode1: sent,
          AuthenticationCode2: sent,
        });
        expect(res.status, res.text).toBe(400);
        expect(res.text).toContain('ValidationError');
        expect(res.text).toMatch(/\*{6}(&apos;|')? at (&apos;|')?authenticationCode1/);
        expect(res.text).not.toContain('482');
        const record = JSON.stringify(logged.filter((e) => JSON.stringify(e).includes(action)));
        expect(record).toContain('ValidationError');
        expect(record).not.toContain('482');
      });
    }
  }
});
