/**
 * The access-log event of every call in a fixed corpus (`test-support/query-api-corpus.ts`) is
 * byte-identical, after `JSON.stringify`, to what the code before the record's optimisation
 * built (`query-api-record.golden.json`, generated from main at 1dd6fe7): the faster record is the
 * same record. And no secret of the corpus reaches any event.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HIDDEN } from './redact.js';
import { goldenEvents } from './test-support/golden-events.js';

const golden = JSON.parse(
  fs.readFileSync(new URL('./query-api-record.golden.json', import.meta.url), 'utf8'),
) as Record<string, string | null>;

/** Every secret value the corpus sends or answers. */
const SECRETS = [
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1',
  'FwoGZXIvYXdzEXAMPLESESSIONTOKENSECRETSECRETSECRET==',
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOngifQ.c2lnbmF0dXJl',
  'not-a-jwt',
  'bobSECRETbobSECRETbobSECRETbobSECRET0001',
  'old-Secret-1',
  'new-Secret-2',
  'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk',
  'abcdef0123',
  '"123456"',
  '"654321"',
  'secret whole name',
  'fragment',
];

describe('Query API access-log events, golden corpus', () => {
  it('builds every event byte for byte as before', async () => {
    const events = await goldenEvents();
    expect(Object.keys(events)).toEqual(Object.keys(golden));
    for (const [name, text] of Object.entries(events)) expect(text, name).toBe(golden[name]);
  });

  it('keeps every secret of the corpus out of every event', async () => {
    const events = await goldenEvents();
    const all = Object.values(events).join('\n');
    for (const secret of SECRETS) expect(all, secret).not.toContain(secret);
    // The secrets are replaced by CloudTrail's placeholder, not dropped.
    const assumeRole = JSON.parse(events['sts AssumeRole with tags, policy, MFA, source identity']!) as {
      record: { requestParameters: Record<string, unknown>; responseElements: Record<string, unknown> };
    };
    expect(assumeRole.record.requestParameters.tokenCode).toBe(HIDDEN);
    expect(assumeRole.record.responseElements.credentials).toEqual({
      accessKeyId: 'ASIAEXAMPLEISSUED001',
      secretAccessKey: HIDDEN,
      sessionToken: HIDDEN,
      expiration: '2026-11-29T10:16:23Z',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
