/**
 * IAM groups: the group rows, membership (at most 10 groups per user), and the groups' inline and
 * attached policies (`principal-policies.ts`), which their members inherit.
 */
import {
  DeleteConflictError,
  EntityAlreadyExistsError,
  LimitExceededError,
  NoSuchEntityError,
} from '../../iam/errors.js';
import { IAM_QUOTAS } from '../../iam/quotas.js';
import type { AccountId, AttachedPolicy, EmbeddedPolicy, Group, User } from '../../iam/types.js';
import { pageOf } from '../pagination.js';
import { toGroup, toUser } from '../rows.js';
import type { CreateGroupInput, ListOptions, Page, PathListOptions, UpdateGroupInput } from '../store.js';
import { isUniqueViolation, pathFilter, type Db } from './context.js';
import * as owned from './principal-policies.js';
import { UsersSql } from './users.js';

export const groupMsg = {
  noGroup: (name: string) => `The group with name ${name} cannot be found.`,
  exists: (name: string) => `Group with name ${name} already exists.`,
  noPolicy: (name: string) => `The group policy with name ${name} cannot be found.`,
};

function groupArn(partition: string, accountId: string, path: string, name: string): string {
  return `arn:${partition}:iam::${accountId}:group${path}${name}`;
}

/** Extends the users module for its user-row lookups (membership names both). */
export class GroupsSql extends UsersSql {
  private groupRow(db: Db, accountId: AccountId, groupName: string) {
    return db
      .selectFrom('groups')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name_key', '=', groupName.toLowerCase())
      .executeTakeFirst();
  }

  private async lockGroup(db: Db, accountId: AccountId, groupName: string) {
    const row = await db
      .updateTable('groups')
      .set((eb) => ({ name_key: eb.ref('name_key') }))
      .where('account_id', '=', accountId)
      .where('name_key', '=', groupName.toLowerCase())
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(groupMsg.noGroup(groupName));
    return row;
  }

  async createGroup(accountId: AccountId, input: CreateGroupInput): Promise<Group> {
    return this.write(async (db, emit) => {
      await this.requireAccount(db, accountId);
      if ((await this.groupRow(db, accountId, input.groupName)) !== undefined) {
        throw new EntityAlreadyExistsError(groupMsg.exists(input.groupName));
      }
      const path = input.path ?? '/';
      const row = {
        group_id: this.shared.newId('AGPA'),
        account_id: accountId,
        group_name: input.groupName,
        name_key: input.groupName.toLowerCase(),
        path,
        arn: groupArn(this.partition, accountId, path, input.groupName),
        created_at: this.now(),
      };
      try {
        await db.insertInto('groups').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new EntityAlreadyExistsError(groupMsg.exists(input.groupName));
        throw error;
      }
      emit({ entity: 'group', op: 'create', accountId, key: input.groupName });
      return toGroup(row);
    });
  }

  async getGroup(accountId: AccountId, groupName: string): Promise<Group> {
    const row = await this.groupRow(this.db, accountId, groupName);
    if (row === undefined) throw new NoSuchEntityError(groupMsg.noGroup(groupName));
    return toGroup(row);
  }

  async listGroups(accountId: AccountId, options?: PathListOptions): Promise<Page<Group>> {
    return pageOf(
      options,
      async (after, limit) => {
        const filter = pathFilter(options?.pathPrefix);
        let q = this.db.selectFrom('groups').selectAll().where('account_id', '=', accountId);
        if (filter !== undefined) q = q.where(filter);
        if (after !== undefined) q = q.where('name_key', '>', after);
        return q.orderBy('name_key').limit(limit).execute();
      },
      (r) => r.name_key,
      toGroup,
    );
  }

  async updateGroup(accountId: AccountId, groupName: string, changes: UpdateGroupInput): Promise<Group> {
    return this.write(async (db, emit) => {
      const row = await this.lockGroup(db, accountId, groupName);
      const name = changes.newGroupName ?? row.group_name;
      const path = changes.newPath ?? row.path;
      if (name.toLowerCase() !== row.name_key && (await this.groupRow(db, accountId, name)) !== undefined) {
        throw new EntityAlreadyExistsError(groupMsg.exists(name));
      }
      const next = {
        ...row,
        group_name: name,
        name_key: name.toLowerCase(),
        path,
        arn: groupArn(this.partition, accountId, path, name),
      };
      await db
        .updateTable('groups')
        .set({ group_name: next.group_name, name_key: next.name_key, path: next.path, arn: next.arn })
        .where('group_id', '=', row.group_id)
        .execute();
      emit({ entity: 'group', op: 'update', accountId, key: row.group_name });
      return toGroup(next);
    });
  }

