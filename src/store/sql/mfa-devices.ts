/**
 * Virtual MFA devices: created unassigned, enabled for one user (at most eight per user), and
 * the compare-and-set of the last TOTP step accepted that makes a code usable once.
 */
import type { Selectable } from 'kysely';
import {
  DeleteConflictError,
  EntityAlreadyExistsError,
  LimitExceededError,
  NoSuchEntityError,
} from '../../iam/errors.js';
import { IAM_QUOTAS } from '../../iam/quotas.js';
import type { AccountId, VirtualMfaDevice } from '../../iam/types.js';
import { bytesFrom, bytesToText, tagsFrom, toJson } from '../rows.js';
import type { MfaDevicesTable } from '../schema.js';
import type { CreateVirtualMfaDeviceInput } from '../store.js';
import type { Db } from './context.js';
import { mergeTags } from './tags.js';
import { UsersSql } from './users.js';

type DeviceRow = Selectable<MfaDevicesTable> & { user_name: string | null };

function toDevice(row: DeviceRow): VirtualMfaDevice {
  const device: VirtualMfaDevice = {
    accountId: row.account_id,
    serialNumber: row.serial_number,
    deviceName: row.device_name,
    path: row.path,
    sealedSeed: bytesFrom(row.sealed_seed),
    driftSteps: Number(row.drift_steps),
    tags: tagsFrom(row.tags),
    createDate: new Date(row.created_at),
  };
  if (row.user_name !== null) device.userName = row.user_name;
  if (row.enabled_at !== null) device.enableDate = new Date(row.enabled_at);
  if (row.last_used_step !== null) device.lastUsedStep = Number(row.last_used_step);
  return device;
}

function noDevice(serialNumber: string): NoSuchEntityError {
  return new NoSuchEntityError(`VirtualMFADevice with serial number ${serialNumber} doesn't exist.`);
}

export class MfaDevicesSql extends UsersSql {
  private devices(db: Db) {
    return db
      .selectFrom('mfa_devices')
      .leftJoin('users', 'users.user_id', 'mfa_devices.user_id')
      .selectAll('mfa_devices')
      .select('users.user_name');
  }

  async createVirtualMfaDevice(
    accountId: AccountId,
    input: CreateVirtualMfaDeviceInput,
  ): Promise<VirtualMfaDevice> {
    return this.write(async (db, emit) => {
      await this.requireAccount(db, accountId);
      const path = input.path ?? '/';
      const serialNumber = `arn:${this.partition}:iam::${accountId}:mfa${path}${input.deviceName}`;
      const row = {
        serial_number: serialNumber,
        account_id: accountId,
        device_name: input.deviceName,
        name_key: serialNumber.toLowerCase(),
        path,
        sealed_seed: bytesToText(input.sealedSeed),
        user_id: null,
        enabled_at: null,
        last_used_step: null,
        drift_steps: 0,
        tags: toJson(mergeTags([], input.tags ?? [], true)),
        created_at: this.now(),
      };
      const taken = await db
        .selectFrom('mfa_devices')
        .select('serial_number')
        .where('account_id', '=', accountId)
        .where('name_key', '=', row.name_key)
        .executeTakeFirst();
      if (taken !== undefined) {
        throw new EntityAlreadyExistsError('MFADevice entity at the same path and name already exists.');
      }
      await db.insertInto('mfa_devices').values(row).execute();
      emit({ entity: 'mfa-device', op: 'create', accountId, key: serialNumber });
      return toDevice({ ...row, user_name: null });
    });
  }

  async findMfaDevice(serialNumber: string): Promise<VirtualMfaDevice | undefined> {
    const row = await this.devices(this.db)
      .where('mfa_devices.serial_number', '=', serialNumber)
      .executeTakeFirst();
    return row === undefined ? undefined : toDevice(row);
  }

  async listVirtualMfaDevices(accountId: AccountId, userName?: string): Promise<VirtualMfaDevice[]> {
    let q = this.devices(this.db).where('mfa_devices.account_id', '=', accountId);
    if (userName !== undefined) q = q.where('users.name_key', '=', userName.toLowerCase());
    const rows = await q.orderBy('mfa_devices.serial_number').execute();
    return rows.map(toDevice);
  }

