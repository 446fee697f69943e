/**
 * IAM users: the user rows, their tags and permissions boundaries, their inline and attached
 * policies (`principal-policies.ts`), and what deleting or renaming one must respect.
 */
import { userArn } from '../../iam/arn.js';
import { DeleteConflictError, EntityAlreadyExistsError, NoSuchEntityError } from '../../iam/errors.js';
import { IAM_QUOTAS } from '../../iam/quotas.js';
import type { AccountId, AttachedPolicy, EmbeddedPolicy, Tag, User } from '../../iam/types.js';
import { pageOf } from '../pagination.js';
import { tagsFrom, toJson, toUser } from '../rows.js';
import type { CreateUserInput, ListOptions, Page, PathListOptions, UpdateUserInput } from '../store.js';
import { SqlContext, isUniqueViolation, pathFilter, type Db } from './context.js';
import * as owned from './principal-policies.js';
import { mergeTags } from './tags.js';
import { unbindTrustPrincipal } from './trust-binding.js';

export const userMsg = {
  noUser: (name: string) => `The user with name ${name} cannot be found.`,
  exists: (name: string) => `User with name ${name} already exists.`,
  noPolicy: (name: string) => `The user policy with name ${name} cannot be found.`,
};

export class UsersSql extends SqlContext {
  protected userRow(db: Db, accountId: AccountId, userName: string) {
    return db
      .selectFrom('users')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name_key', '=', userName.toLowerCase())
      .executeTakeFirst();
  }

  /** Locks the user row for the rest of the transaction and returns it. */
  protected async lockUser(db: Db, accountId: AccountId, userName: string) {
    const row = await db
      .updateTable('users')
      .set((eb) => ({ name_key: eb.ref('name_key') }))
      .where('account_id', '=', accountId)
      .where('name_key', '=', userName.toLowerCase())
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(userMsg.noUser(userName));
    return row;
  }

  async createUser(accountId: AccountId, input: CreateUserInput): Promise<User> {
    return this.write(async (db, emit) => {
      await this.requireAccount(db, accountId);
      if ((await this.userRow(db, accountId, input.userName)) !== undefined) {
        throw new EntityAlreadyExistsError(userMsg.exists(input.userName));
      }
      if (input.permissionsBoundaryArn !== undefined) {
        await this.requirePolicyForRole(db, accountId, input.permissionsBoundaryArn);
      }
      const path = input.path ?? '/';
      const row = {
        user_id: input.userId ?? this.shared.newId('AIDA'),
        account_id: accountId,
        user_name: input.userName,
        name_key: input.userName.toLowerCase(),
        path,
        arn: userArn({ partition: this.partition, accountId, path, userName: input.userName }),
        permissions_boundary_arn: input.permissionsBoundaryArn ?? null,
        tags: toJson(mergeTags([], input.tags ?? [], true)),
        created_at: this.now(),
      };
      try {
        await db.insertInto('users').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new EntityAlreadyExistsError(userMsg.exists(input.userName));
        throw error;
      }
      emit({ entity: 'user', op: 'create', accountId, key: input.userName });
      return toUser(row);
    });
  }

  async getUser(accountId: AccountId, userName: string): Promise<User> {
    const user = await this.findUser(accountId, userName);
    if (user === undefined) throw new NoSuchEntityError(userMsg.noUser(userName));
    return user;
  }

  async findUser(accountId: AccountId, userName: string): Promise<User | undefined> {
    const row = await this.userRow(this.db, accountId, userName);
    return row === undefined ? undefined : toUser(row);
  }

  async listUsers(accountId: AccountId, options?: PathListOptions): Promise<Page<User>> {
    return pageOf(
      options,
      async (after, limit) => {
        const filter = pathFilter(options?.pathPrefix);
        let q = this.db.selectFrom('users').selectAll().where('account_id', '=', accountId);
        if (filter !== undefined) q = q.where(filter);
        if (after !== undefined) q = q.where('name_key', '>', after);
        return q.orderBy('name_key').limit(limit).execute();
      },
      (r) => r.name_key,
      toUser,
    );
  }