  async deleteGroup(accountId: AccountId, groupName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockGroup(db, accountId, groupName);
      const members = await db
        .selectFrom('group_members')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('group_id', '=', row.group_id)
        .executeTakeFirstOrThrow();
      if (Number(members.n) > 0) {
        throw new DeleteConflictError('Cannot delete entity, must remove users from group first.');
      }
      const counts = await owned.policyCounts(db, row.group_id);
      if (counts.inline > 0)
        throw new DeleteConflictError('Cannot delete entity, must delete policies first.');
      if (counts.attached > 0) {
        throw new DeleteConflictError('Cannot delete entity, must detach all policies first.');
      }
      await db.deleteFrom('groups').where('group_id', '=', row.group_id).execute();
      emit({ entity: 'group', op: 'delete', accountId, key: row.group_name });
    });
  }

  async addUserToGroup(accountId: AccountId, groupName: string, userName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const group = await this.lockGroup(db, accountId, groupName);
      const user = await this.lockUser(db, accountId, userName);
      const current = await db
        .selectFrom('group_members')
        .select('group_id')
        .where('user_id', '=', user.user_id)
        .execute();
      if (current.some((m) => m.group_id === group.group_id)) return;
      if (current.length >= IAM_QUOTAS.groupsPerUser) {
        throw new LimitExceededError(`Cannot exceed quota for GroupsPerUser: ${IAM_QUOTAS.groupsPerUser}`);
      }
      await db
        .insertInto('group_members')
        .values({ group_id: group.group_id, user_id: user.user_id })
        .execute();
      emit({ entity: 'group-membership', op: 'create', accountId, key: group.group_name });
      emit({ entity: 'user', op: 'update', accountId, key: user.user_name });
    });
  }

  async removeUserFromGroup(accountId: AccountId, groupName: string, userName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const group = await this.lockGroup(db, accountId, groupName);
      const user = await this.lockUser(db, accountId, userName);
      const result = await db
        .deleteFrom('group_members')
        .where('group_id', '=', group.group_id)
        .where('user_id', '=', user.user_id)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new NoSuchEntityError(`The user with name ${userName} cannot be found.`);
      }
      emit({ entity: 'group-membership', op: 'delete', accountId, key: group.group_name });
      emit({ entity: 'user', op: 'update', accountId, key: user.user_name });
    });
  }

  async listGroupsForUser(
    accountId: AccountId,
    userName: string,
    options?: ListOptions,
  ): Promise<Page<Group>> {
    return pageOf(
      options,
      async (after, limit) => {
        const user = await this.getUser(accountId, userName);
        let q = this.db
          .selectFrom('group_members as m')
          .innerJoin('groups as g', 'g.group_id', 'm.group_id')
          .selectAll('g')
          .where('m.user_id', '=', user.userId);
        if (after !== undefined) q = q.where('g.name_key', '>', after);
        return q.orderBy('g.name_key').limit(limit).execute();
      },
      (r) => r.name_key,
      toGroup,
    );
  }

  async listUsersInGroup(
    accountId: AccountId,
    groupName: string,
    options?: ListOptions,
  ): Promise<Page<User>> {
    return pageOf(
      options,
      async (after, limit) => {
        const group = await this.getGroup(accountId, groupName);
        let q = this.db
          .selectFrom('group_members as m')
          .innerJoin('users as u', 'u.user_id', 'm.user_id')
          .selectAll('u')
          .where('m.group_id', '=', group.groupId);
        if (after !== undefined) q = q.where('u.name_key', '>', after);
        return q.orderBy('u.name_key').limit(limit).execute();
      },
      (r) => r.name_key,
      toUser,
    );
  }

  async putGroupPolicy(
    accountId: AccountId,
    groupName: string,
    policyName: string,
    document: string,
  ): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockGroup(db, accountId, groupName);
      const created = await owned.putInline(db, row.group_id, policyName, document);
      emit({ entity: 'group-policy', op: created ? 'create' : 'update', accountId, key: row.group_name });
    });
  }

  async getGroupPolicy(accountId: AccountId, groupName: string, policyName: string): Promise<EmbeddedPolicy> {
    const group = await this.getGroup(accountId, groupName);
    return owned.getInline(this.db, group.groupId, policyName, groupMsg.noPolicy(policyName));
  }

  listGroupPolicies(
    accountId: AccountId,
    groupName: string,
    options?: ListOptions,
  ): Promise<Page<EmbeddedPolicy>> {
    return owned.listInline(
      this.db,
      async () => (await this.getGroup(accountId, groupName)).groupId,
      options,
    );
  }

  async deleteGroupPolicy(accountId: AccountId, groupName: string, policyName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockGroup(db, accountId, groupName);
      await owned.deleteInline(db, row.group_id, policyName, groupMsg.noPolicy(policyName));
      emit({ entity: 'group-policy', op: 'delete', accountId, key: row.group_name });
    });
  }

  async attachGroupPolicy(accountId: AccountId, groupName: string, policyArn: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockGroup(db, accountId, groupName);
      const policy = await this.requirePolicyForRole(db, accountId, policyArn);
      const quota = { limit: IAM_QUOTAS.managedPoliciesPerGroup, name: 'PoliciesPerGroup' };
      if (await owned.attach(db, row.group_id, { arn: policyArn, ...policy }, quota, this.now())) {
        emit({ entity: 'group-attachment', op: 'create', accountId, key: row.group_name });
      }
    });
  }

  async detachGroupPolicy(accountId: AccountId, groupName: string, policyArn: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockGroup(db, accountId, groupName);
      await owned.detach(db, row.group_id, policyArn);
      emit({ entity: 'group-attachment', op: 'delete', accountId, key: row.group_name });
    });
  }

  listAttachedGroupPolicies(
    accountId: AccountId,
    groupName: string,
    options?: ListOptions,
  ): Promise<Page<AttachedPolicy>> {
    return owned.listAttached(
      this.db,
      async () => (await this.getGroup(accountId, groupName)).groupId,
      options,
    );
  }

  async listPrincipalsForPolicy(policyArn: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('principal_attachments')
      .select('owner_id')
      .where('policy_arn', '=', policyArn)
      .orderBy('owner_id')
      .execute();
    return rows.map((r) => r.owner_id);
  }
}
