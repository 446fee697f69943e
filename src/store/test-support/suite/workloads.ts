/** The store's behavioural suite: workloads. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { expectAwsError, type StoreSuite } from './support.js';

export function describeWorkloads(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount, role } = suite;

  describe('workloads', () => {
    it('refuses settings that do not fit the workload kind, naming the workload, and writes nothing', async () => {
      const acct = await newAccount();
      await role(acct, 'web');
      const error = await expectAwsError(
        store.putWorkload(acct, {
          kind: 'ec2-instance',
          name: 'web-1',
          roleName: 'web',
          // The cast stands for a writer that bypasses the types (older code, a hand-made record).
          settings: { metadataOptions: { httpTokens: 'sometimes' } } as never,
        }),
        'InternalFailure',
        500,
      );
      expect(error.message).toContain('ec2-instance/web-1');
      expect(error.message).toContain('metadataOptions.httpTokens');
      await expectAwsError(store.getWorkload(acct, 'ec2-instance', 'web-1'), 'NoSuchEntity', 404);
      await expectAwsError(
        store.putWorkload(acct, {
          kind: 'lambda-function',
          name: 'f',
          roleName: 'web',
          settings: { environment: { SECRET: 42 } } as never,
        }),
        'InternalFailure',
        500,
      );
      expect(await store.listWorkloads(acct)).toEqual([]);
    });

    it('binds an EC2 instance launched without a profile to no role; other kinds need one', async () => {
      const acct = await newAccount();
      const w = await store.putWorkload(acct, { kind: 'ec2-instance', name: 'bare', roleName: '' });
      expect([w.roleName, w.roleArn]).toEqual(['', undefined]);
      expect(await store.getWorkload(acct, 'ec2-instance', 'bare')).toEqual(w);
      await expectAwsError(
        store.putWorkload(acct, { kind: 'lambda-function', name: 'f', roleName: '' }),
        'NoSuchEntity',
        404,
      );
    });

    it('upserts by (kind, name), links to an existing role and keeps settings JSON', async () => {
      const acct = await newAccount();
      const r = await role(acct, 'fn-role', { path: '/lambda/' });
      await expectAwsError(
        store.putWorkload(acct, { kind: 'lambda-function', name: 'f', roleName: 'missing' }),
        'NoSuchEntity',
        404,
      );
      const w = await store.putWorkload(acct, {
        kind: 'lambda-function',
        name: 'f',
        roleName: 'FN-ROLE',
        // Keys no schema names are kept as written (src/workloads/index.ts).
        settings: { memorySize: 128, memory: 128, env: { A: '1' }, flags: [true, null] } as never,
      });
      expect(w).toMatchObject({ kind: 'lambda-function', name: 'f', roleName: 'fn-role', roleArn: r.arn });
      expect(w.settings).toEqual({ memorySize: 128, memory: 128, env: { A: '1' }, flags: [true, null] });
      expect(await store.getWorkload(acct, 'lambda-function', 'f')).toEqual(w);
      await role(acct, 'ec2-role');
      const w2 = await store.putWorkload(acct, {
        kind: 'lambda-function',
        name: 'f',
        roleName: 'ec2-role',
      });
      expect(w2.createDate).toEqual(w.createDate);
      expect(w2.settings).toEqual({});
      await store.putWorkload(acct, {
        kind: 'ec2-instance',
        name: 'f',
        roleName: 'ec2-role',
        settings: { metadataOptions: { httpTokens: 'required' } },
      });
      expect((await store.listWorkloads(acct)).map((x) => `${x.kind}/${x.name}`)).toEqual([
        'ec2-instance/f',
        'lambda-function/f',
      ]);
      expect(await store.listWorkloads(acct, { kind: 'ec2-instance' })).toHaveLength(1);
      expect(await store.listWorkloads(acct, { roleName: 'EC2-ROLE' })).toHaveLength(2);
      expect(await store.listWorkloads(acct, { roleName: 'fn-role' })).toHaveLength(0);
      // As on AWS, deleting the role leaves the workload pointing at a name that no longer resolves.
      await store.deleteWorkload(acct, 'ec2-instance', 'f');
      await store.deleteRole(acct, 'ec2-role');
      const orphan = await store.getWorkload(acct, 'lambda-function', 'f');
      expect(orphan.roleArn).toBeUndefined();
      await expectAwsError(store.deleteWorkload(acct, 'ec2-instance', 'f'), 'NoSuchEntity', 404);
      await expectAwsError(store.getWorkload(acct, 'ec2-instance', 'f'), 'NoSuchEntity', 404);
    });
  });
}
