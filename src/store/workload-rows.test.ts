import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkloadSettingsError } from '../workloads/index.js';
import { openSqliteStore } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'credplane-workload-rows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ACCOUNT = '111122223333';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

describe('workload rows', () => {
  it('a stored row whose settings do not fit its kind reads as a WorkloadSettingsError naming it', async () => {
    const file = join(dir, 'store.db');
    const store = await openSqliteStore({ file });
    await store.createAccount({ accountId: ACCOUNT });
    await store.createRole(ACCOUNT, { roleName: 'web', assumeRolePolicyDocument: TRUST });
    await store.putWorkload(ACCOUNT, {
      kind: 'ec2-instance',
      name: 'web-1',
      roleName: 'web',
      settings: { instanceId: 'i-0123456789abcdef0', metadataOptions: { httpTokens: 'required' } },
    });
    await store.close();

    // Damage the row behind the Store's back, as a hand edit or an older version could.
    const db = new BetterSqlite3(file);
    db.prepare('UPDATE workloads SET settings = ? WHERE name = ?').run(
      JSON.stringify({ instanceId: 7, metadataOptions: { httpPutResponseHopLimit: 'two' } }),
      'web-1',
    );
    db.close();

    const reopened = await openSqliteStore({ file });
    try {
      const read = await reopened.getWorkload(ACCOUNT, 'ec2-instance', 'web-1').catch((e: unknown) => e);
      expect(read).toBeInstanceOf(WorkloadSettingsError);
      const error = read as WorkloadSettingsError;
      expect({ kind: error.kind, name: error.workloadName, account: error.accountId }).toEqual({
        kind: 'ec2-instance',
        name: 'web-1',
        account: ACCOUNT,
      });
      expect(error.problems.map((p) => p.split(':')[0])).toEqual([
        'instanceId',
        'metadataOptions.httpPutResponseHopLimit',
      ]);
      // The message names fields, never the values stored in them.
      expect(error.message).not.toContain('two');
      await expect(reopened.listWorkloads(ACCOUNT)).rejects.toBeInstanceOf(WorkloadSettingsError);
    } finally {
      await reopened.close();
    }
  });
});
