/**
 * Instance profiles and the role each one carries.
 */
import { instanceProfileArn } from '../../iam/arn.js';
import {
  DeleteConflictError,
  EntityAlreadyExistsError,
  LimitExceededError,
  NoSuchEntityError,
} from '../../iam/errors.js';
import { IAM_QUOTAS } from '../../iam/quotas.js';
import type { AccountId, InstanceProfile, Role } from '../../iam/types.js';
import { pageOf } from '../pagination.js';
import { toInstanceProfile, toJson, toRole } from '../rows.js';
import type { CreateInstanceProfileInput, ListOptions, Page, PathListOptions } from '../store.js';
import { SqlContext, msg, isUniqueViolation, pathFilter, type Db } from './context.js';
import { mergeTags } from './tags.js';

export class InstanceProfilesSql extends SqlContext {
  private async profileWithRole(
    db: Db,
    row: Parameters<typeof toInstanceProfile>[0],
  ): Promise<InstanceProfile> {
    let role: Role | undefined;
    if (row.role_id !== null) {
      const r = await db
        .selectFrom('roles')
        .selectAll()
        .where('role_id', '=', row.role_id)
        .executeTakeFirst();
      role = r === undefined ? undefined : toRole(r);
    }
    return toInstanceProfile(row, role);
  }

  private profileRow(db: Db, accountId: AccountId, name: string) {
    return db
      .selectFrom('instance_profiles')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name_key', '=', name.toLowerCase())
      .executeTakeFirst();
  }

  async createInstanceProfile(
    accountId: AccountId,
    input: CreateInstanceProfileInput,
  ): Promise<InstanceProfile> {
    return this.write(async (db, emit) => {
      await this.requireAccount(db, accountId);
      const name = input.instanceProfileName;
      const exists = () => new EntityAlreadyExistsError(`Instance Profile ${name} already exists.`);
      if ((await this.profileRow(db, accountId, name)) !== undefined) throw exists();
      const path = input.path ?? '/';
      const row = {
        instance_profile_id: this.shared.newId('AIPA'),
        account_id: accountId,
        instance_profile_name: name,
        name_key: name.toLowerCase(),
        path,
        arn: instanceProfileArn({ partition: this.partition, accountId, path, instanceProfileName: name }),
        role_id: null,
        tags: toJson(mergeTags([], input.tags ?? [], false)),
        created_at: this.now(),
      };
      try {
        await db.insertInto('instance_profiles').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw exists();
        throw error;
      }
      emit({ entity: 'instance-profile', op: 'create', accountId, key: name });
      return toInstanceProfile(row, undefined);
    });
  }

  async getInstanceProfile(accountId: AccountId, instanceProfileName: string): Promise<InstanceProfile> {
    const row = await this.profileRow(this.db, accountId, instanceProfileName);
    if (row === undefined) throw new NoSuchEntityError(msg.noProfile(instanceProfileName));
    return this.profileWithRole(this.db, row);
  }

  async listInstanceProfiles(
    accountId: AccountId,
    options?: PathListOptions,
  ): Promise<Page<InstanceProfile>> {
    const page = await pageOf(
      options,
      async (after, limit) => {
        const filter = pathFilter(options?.pathPrefix);
        let q = this.db.selectFrom('instance_profiles').selectAll().where('account_id', '=', accountId);
        if (filter !== undefined) q = q.where(filter);
        if (after !== undefined) q = q.where('name_key', '>', after);
        return q.orderBy('name_key').limit(limit).execute();
      },
      (r) => r.name_key,
      (r) => r,
    );
    return { ...page, items: await Promise.all(page.items.map((r) => this.profileWithRole(this.db, r))) };
  }

  async listInstanceProfilesForRole(
    accountId: AccountId,
    roleName: string,
    options?: ListOptions,
  ): Promise<Page<InstanceProfile>> {
    return pageOf(
      options,
      async (after, limit) => {
        const role = await this.roleRow(this.db, accountId, roleName);
        if (role === undefined) throw new NoSuchEntityError(msg.noRole(roleName));
        let q = this.db.selectFrom('instance_profiles').selectAll().where('role_id', '=', role.role_id);
        if (after !== undefined) q = q.where('name_key', '>', after);
        const rows = await q.orderBy('name_key').limit(limit).execute();
        return rows.map((r) => ({ key: r.name_key, profile: toInstanceProfile(r, toRole(role)) }));
      },
      (r) => r.key,
      (r) => r.profile,
    );
  }

  async deleteInstanceProfile(accountId: AccountId, instanceProfileName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.profileRow(db, accountId, instanceProfileName);
      if (row === undefined) throw new NoSuchEntityError(msg.noProfile(instanceProfileName));
      const result = await db
        .deleteFrom('instance_profiles')
        .where('instance_profile_id', '=', row.instance_profile_id)
        .where('role_id', 'is', null)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new DeleteConflictError('Cannot delete entity, must remove roles from instance profile first.');
      }
      emit({ entity: 'instance-profile', op: 'delete', accountId, key: row.instance_profile_name });
    });
  }

  async addRoleToInstanceProfile(
    accountId: AccountId,
    instanceProfileName: string,
    roleName: string,
  ): Promise<void> {
    await this.write(async (db, emit) => {
      const role = await this.lockRole(db, accountId, roleName);
      const profile = await this.profileRow(db, accountId, instanceProfileName);
      if (profile === undefined) throw new NoSuchEntityError(msg.noProfile(instanceProfileName));
      // The `role_id is null` condition makes the one-role quota atomic.
      const result = await db
        .updateTable('instance_profiles')
        .set({ role_id: role.role_id })
        .where('instance_profile_id', '=', profile.instance_profile_id)
        .where('role_id', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        throw new LimitExceededError(
          `Cannot exceed quota for InstanceSessionsPerInstanceProfile: ${IAM_QUOTAS.rolesPerInstanceProfile}`,
        );
      }
      emit({ entity: 'instance-profile', op: 'update', accountId, key: profile.instance_profile_name });
    });
  }

  async removeRoleFromInstanceProfile(
    accountId: AccountId,
    instanceProfileName: string,
    roleName: string,
  ): Promise<void> {
    await this.write(async (db, emit) => {
      const role = await this.lockRole(db, accountId, roleName);
      const profile = await this.profileRow(db, accountId, instanceProfileName);
      if (profile === undefined) throw new NoSuchEntityError(msg.noProfile(instanceProfileName));
      const result = await db
        .updateTable('instance_profiles')
        .set({ role_id: null })
        .where('instance_profile_id', '=', profile.instance_profile_id)
        .where('role_id', '=', role.role_id)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        throw new NoSuchEntityError(
          `Role ${role.role_name} is not in instance profile ${profile.instance_profile_name}.`,
        );
      }
      emit({ entity: 'instance-profile', op: 'update', accountId, key: profile.instance_profile_name });
    });
  }
}