  async updateUser(accountId: AccountId, userName: string, changes: UpdateUserInput): Promise<User> {
    return this.write(async (db, emit) => {
      const row = await this.lockUser(db, accountId, userName);
      const name = changes.newUserName ?? row.user_name;
      const path = changes.newPath ?? row.path;
      const renamed = name.toLowerCase() !== row.name_key;
      if (renamed && (await this.userRow(db, accountId, name)) !== undefined) {
        throw new EntityAlreadyExistsError(userMsg.exists(name));
      }
      const next = {
        ...row,
        user_name: name,
        name_key: name.toLowerCase(),
        path,
        arn: userArn({ partition: this.partition, accountId, path, userName: name }),
      };
      await db
        .updateTable('users')
        .set({ user_name: next.user_name, name_key: next.name_key, path: next.path, arn: next.arn })
        .where('user_id', '=', row.user_id)
        .execute();
      // Keys name their user: they follow it.
      await db
        .updateTable('access_keys')
        .set({ user_name: name })
        .where('account_id', '=', accountId)
        .where('user_name', '=', row.user_name)
        .execute();
      // Trust policies hold the user by its unique id, so they follow it to its new ARN (and a new
      // user given the old name is not trusted).
      if (next.arn !== row.arn) await unbindTrustPrincipal(db, emit, accountId, row.arn, next.arn);
      emit({ entity: 'user', op: 'update', accountId, key: row.user_name });
      if (name !== row.user_name) emit({ entity: 'user', op: 'update', accountId, key: name });
      return toUser(next);
    });
  }

