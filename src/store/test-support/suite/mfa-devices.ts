/** The store's behavioural suite: virtual MFA devices and their single-use TOTP steps. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../store.js';
import { expectAwsError, type StoreSuite } from './support.js';

export function describeMfaDevices(suite: StoreSuite): void {
  let store: Store;
  beforeAll(() => {
    store = suite.store;
  });
  const { newAccount } = suite;
  const seed = new Uint8Array([1, 2, 3]);

  describe('virtual MFA devices', () => {
    it('creates under a path, refuses the same serial in any case, keeps the sealed seed', async () => {
      const acct = await newAccount();
      const d = await store.createVirtualMfaDevice(acct, {
        deviceName: 'Phone',
        path: '/p/',
        sealedSeed: seed,
      });
      expect(d.serialNumber).toBe(`arn:aws:iam::${acct}:mfa/p/Phone`);
      expect(d.userName).toBeUndefined();
      await expectAwsError(
        store.createVirtualMfaDevice(acct, { deviceName: 'PHONE', path: '/p/', sealedSeed: seed }),
        'EntityAlreadyExists',
        409,
      );
      await store.createVirtualMfaDevice(acct, { deviceName: 'Phone', sealedSeed: seed });
      const found = await store.findMfaDevice(d.serialNumber);
      expect(Buffer.from(found!.sealedSeed)).toEqual(Buffer.from(seed));
      expect((await store.listVirtualMfaDevices(acct)).map((x) => x.serialNumber)).toEqual([
        `arn:aws:iam::${acct}:mfa/Phone`,
        `arn:aws:iam::${acct}:mfa/p/Phone`,
      ]);
    });

    it('enables only the device whose seed was checked, not one made again under its serial', async () => {
      const acct = await newAccount();
      await store.createUser(acct, { userName: 'alice' });
      const d = await store.createVirtualMfaDevice(acct, { deviceName: 'a', sealedSeed: seed });
      await store.deleteVirtualMfaDevice(acct, d.serialNumber);
      await store.createVirtualMfaDevice(acct, { deviceName: 'a', sealedSeed: new Uint8Array([9, 9]) });
      await expectAwsError(
        store.enableMfaDevice(acct, d.serialNumber, 'alice', 5, seed),
        'NoSuchEntity',
        404,
      );
      expect((await store.findMfaDevice(d.serialNumber))?.userName).toBeUndefined();
      await store.enableMfaDevice(acct, d.serialNumber, 'alice', 5, new Uint8Array([9, 9]));
      expect((await store.findMfaDevice(d.serialNumber))?.userName).toBe('alice');
    });

    it('enables for one user, follows a rename, blocks DeleteUser and delete until deactivated', async () => {
      const acct = await newAccount();
      await store.createUser(acct, { userName: 'alice' });
      await store.createUser(acct, { userName: 'bob' });
      const d = await store.createVirtualMfaDevice(acct, { deviceName: 'a', sealedSeed: seed });
      await expectAwsError(store.enableMfaDevice(acct, d.serialNumber, 'nobody', 5), 'NoSuchEntity', 404);
      await store.enableMfaDevice(acct, d.serialNumber, 'ALICE', 5);
      await expectAwsError(store.enableMfaDevice(acct, d.serialNumber, 'bob', 6), 'EntityAlreadyExists', 409);
      await store.updateUser(acct, 'alice', { newUserName: 'alice2' });
      const enabled = await store.findMfaDevice(d.serialNumber);
      expect(enabled).toMatchObject({ userName: 'alice2', lastUsedStep: 5 });
      expect(enabled!.enableDate).toBeInstanceOf(Date);
      expect((await store.listVirtualMfaDevices(acct, 'alice2')).length).toBe(1);
      expect(await store.listVirtualMfaDevices(acct, 'bob')).toEqual([]);
      await expectAwsError(store.deleteUser(acct, 'alice2'), 'DeleteConflict', 409);
      await expectAwsError(store.deleteVirtualMfaDevice(acct, d.serialNumber), 'DeleteConflict', 409);
      await expectAwsError(store.deactivateMfaDevice(acct, d.serialNumber, 'bob'), 'NoSuchEntity', 404);
      await store.deactivateMfaDevice(acct, d.serialNumber, 'alice2');
      expect((await store.findMfaDevice(d.serialNumber))!.userName).toBeUndefined();
      await store.deleteUser(acct, 'alice2');
      await store.deleteVirtualMfaDevice(acct, d.serialNumber);
      expect(await store.findMfaDevice(d.serialNumber)).toBeUndefined();
      await expectAwsError(store.deleteVirtualMfaDevice(acct, d.serialNumber), 'NoSuchEntity', 404);
    });

    it('accepts each step once and never an earlier one; not while unassigned', async () => {
      const acct = await newAccount();
      await store.createUser(acct, { userName: 'u' });
      const d = await store.createVirtualMfaDevice(acct, { deviceName: 'a', sealedSeed: seed });
      expect(await store.useMfaStep(d.serialNumber, 10)).toBe(false);
      await store.enableMfaDevice(acct, d.serialNumber, 'u', 10);
      expect(await store.useMfaStep(d.serialNumber, 10)).toBe(false);
      expect(await store.useMfaStep(d.serialNumber, 9)).toBe(false);
      const twice = await Promise.all([
        store.useMfaStep(d.serialNumber, 11),
        store.useMfaStep(d.serialNumber, 11),
      ]);
      expect(twice.filter(Boolean)).toHaveLength(1);
    });

    it('records a resync’s step and drift at once, only forward, only for the seed checked', async () => {
      const acct = await newAccount();
      await store.createUser(acct, { userName: 'u' });
      const d = await store.createVirtualMfaDevice(acct, { deviceName: 'a', sealedSeed: seed });
      expect((await store.findMfaDevice(d.serialNumber))!.driftSteps).toBe(0);
      // Not while unassigned.
      expect(await store.resyncMfaDevice(d.serialNumber, { step: 20, driftSteps: 3, sealedSeed: seed })).toBe(
        false,
      );
      await store.enableMfaDevice(acct, d.serialNumber, 'u', 10);
      // A step not later than the last one accepted changes nothing, drift included.
      expect(
        await store.resyncMfaDevice(d.serialNumber, { step: 10, driftSteps: -4, sealedSeed: seed }),
      ).toBe(false);
      // Another seed (a device made again under the serial number) changes nothing.
      expect(
        await store.resyncMfaDevice(d.serialNumber, {
          step: 20,
          driftSteps: 3,
          sealedSeed: new Uint8Array([7]),
        }),
      ).toBe(false);
      expect(await store.findMfaDevice(d.serialNumber)).toMatchObject({ lastUsedStep: 10, driftSteps: 0 });
      const both = await Promise.all([
        store.resyncMfaDevice(d.serialNumber, { step: 20, driftSteps: 3, sealedSeed: seed }),
        store.resyncMfaDevice(d.serialNumber, { step: 20, driftSteps: 3, sealedSeed: seed }),
      ]);
      expect(both.filter(Boolean)).toHaveLength(1);
      expect(await store.findMfaDevice(d.serialNumber)).toMatchObject({ lastUsedStep: 20, driftSteps: 3 });
      expect(await store.useMfaStep(d.serialNumber, 20)).toBe(false);
      expect(await store.useMfaStep(d.serialNumber, 21)).toBe(true);
      // The drift stays with the device until it is deactivated; enabling again starts from 0.
      expect((await store.listVirtualMfaDevices(acct, 'u'))[0]!.driftSteps).toBe(3);
      await store.deactivateMfaDevice(acct, d.serialNumber, 'u');
      expect(await store.findMfaDevice(d.serialNumber)).toMatchObject({ driftSteps: 0 });
      await store.enableMfaDevice(acct, d.serialNumber, 'u', 30);
      expect(await store.findMfaDevice(d.serialNumber)).toMatchObject({ lastUsedStep: 30, driftSteps: 0 });
    });

    it('allows at most eight devices per user', async () => {
      const acct = await newAccount();
      await store.createUser(acct, { userName: 'u' });
      for (let i = 0; i < 9; i++) {
        const d = await store.createVirtualMfaDevice(acct, { deviceName: `d${i}`, sealedSeed: seed });
        const enabling = store.enableMfaDevice(acct, d.serialNumber, 'u', 1);
        if (i < 8) await enabling;
        else await expectAwsError(enabling, 'LimitExceeded', 409);
      }
    });
  });
}