  async enableMfaDevice(
    accountId: AccountId,
    serialNumber: string,
    userName: string,
    acceptedStep: number,
    sealedSeed?: Uint8Array,
  ): Promise<void> {
    const seed = sealedSeed === undefined ? undefined : bytesToText(sealedSeed);
    await this.write(async (db, emit) => {
      const user = await this.lockUser(db, accountId, userName);
      const device = await db
        .selectFrom('mfa_devices')
        .select(['serial_number', 'user_id', 'sealed_seed'])
        .where('serial_number', '=', serialNumber)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      // Not the device whose codes were checked: it was deleted and made again since.
      if (device === undefined || (seed !== undefined && device.sealed_seed !== seed)) {
        throw noDevice(serialNumber);
      }
      if (device.user_id !== null) throw new EntityAlreadyExistsError('MFA device is already in use.');
      const held = await db
        .selectFrom('mfa_devices')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', user.user_id)
        .executeTakeFirstOrThrow();
      if (Number(held.n) >= IAM_QUOTAS.mfaDevicesPerUser) {
        throw new LimitExceededError(
          `Cannot exceed quota for MFADevicesPerUser: ${IAM_QUOTAS.mfaDevicesPerUser}`,
        );
      }
      // Only an unassigned device is claimed: two concurrent enables cannot both win. With the
      // checked seed, only that device: not one swapped in under the same serial number.
      let claim = db
        .updateTable('mfa_devices')
        .set({ user_id: user.user_id, enabled_at: this.now(), last_used_step: acceptedStep, drift_steps: 0 })
        .where('serial_number', '=', serialNumber)
        .where('user_id', 'is', null);
      if (seed !== undefined) claim = claim.where('sealed_seed', '=', seed);
      const claimed = await claim.returning('serial_number').executeTakeFirst();
      if (claimed === undefined) throw new EntityAlreadyExistsError('MFA device is already in use.');
      emit({ entity: 'mfa-device', op: 'update', accountId, key: serialNumber });
    });
  }

  async deactivateMfaDevice(accountId: AccountId, serialNumber: string, userName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const user = await this.lockUser(db, accountId, userName);
      const row = await db
        .updateTable('mfa_devices')
        .set({ user_id: null, enabled_at: null, last_used_step: null, drift_steps: 0 })
        .where('serial_number', '=', serialNumber)
        .where('account_id', '=', accountId)
        .where('user_id', '=', user.user_id)
        .returning('serial_number')
        .executeTakeFirst();
      if (row === undefined) {
        throw new NoSuchEntityError(
          `MFA Device with serial number ${serialNumber} does not exist for user ${user.user_name}.`,
        );
      }
      emit({ entity: 'mfa-device', op: 'update', accountId, key: serialNumber });
    });
  }

  async deleteVirtualMfaDevice(accountId: AccountId, serialNumber: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await db
        .selectFrom('mfa_devices')
        .select('user_id')
        .where('serial_number', '=', serialNumber)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (row === undefined) throw noDevice(serialNumber);
      if (row.user_id !== null)
        throw new DeleteConflictError('MFA VirtualDevice in use. Must deactivate first.');
      await db.deleteFrom('mfa_devices').where('serial_number', '=', serialNumber).execute();
      emit({ entity: 'mfa-device', op: 'delete', accountId, key: serialNumber });
    });
  }

  async useMfaStep(serialNumber: string, step: number): Promise<boolean> {
    // No change event: the step changes no decision; it only makes the code single-use.
    const row = await this.db
      .updateTable('mfa_devices')
      .set({ last_used_step: step })
      .where('serial_number', '=', serialNumber)
      .where('user_id', 'is not', null)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .returning('serial_number')
      .executeTakeFirst();
    return row !== undefined;
  }

  async resyncMfaDevice(
    serialNumber: string,
    resync: { step: number; driftSteps: number; sealedSeed: Uint8Array },
  ): Promise<boolean> {
    // No change event, as for useMfaStep: the drift changes which codes are accepted, not any
    // authorization decision. One UPDATE: the step check and the new drift cannot be torn apart.
    const row = await this.db
      .updateTable('mfa_devices')
      .set({ last_used_step: resync.step, drift_steps: resync.driftSteps })
      .where('serial_number', '=', serialNumber)
      .where('sealed_seed', '=', bytesToText(resync.sealedSeed))
      .where('user_id', 'is not', null)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', resync.step)]))
      .returning('serial_number')
      .executeTakeFirst();
    return row !== undefined;
  }
}
