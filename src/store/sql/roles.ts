/**
 * Roles, their inline policies, tags, permissions boundaries and managed-policy attachments.
 */
import { roleArn as formatRoleArn } from '../../iam/arn.js';
import {
  DeleteConflictError,
  EntityAlreadyExistsError,
  LimitExceededError,
  NoSuchEntityError,
} from '../../iam/errors.js';
import { IAM_QUOTAS } from '../../iam/quotas.js';
import type { AccountId, AttachedPolicy, InlinePolicy, Role, Tag } from '../../iam/types.js';
import { pageOf } from '../pagination.js';
import { tagsFrom, toJson, toRole } from '../rows.js';
import type { CreateRoleInput, ListOptions, Page, PathListOptions, UpdateRoleInput } from '../store.js';
import { SqlContext, msg, isUniqueViolation, pathFilter } from './context.js';
import { mergeTags } from './tags.js';
import { unbindTrustPrincipal } from './trust-binding.js';

export class RolesSql extends SqlContext {
  async createRole(accountId: AccountId, input: CreateRoleInput): Promise<Role> {
    return this.write(async (db, emit) => {
      await this.requireAccount(db, accountId);
      await this.lockTrustPrincipals(db, input.trustPrincipals);
      if ((await this.roleRow(db, accountId, input.roleName)) !== undefined) {
        throw new EntityAlreadyExistsError(`Role with name ${input.roleName} already exists.`);
      }
      if (input.permissionsBoundaryArn !== undefined) {
        await this.requirePolicyForRole(db, accountId, input.permissionsBoundaryArn);
      }
      const path = input.path ?? '/';
      const row = {
        role_id: this.shared.newId('AROA'),
        account_id: accountId,
        role_name: input.roleName,
        name_key: input.roleName.toLowerCase(),
        path,
        arn: formatRoleArn({ partition: this.partition, accountId, path, roleName: input.roleName }),
        trust_policy: input.assumeRolePolicyDocument,
        description: input.description ?? null,
        max_session_duration: input.maxSessionDuration ?? 3600,
        permissions_boundary_arn: input.permissionsBoundaryArn ?? null,
        tags: toJson(mergeTags([], input.tags ?? [], true)),
        created_at: this.now(),
      };
      try {
        await db.insertInto('roles').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error))
          throw new EntityAlreadyExistsError(`Role with name ${input.roleName} already exists.`);
        throw error;
      }
      emit({ entity: 'role', op: 'create', accountId, key: input.roleName });
      return toRole(row);
    });
  }

  async getRole(accountId: AccountId, roleName: string): Promise<Role> {
    const role = await this.findRole(accountId, roleName);
    if (role === undefined) throw new NoSuchEntityError(msg.noRole(roleName));
    return role;
  }

  async findRole(accountId: AccountId, roleName: string): Promise<Role | undefined> {
    const row = await this.roleRow(this.db, accountId, roleName);
    return row === undefined ? undefined : toRole(row);
  }

  async getRoleById(roleId: string): Promise<Role> {
    const row = await this.db
      .selectFrom('roles')
      .selectAll()
      .where('role_id', '=', roleId)
      .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(`The role with id ${roleId} cannot be found.`);
    return toRole(row);
  }

  async listRoles(accountId: AccountId, options?: PathListOptions): Promise<Page<Role>> {
    return pageOf(
      options,
      async (after, limit) => {
        const filter = pathFilter(options?.pathPrefix);
        let q = this.db.selectFrom('roles').selectAll().where('account_id', '=', accountId);
        if (filter !== undefined) q = q.where(filter);
        if (after !== undefined) q = q.where('name_key', '>', after);
        return q.orderBy('name_key').limit(limit).execute();
      },
      (r) => r.name_key,
      toRole,
    );
  }

  async updateRole(accountId: AccountId, roleName: string, changes: UpdateRoleInput): Promise<Role> {
    return this.write(async (db, emit) => {
      // The principals before the role's own row: the order DeleteUser/DeleteRole lock them in.
      if (changes.assumeRolePolicyDocument !== undefined) {
        await this.lockTrustPrincipals(db, changes.trustPrincipals);
      }
      const row = await this.lockRole(db, accountId, roleName);
      const next = {
        ...row,
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.maxSessionDuration === undefined
          ? {}
          : { max_session_duration: changes.maxSessionDuration }),
        ...(changes.assumeRolePolicyDocument === undefined
          ? {}
          : { trust_policy: changes.assumeRolePolicyDocument }),
      };
      await db
        .updateTable('roles')
        .set({
          description: next.description,
          max_session_duration: next.max_session_duration,
          trust_policy: next.trust_policy,
        })
        .where('role_id', '=', row.role_id)
        .execute();
      emit({ entity: 'role', op: 'update', accountId, key: row.role_name });
      return toRole(next);
    });
  }

  async deleteRole(accountId: AccountId, roleName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockRole(db, accountId, roleName);
      const count = async (table: 'role_policies' | 'role_attachments' | 'instance_profiles') => {
        const r = await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .where('role_id', '=', row.role_id)
          .executeTakeFirstOrThrow();
        return Number(r.n);
      };
      if ((await count('role_policies')) > 0) {
        throw new DeleteConflictError('Cannot delete entity, must delete policies first.');
      }
      if ((await count('role_attachments')) > 0) {
        throw new DeleteConflictError('Cannot delete entity, must detach all policies first.');
      }
      if ((await count('instance_profiles')) > 0) {
        throw new DeleteConflictError('Cannot delete entity, must remove roles from instance profile first.');
      }
      await db.deleteFrom('role_revocations').where('role_id', '=', row.role_id).execute();
      await db.deleteFrom('roles').where('role_id', '=', row.role_id).execute();
      await unbindTrustPrincipal(db, emit, accountId, row.arn, row.role_id);
      emit({ entity: 'role', op: 'delete', accountId, key: row.role_name });
    });
  }

  async tagRole(accountId: AccountId, roleName: string, tags: Tag[]): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockRole(db, accountId, roleName);
      const merged = mergeTags(tagsFrom(row.tags), tags, true);
      await db
        .updateTable('roles')
        .set({ tags: toJson(merged) })
        .where('role_id', '=', row.role_id)
        .execute();
      emit({ entity: 'role', op: 'update', accountId, key: row.role_name });
    });
  }

  async untagRole(accountId: AccountId, roleName: string, tagKeys: string[]): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockRole(db, accountId, roleName);
      const drop = new Set(tagKeys.map((k) => k.toLowerCase()));
      const kept = tagsFrom(row.tags).filter((t) => !drop.has(t.key.toLowerCase()));
      await db
        .updateTable('roles')
        .set({ tags: toJson(kept) })
        .where('role_id', '=', row.role_id)
        .execute();
      emit({ entity: 'role', op: 'update', accountId, key: row.role_name });
    });
  }

  async listRoleTags(accountId: AccountId, roleName: string, options?: ListOptions): Promise<Page<Tag>> {
    return pageOf(
      options,
      async (after, limit) => {
        const role = await this.getRole(accountId, roleName);
        // Tags keep insertion order, as IAM lists them; the marker is a position in that order.
        const start = after === undefined ? 0 : Number.parseInt(after, 10) || 0;
        return role.tags.slice(start, start + limit).map((tag, i) => ({ tag, pos: start + i + 1 }));
      },
      (r) => String(r.pos),
      (r) => r.tag,
    );
  }

  async putRolePermissionsBoundary(accountId: AccountId, roleName: string, policyArn: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockRole(db, accountId, roleName);
      await this.requirePolicyForRole(db, accountId, policyArn);
      await db
        .updateTable('roles')
        .set({ permissions_boundary_arn: policyArn })
        .where('role_id', '=', row.role_id)
        .execute();
      emit({ entity: 'role-permissions-boundary', op: 'update', accountId, key: row.role_name });
    });
  }

  async deleteRolePermissionsBoundary(accountId: AccountId, roleName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockRole(db, accountId, roleName);
      if (row.permissions_boundary_arn === null) return;
      await db
        .updateTable('roles')
        .set({ permissions_boundary_arn: null })
        .where('role_id', '=', row.role_id)
        .execute();
      emit({ entity: 'role-permissions-boundary', op: 'delete', accountId, key: row.role_name });
    });
  }

  // ---------------------------------------------------------------- inline policies

  async putRolePolicy(
    accountId: AccountId,
    roleName: string,
    policyName: string,
    document: string,
  ): Promise<void> {
    await this.write(async (db, emit) => {
      const role = await this.lockRole(db, accountId, roleName);
      const key = policyName.toLowerCase();
      const existing = await db
        .selectFrom('role_policies')
        .select('name_key')
        .where('role_id', '=', role.role_id)
        .where('name_key', '=', key)
        .executeTakeFirst();
      if (existing === undefined) {
        await db
          .insertInto('role_policies')
          .values({ role_id: role.role_id, policy_name: policyName, name_key: key, document })
          .execute();
      } else {
        await db
          .updateTable('role_policies')
          .set({ policy_name: policyName, document })
          .where('role_id', '=', role.role_id)
          .where('name_key', '=', key)
          .execute();
      }
      emit({
        entity: 'role-policy',
        op: existing === undefined ? 'create' : 'update',
        accountId,
        key: role.role_name,
      });
    });
  }

  async getRolePolicy(accountId: AccountId, roleName: string, policyName: string): Promise<InlinePolicy> {
    const role = await this.getRole(accountId, roleName);
    const row = await this.db
      .selectFrom('role_policies')
      .selectAll()
      .where('role_id', '=', role.roleId)
      .where('name_key', '=', policyName.toLowerCase())
      .executeTakeFirst();
    if (row === undefined)
      throw new NoSuchEntityError(`The role policy with name ${policyName} cannot be found.`);
    return { accountId, roleName: role.roleName, policyName: row.policy_name, document: row.document };
  }

  async listRolePolicies(
    accountId: AccountId,
    roleName: string,
    options?: ListOptions,
  ): Promise<Page<InlinePolicy>> {
    return pageOf(
      options,
      async (after, limit) => {
        const role = await this.getRole(accountId, roleName);
        let q = this.db.selectFrom('role_policies').selectAll().where('role_id', '=', role.roleId);
        if (after !== undefined) q = q.where('name_key', '>', after);
        const rows = await q.orderBy('name_key').limit(limit).execute();
        return rows.map((r) => ({
          key: r.name_key,
          policy: { accountId, roleName: role.roleName, policyName: r.policy_name, document: r.document },
        }));
      },
      (r) => r.key,
      (r): InlinePolicy => r.policy,
    );
  }

  async deleteRolePolicy(accountId: AccountId, roleName: string, policyName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const role = await this.lockRole(db, accountId, roleName);
      const result = await db
        .deleteFrom('role_policies')
        .where('role_id', '=', role.role_id)
        .where('name_key', '=', policyName.toLowerCase())
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new NoSuchEntityError(`The role policy with name ${policyName} cannot be found.`);
      }
      emit({ entity: 'role-policy', op: 'delete', accountId, key: role.role_name });
    });
  }

  // ---------------------------------------------------------------- attachments

  async attachRolePolicy(accountId: AccountId, roleName: string, policyArn: string): Promise<void> {
    await this.write(async (db, emit) => {
      const role = await this.lockRole(db, accountId, roleName);
      const policy = await this.requirePolicyForRole(db, accountId, policyArn);
      const attached = await db
        .selectFrom('role_attachments')
        .select('policy_arn')
        .where('role_id', '=', role.role_id)
        .execute();
      if (attached.some((a) => a.policy_arn === policyArn)) return;
      if (attached.length >= IAM_QUOTAS.managedPoliciesPerRole) {
        throw new LimitExceededError(
          `Cannot exceed quota for PoliciesPerRole: ${IAM_QUOTAS.managedPoliciesPerRole}`,
        );
      }
      await db
        .insertInto('role_attachments')
        .values({
          role_id: role.role_id,
          policy_arn: policyArn,
          policy_id: policy.id,
          policy_name: policy.name,
          attached_at: this.now(),
        })
        .execute();
      emit({ entity: 'role-attachment', op: 'create', accountId, key: role.role_name });
    });
  }

  async detachRolePolicy(accountId: AccountId, roleName: string, policyArn: string): Promise<void> {
    await this.write(async (db, emit) => {
      const role = await this.lockRole(db, accountId, roleName);
      const result = await db
        .deleteFrom('role_attachments')
        .where('role_id', '=', role.role_id)
        .where('policy_arn', '=', policyArn)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new NoSuchEntityError(`Policy ${policyArn} was not found.`);
      emit({ entity: 'role-attachment', op: 'delete', accountId, key: role.role_name });
    });
  }

  async listAttachedRolePolicies(
    accountId: AccountId,
    roleName: string,
    options?: ListOptions,
  ): Promise<Page<AttachedPolicy>> {
    return pageOf(
      options,
      async (after, limit) => {
        const role = await this.getRole(accountId, roleName);
        let q = this.db.selectFrom('role_attachments').selectAll().where('role_id', '=', role.roleId);
        if (after !== undefined) q = q.where('policy_arn', '>', after);
        return q.orderBy('policy_arn').limit(limit).execute();
      },
      (r) => r.policy_arn,
      (r) => ({ policyName: r.policy_name, policyArn: r.policy_arn }),
    );
  }

  async listRolesForPolicy(policyArn: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('role_attachments as a')
      .innerJoin('roles as r', 'r.role_id', 'a.role_id')
      .select('r.role_name')
      .where('a.policy_arn', '=', policyArn)
      .orderBy('r.name_key')
      .execute();
    return rows.map((r) => r.role_name);
  }
}