  async deleteUser(accountId: AccountId, userName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockUser(db, accountId, userName);
      const keys = await db
        .selectFrom('access_keys')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('account_id', '=', accountId)
        .where('user_name', '=', row.user_name)
        .executeTakeFirstOrThrow();
      // The order IAM checks in; each message is IAM's.
      if (Number(keys.n) > 0)
        throw new DeleteConflictError('Cannot delete entity, must delete access keys first.');
      const mfa = await db
        .selectFrom('mfa_devices')
        .select('serial_number')
        .where('user_id', '=', row.user_id)
        .executeTakeFirst();
      if (mfa !== undefined)
        throw new DeleteConflictError('Cannot delete entity, must delete MFA device first.');
      const counts = await owned.policyCounts(db, row.user_id);
      if (counts.inline > 0)
        throw new DeleteConflictError('Cannot delete entity, must delete policies first.');
      if (counts.attached > 0) {
        throw new DeleteConflictError('Cannot delete entity, must detach all policies first.');
      }
      const groups = await db
        .selectFrom('group_members')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', row.user_id)
        .executeTakeFirstOrThrow();
      if (Number(groups.n) > 0) {
        throw new DeleteConflictError('Cannot delete entity, must remove users from group first.');
      }
      await db.deleteFrom('users').where('user_id', '=', row.user_id).execute();
      await unbindTrustPrincipal(db, emit, accountId, row.arn, row.user_id);
      emit({ entity: 'user', op: 'delete', accountId, key: row.user_name });
    });
  }

  async tagUser(accountId: AccountId, userName: string, tags: Tag[]): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockUser(db, accountId, userName);
      const merged = mergeTags(tagsFrom(row.tags), tags, true);
      await db
        .updateTable('users')
        .set({ tags: toJson(merged) })
        .where('user_id', '=', row.user_id)
        .execute();
      emit({ entity: 'user', op: 'update', accountId, key: row.user_name });
    });
  }

  async untagUser(accountId: AccountId, userName: string, tagKeys: string[]): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockUser(db, accountId, userName);
      const drop = new Set(tagKeys.map((k) => k.toLowerCase()));
      const kept = tagsFrom(row.tags).filter((t) => !drop.has(t.key.toLowerCase()));
      await db
        .updateTable('users')
        .set({ tags: toJson(kept) })
        .where('user_id', '=', row.user_id)
        .execute();
      emit({ entity: 'user', op: 'update', accountId, key: row.user_name });
    });
  }

  async listUserTags(accountId: AccountId, userName: string, options?: ListOptions): Promise<Page<Tag>> {
    return pageOf(
      options,
      async (after, limit) => {
        const user = await this.getUser(accountId, userName);
        // Insertion order, as IAM lists tags; the marker is a position in it.
        const start = after === undefined ? 0 : Number.parseInt(after, 10) || 0;
        return user.tags.slice(start, start + limit).map((tag, i) => ({ tag, pos: start + i + 1 }));
      },
      (r) => String(r.pos),
      (r) => r.tag,
    );
  }

  async putUserPermissionsBoundary(accountId: AccountId, userName: string, policyArn: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockUser(db, accountId, userName);
      await this.requirePolicyForRole(db, accountId, policyArn);
      await db
        .updateTable('users')
        .set({ permissions_boundary_arn: policyArn })
        .where('user_id', '=', row.user_id)
        .execute();
      emit({ entity: 'user-permissions-boundary', op: 'update', accountId, key: row.user_name });
    });
  }

  async deleteUserPermissionsBoundary(accountId: AccountId, userName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockUser(db, accountId, userName);
      if (row.permissions_boundary_arn === null) return;
      await db
        .updateTable('users')
        .set({ permissions_boundary_arn: null })
        .where('user_id', '=', row.user_id)
        .execute();
      emit({ entity: 'user-permissions-boundary', op: 'delete', accountId, key: row.user_name });
    });
  }

  async putUserPolicy(
    accountId: AccountId,
    userName: string,
    policyName: string,
    document: string,
  ): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockUser(db, accountId, userName);
      const created = await owned.putInline(db, row.user_id, policyName, document);
      emit({ entity: 'user-policy', op: created ? 'create' : 'update', accountId, key: row.user_name });
    });
  }

  async getUserPolicy(accountId: AccountId, userName: string, policyName: string): Promise<EmbeddedPolicy> {
    const user = await this.getUser(accountId, userName);
    return owned.getInline(this.db, user.userId, policyName, userMsg.noPolicy(policyName));
  }

  listUserPolicies(
    accountId: AccountId,
    userName: string,
    options?: ListOptions,
  ): Promise<Page<EmbeddedPolicy>> {
    return owned.listInline(this.db, async () => (await this.getUser(accountId, userName)).userId, options);
  }

  async deleteUserPolicy(accountId: AccountId, userName: string, policyName: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockUser(db, accountId, userName);
      await owned.deleteInline(db, row.user_id, policyName, userMsg.noPolicy(policyName));
      emit({ entity: 'user-policy', op: 'delete', accountId, key: row.user_name });
    });
  }

  async attachUserPolicy(accountId: AccountId, userName: string, policyArn: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockUser(db, accountId, userName);
      const policy = await this.requirePolicyForRole(db, accountId, policyArn);
      const quota = { limit: IAM_QUOTAS.managedPoliciesPerUser, name: 'PoliciesPerUser' };
      if (await owned.attach(db, row.user_id, { arn: policyArn, ...policy }, quota, this.now())) {
        emit({ entity: 'user-attachment', op: 'create', accountId, key: row.user_name });
      }
    });
  }

  async detachUserPolicy(accountId: AccountId, userName: string, policyArn: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await this.lockUser(db, accountId, userName);
      await owned.detach(db, row.user_id, policyArn);
      emit({ entity: 'user-attachment', op: 'delete', accountId, key: row.user_name });
    });
  }

  listAttachedUserPolicies(
    accountId: AccountId,
    userName: string,
    options?: ListOptions,
  ): Promise<Page<AttachedPolicy>> {
    return owned.listAttached(this.db, async () => (await this.getUser(accountId, userName)).userId, options);
  }
}
