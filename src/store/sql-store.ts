/**
 * The one `Store` implementation, over Kysely, shared by SQLite and PostgreSQL.
 *
 * Every write runs in a transaction of its own (or, inside `transaction()`, in a savepoint of
 * the caller's transaction, so a failed step leaves the rest intact). Read-modify-write steps
 * first lock the row they depend on with an `UPDATE ... RETURNING`, which serializes concurrent
 * writers on PostgreSQL the same way SQLite's single writer does, without dialect branches.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  CompiledQuery,
  sql,
  type ControlledTransaction,
  type Insertable,
  type Kysely,
  type Selectable,
} from 'kysely';
import { newUniqueId, type UniqueIdPrefix } from '../crypto/ids.js';
import {
  AWS_MANAGED_ACCOUNT,
  instanceProfileArn,
  oidcProviderArn,
  oidcProviderUrl,
  parsePolicyArn,
  policyArn as formatPolicyArn,
  roleArn as formatRoleArn,
} from '../iam/arn.js';
import {
  ConcurrentModificationError,
  DeleteConflictError,
  EntityAlreadyExistsError,
  LimitExceededError,
  NoSuchEntityError,
} from '../iam/errors.js';
import { IAM_QUOTAS } from '../iam/quotas.js';
import type {
  AccessKey,
  AccessKeyStatus,
  Account,
  AccountId,
  AttachedPolicy,
  InlinePolicy,
  InstanceProfile,
  JsonValue,
  KeyRingRecord,
  ManagedPolicy,
  OidcProvider,
  PolicyVersion,
  Role,
  RoleRevocation,
  Tag,
  Workload,
  WorkloadKind,
} from '../iam/types.js';
import { withDatabaseErrors } from './database-errors.js';
import { pageOf } from './pagination.js';
import {
  bytesFrom,
  bytesToText,
  tagsFrom,
  toAccessKey,
  toAccount,
  toInstanceProfile,
  toJson,
  toOidcProvider,
  toPolicy,
  toPolicyVersion,
  toRole,
  toWorkload,
  versionNumber,
  type PolicyRow,
} from './rows.js';
import type { AccessEventsTable, Database, LastAccessedTable, RolePolicySnapshotsTable } from './schema.js';
import type {
  AccessEvent,
  AccessEventFilter,
  AccessEventInput,
  ChangeListener,
  CreateAccessKeyInput,
  CreateAccountInput,
  CreateInstanceProfileInput,
  CreateOidcProviderInput,
  CreatePolicyInput,
  CreateRoleInput,
  ListOptions,
  ListPoliciesOptions,
  LastAccessed,
  Page,
  PathListOptions,
  PutWorkloadInput,
  RolePolicySnapshot,
  Store,
  StoreChange,
  UpdateOidcProviderInput,
  UpdateRoleInput,
} from './store.js';

type Db = Kysely<Database>;
type Emit = (change: StoreChange) => void;

export interface SqlStoreOptions {
  /** Partition written into new ARNs; `aws` by default. */
  partition?: string;
  /** Unique id source (tests pin it); `newUniqueId` from the CSPRNG by default. */
  newId?: (prefix: UniqueIdPrefix) => string;
  /** Clock; `new Date()` by default. */
  now?: () => Date;
}

interface Shared {
  root: Db;
  events: EventEmitter;
  partition: string;
  newId: (prefix: UniqueIdPrefix) => string;
  now: () => Date;
  close: () => Promise<void>;
}

interface TxState {
  trx: ControlledTransaction<Database>;
  events: StoreChange[];
  savepoints: number;
}

const CHANGE = 'change';

const msg = {
  noRole: (name: string) => `The role with name ${name} cannot be found.`,
  noPolicy: (arn: string) => `Policy ${arn} does not exist or is not attachable.`,
  noVersion: (arn: string, v: string) => `Policy ${arn} version ${v} does not exist or is not attachable.`,
  noProfile: (name: string) => `Instance Profile ${name} cannot be found.`,
  noProvider: (arn: string) => `OpenIDConnect Provider not found for arn ${arn}`,
};

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** `select generation from store_generation where id = 1`, in the form both dialects accept. */
const GENERATION_QUERY: CompiledQuery<{ generation: number | string }> = CompiledQuery.raw(
  'select generation from store_generation where id = 1',
);

/**
 * Advances the store generation inside the writing transaction, last, so that the row lock it
 * takes on PostgreSQL is held only until the commit that follows (writers of the model queue
 * there, briefly; they take no other lock after it, so no deadlock). Returns the new generation.
 */
async function advanceGeneration(db: Db): Promise<number> {
  const row = await db
    .updateTable('store_generation')
    .set({ generation: sql`generation + 1` })
    .where('id', '=', 1)
    .returning('generation')
    .executeTakeFirstOrThrow();
  return Number(row.generation);
}

/** Page-fetch helpers: the keyset condition and order for `name_key`-ordered tables. */
function pathFilter(prefix: string | undefined) {
  return prefix === undefined || prefix === '/'
    ? undefined
    : sql<boolean>`substr(path, 1, ${prefix.length}) = ${prefix}`;
}

/**
 * Builds a `Store` over an open, migrated Kysely instance. `sqlite.ts` and `postgres.ts` call it.
 *
 * @example
 * const store = createSqlStore(db, { close: () => db.destroy() });
 */
export function createSqlStore(db: Db, options: SqlStoreOptions & { close: () => Promise<void> }): Store {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  return withDatabaseErrors(
    new SqlStore(db, {
      root: db,
      events,
      partition: options.partition ?? 'aws',
      newId: options.newId ?? newUniqueId,
      now: options.now ?? (() => new Date()),
      close: options.close,
    }),
  );
}

class SqlStore implements Store {
  readonly partition: string;

  constructor(
    private readonly db: Db,
    private readonly shared: Shared,
    private readonly tx?: TxState,
  ) {
    this.partition = shared.partition;
  }

  // ---------------------------------------------------------------- plumbing

  private now(): string {
    return this.shared.now().toISOString();
  }

  private publish(changes: StoreChange[], generation: number | undefined): void {
    for (const change of changes) {
      try {
        this.shared.events.emit(CHANGE, generation === undefined ? change : { ...change, generation });
      } catch (error) {
        // The write is committed; a listener's failure must not turn it into a reported failure.
        process.emitWarning(`store change listener failed: ${(error as Error).message}`);
      }
    }
  }

  private async write<T>(fn: (db: Db, emit: Emit) => Promise<T>): Promise<T> {
    const changes: StoreChange[] = [];
    const emit: Emit = (c) => changes.push(c);
    const tx = this.tx;
    if (tx !== undefined) {
      const name = `sp${++tx.savepoints}`;
      const sp = await tx.trx.savepoint(name).execute();
      try {
        const result = await fn(sp, emit);
        await sp.releaseSavepoint(name).execute();
        tx.events.push(...changes);
        return result;
      } catch (error) {
        await sp.rollbackToSavepoint(name).execute();
        throw error;
      }
    }
    let generation: number | undefined;
    const result = await this.db.transaction().execute(async (trx) => {
      const out = await fn(trx, emit);
      if (changes.length > 0) generation = await advanceGeneration(trx);
      return out;
    });
    this.publish(changes, generation);
    return result;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    // Nested calls join the enclosing transaction.
    if (this.tx !== undefined) return fn(withDatabaseErrors(this));
    const trx = await this.shared.root.startTransaction().execute();
    const state: TxState = { trx, events: [], savepoints: 0 };
    let result: T;
    let generation: number | undefined;
    try {
      result = await fn(withDatabaseErrors(new SqlStore(trx, this.shared, state)));
      if (state.events.length > 0) generation = await advanceGeneration(trx);
    } catch (error) {
      // A failed rollback (e.g. a dropped connection) must not hide why the transaction failed.
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      throw error;
    }
    await trx.commit().execute();
    this.publish(state.events, generation);
    return result;
  }

  onChange(listener: ChangeListener): () => void {
    this.shared.events.on(CHANGE, listener);
    return () => this.shared.events.off(CHANGE, listener);
  }

  async generation(): Promise<number> {
    // On the request path (`Snapshot.refresh`): compiled once, not built per call.
    const result = await this.db.executeQuery(GENERATION_QUERY);
    const row = result.rows[0];
    if (row === undefined) throw new Error('store_generation has no row');
    return Number(row.generation);
  }

  async close(): Promise<void> {
    this.shared.events.removeAllListeners();
    await this.shared.close();
  }

  // ---------------------------------------------------------------- accounts

  async createAccount(input: CreateAccountInput): Promise<Account> {
    return this.write(async (db, emit) => {
      const existing = await db
        .selectFrom('accounts')
        .select('account_id')
        .where('account_id', '=', input.accountId)
        .executeTakeFirst();
      if (existing !== undefined)
        throw new EntityAlreadyExistsError(`Account ${input.accountId} already exists.`);
      const row = { account_id: input.accountId, alias: input.alias ?? null, created_at: this.now() };
      await db.insertInto('accounts').values(row).execute();
      emit({ entity: 'account', op: 'create', accountId: input.accountId, key: input.accountId });
      return toAccount(row);
    });
  }

  async getAccount(accountId: AccountId): Promise<Account> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(`Account ${accountId} cannot be found.`);
    return toAccount(row);
  }

  async listAccounts(): Promise<Account[]> {
    const rows = await this.db.selectFrom('accounts').selectAll().orderBy('account_id').execute();
    return rows.map(toAccount);
  }

  private async requireAccount(db: Db, accountId: AccountId): Promise<void> {
    const row = await db
      .selectFrom('accounts')
      .select('account_id')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(`Account ${accountId} cannot be found.`);
  }

  // ---------------------------------------------------------------- roles

  private roleRow(db: Db, accountId: AccountId, roleName: string) {
    return db
      .selectFrom('roles')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name_key', '=', roleName.toLowerCase())
      .executeTakeFirst();
  }

  /** Locks the role row for the rest of the transaction and returns it. */
  private async lockRole(db: Db, accountId: AccountId, roleName: string) {
    const row = await db
      .updateTable('roles')
      .set((eb) => ({ name_key: eb.ref('name_key') }))
      .where('account_id', '=', accountId)
      .where('name_key', '=', roleName.toLowerCase())
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(msg.noRole(roleName));
    return row;
  }

  async createRole(accountId: AccountId, input: CreateRoleInput): Promise<Role> {
    return this.write(async (db, emit) => {
      await this.requireAccount(db, accountId);
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

  // ---------------------------------------------------------------- managed policies

  private policyQuery(db: Db) {
    return db
      .selectFrom('managed_policies as p')
      .selectAll('p')
      .select((eb) => [
        eb
          .selectFrom('role_attachments as a')
          .select((e) => e.fn.countAll().as('n'))
          .whereRef('a.policy_id', '=', 'p.policy_id')
          .as('attachment_count'),
        eb
          .selectFrom('roles as r')
          .select((e) => e.fn.countAll().as('n'))
          .whereRef('r.permissions_boundary_arn', '=', 'p.arn')
          .as('boundary_count'),
      ]);
  }

  private async policyByArn(db: Db, arn: string): Promise<PolicyRow | undefined> {
    const row = await this.policyQuery(db).where('p.arn', '=', arn).executeTakeFirst();
    return row as PolicyRow | undefined;
  }

  /** Locks the policy row, bumping nothing; `NoSuchEntity` if it does not exist. */
  private async lockPolicy(db: Db, arn: string) {
    const row = await db
      .updateTable('managed_policies')
      .set((eb) => ({ next_version: eb.ref('next_version') }))
      .where('arn', '=', arn)
      .returningAll()
      .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(msg.noPolicy(arn));
    return row;
  }

  /**
   * A policy a role of `accountId` may reference: a customer managed policy of the same account
   * (which must exist) or an AWS managed policy (which the store does not hold; the API layer
   * checks those against the AWS catalog). Resolves the customer policy's id, if any, and name.
   */
  private async requirePolicyForRole(
    db: Db,
    accountId: AccountId,
    arn: string,
  ): Promise<{ id: string | null; name: string }> {
    const parts = parsePolicyArn(arn);
    if (parts.accountId === AWS_MANAGED_ACCOUNT) return { id: null, name: parts.policyName };
    const row =
      parts.accountId === accountId
        ? await db
            .selectFrom('managed_policies')
            .select(['policy_id', 'policy_name'])
            .where('arn', '=', arn)
            .executeTakeFirst()
        : undefined;
    if (row === undefined) throw new NoSuchEntityError(msg.noPolicy(arn));
    return { id: row.policy_id, name: row.policy_name };
  }

  async createPolicy(accountId: AccountId, input: CreatePolicyInput): Promise<ManagedPolicy> {
    return this.write(async (db, emit) => {
      await this.requireAccount(db, accountId);
      const key = input.policyName.toLowerCase();
      const exists = () =>
        new EntityAlreadyExistsError(
          `A policy called ${input.policyName} already exists. Duplicate names are not allowed.`,
        );
      const taken = await db
        .selectFrom('managed_policies')
        .select('policy_id')
        .where('account_id', '=', accountId)
        .where('name_key', '=', key)
        .executeTakeFirst();
      if (taken !== undefined) throw exists();
      const path = input.path ?? '/';
      const now = this.now();
      const row = {
        policy_id: this.shared.newId('ANPA'),
        account_id: accountId,
        policy_name: input.policyName,
        name_key: key,
        path,
        arn: formatPolicyArn({ partition: this.partition, accountId, path, policyName: input.policyName }),
        description: input.description ?? null,
        default_version: 1,
        next_version: 2,
        tags: toJson(mergeTags([], input.tags ?? [], false)),
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('managed_policies').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw exists();
        throw error;
      }
      await db
        .insertInto('policy_versions')
        .values({ policy_id: row.policy_id, version: 1, document: input.document, created_at: now })
        .execute();
      emit({ entity: 'managed-policy', op: 'create', accountId, key: row.arn });
      return toPolicy({ ...row, attachment_count: 0, boundary_count: 0 });
    });
  }

  async getPolicy(policyArn: string): Promise<ManagedPolicy> {
    const row = await this.policyByArn(this.db, policyArn);
    if (row === undefined) throw new NoSuchEntityError(msg.noPolicy(policyArn));
    return toPolicy(row);
  }

  async listPolicies(accountId: AccountId, options?: ListPoliciesOptions): Promise<Page<ManagedPolicy>> {
    return pageOf(
      options,
      async (after, limit) => {
        const prefix = options?.pathPrefix;
        let q = this.policyQuery(this.db).where('p.account_id', '=', accountId);
        if (prefix !== undefined && prefix !== '/')
          q = q.where(sql<boolean>`substr(p.path, 1, ${prefix.length}) = ${prefix}`);
        if (after !== undefined) q = q.where('p.name_key', '>', after);
        if (options?.onlyAttached === true) {
          q = q.where((eb) =>
            eb.exists(
              eb
                .selectFrom('role_attachments as a')
                .select('a.role_id')
                .whereRef('a.policy_id', '=', 'p.policy_id'),
            ),
          );
        }
        return (await q.orderBy('p.name_key').limit(limit).execute()) as PolicyRow[];
      },
      (r) => r.name_key,
      toPolicy,
    );
  }

  async deletePolicy(policyArn: string): Promise<void> {
    await this.write(async (db, emit) => {
      const locked = await this.lockPolicy(db, policyArn);
      const row = await this.policyByArn(db, policyArn);
      if (row === undefined) throw new NoSuchEntityError(msg.noPolicy(policyArn));
      if (Number(row.attachment_count) > 0 || Number(row.boundary_count) > 0) {
        throw new DeleteConflictError('Cannot delete a policy attached to entities.');
      }
      await db.deleteFrom('policy_versions').where('policy_id', '=', locked.policy_id).execute();
      await db.deleteFrom('managed_policies').where('policy_id', '=', locked.policy_id).execute();
      emit({ entity: 'managed-policy', op: 'delete', accountId: locked.account_id, key: policyArn });
    });
  }

  async createPolicyVersion(
    policyArn: string,
    document: string,
    setAsDefault: boolean,
  ): Promise<PolicyVersion> {
    return this.write(async (db, emit) => {
      // Taking the next number also locks the policy, so two writers cannot both pass the limit.
      const policy = await db
        .updateTable('managed_policies')
        .set((eb) => ({ next_version: eb('next_version', '+', 1) }))
        .where('arn', '=', policyArn)
        .returningAll()
        .executeTakeFirst();
      if (policy === undefined) throw new NoSuchEntityError(msg.noPolicy(policyArn));
      const { n } = await db
        .selectFrom('policy_versions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('policy_id', '=', policy.policy_id)
        .executeTakeFirstOrThrow();
      if (Number(n) >= IAM_QUOTAS.policyVersions) {
        throw new LimitExceededError(
          `A managed policy can have up to ${IAM_QUOTAS.policyVersions} versions. Before you create a new version, you must delete an existing version.`,
        );
      }
      const version = Number(policy.next_version) - 1;
      const now = this.now();
      const row = { policy_id: policy.policy_id, version, document, created_at: now };
      await db.insertInto('policy_versions').values(row).execute();
      const defaultVersion = setAsDefault ? version : Number(policy.default_version);
      await db
        .updateTable('managed_policies')
        .set({ default_version: defaultVersion, updated_at: now })
        .where('policy_id', '=', policy.policy_id)
        .execute();
      emit({ entity: 'policy-version', op: 'create', accountId: policy.account_id, key: policyArn });
      return toPolicyVersion(row, policyArn, defaultVersion);
    });
  }

  async getPolicyVersion(policyArn: string, versionId: string): Promise<PolicyVersion> {
    const policy = await this.db
      .selectFrom('managed_policies')
      .selectAll()
      .where('arn', '=', policyArn)
      .executeTakeFirst();
    if (policy === undefined) throw new NoSuchEntityError(msg.noPolicy(policyArn));
    const n = versionNumber(versionId);
    const row =
      n === undefined
        ? undefined
        : await this.db
            .selectFrom('policy_versions')
            .selectAll()
            .where('policy_id', '=', policy.policy_id)
            .where('version', '=', n)
            .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(msg.noVersion(policyArn, versionId));
    return toPolicyVersion(row, policyArn, policy.default_version);
  }

  async listPolicyVersions(policyArn: string): Promise<PolicyVersion[]> {
    const policy = await this.db
      .selectFrom('managed_policies')
      .selectAll()
      .where('arn', '=', policyArn)
      .executeTakeFirst();
    if (policy === undefined) throw new NoSuchEntityError(msg.noPolicy(policyArn));
    const rows = await this.db
      .selectFrom('policy_versions')
      .selectAll()
      .where('policy_id', '=', policy.policy_id)
      .orderBy('version', 'desc')
      .execute();
    return rows.map((r) => toPolicyVersion(r, policyArn, policy.default_version));
  }

  async deletePolicyVersion(policyArn: string, versionId: string): Promise<void> {
    await this.write(async (db, emit) => {
      const policy = await this.lockPolicy(db, policyArn);
      const n = versionNumber(versionId);
      if (n !== undefined && n === Number(policy.default_version)) {
        throw new DeleteConflictError('Cannot delete the default version of a policy.');
      }
      const result =
        n === undefined
          ? undefined
          : await db
              .deleteFrom('policy_versions')
              .where('policy_id', '=', policy.policy_id)
              .where('version', '=', n)
              .executeTakeFirst();
      if (result === undefined || Number(result.numDeletedRows) === 0) {
        throw new NoSuchEntityError(msg.noVersion(policyArn, versionId));
      }
      emit({ entity: 'policy-version', op: 'delete', accountId: policy.account_id, key: policyArn });
    });
  }

  async setDefaultPolicyVersion(policyArn: string, versionId: string): Promise<void> {
    await this.write(async (db, emit) => {
      const policy = await this.lockPolicy(db, policyArn);
      const n = versionNumber(versionId);
      const row =
        n === undefined
          ? undefined
          : await db
              .selectFrom('policy_versions')
              .select('version')
              .where('policy_id', '=', policy.policy_id)
              .where('version', '=', n)
              .executeTakeFirst();
      if (row === undefined || n === undefined)
        throw new NoSuchEntityError(msg.noVersion(policyArn, versionId));
      await db
        .updateTable('managed_policies')
        .set({ default_version: n, updated_at: this.now() })
        .where('policy_id', '=', policy.policy_id)
        .execute();
      emit({ entity: 'policy-version', op: 'update', accountId: policy.account_id, key: policyArn });
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

  // ---------------------------------------------------------------- instance profiles

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

  // ---------------------------------------------------------------- OIDC providers

  async createOidcProvider(accountId: AccountId, input: CreateOidcProviderInput): Promise<OidcProvider> {
    return this.write(async (db, emit) => {
      await this.requireAccount(db, accountId);
      const url = oidcProviderUrl(input.url);
      const arn = oidcProviderArn({ partition: this.partition, accountId, url });
      const exists = () => new EntityAlreadyExistsError(`Provider with url https://${url} already exists.`);
      const taken = await db
        .selectFrom('oidc_providers')
        .select('arn')
        .where('arn', '=', arn)
        .executeTakeFirst();
      if (taken !== undefined) throw exists();
      const row = {
        arn,
        account_id: accountId,
        url,
        client_ids: toJson(input.clientIds),
        thumbprints: toJson(input.thumbprints),
        tags: toJson(mergeTags([], input.tags ?? [], false)),
        created_at: this.now(),
      };
      try {
        await db.insertInto('oidc_providers').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw exists();
        throw error;
      }
      emit({ entity: 'oidc-provider', op: 'create', accountId, key: arn });
      return toOidcProvider(row);
    });
  }

  async getOidcProvider(arn: string): Promise<OidcProvider> {
    const row = await this.db
      .selectFrom('oidc_providers')
      .selectAll()
      .where('arn', '=', arn)
      .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(msg.noProvider(arn));
    return toOidcProvider(row);
  }

  async listOidcProviders(accountId: AccountId): Promise<OidcProvider[]> {
    const rows = await this.db
      .selectFrom('oidc_providers')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('arn')
      .execute();
    return rows.map(toOidcProvider);
  }

  async updateOidcProvider(arn: string, changes: UpdateOidcProviderInput): Promise<OidcProvider> {
    return this.write(async (db, emit) => {
      const row = await db
        .updateTable('oidc_providers')
        .set((eb) => ({
          client_ids: changes.clientIds === undefined ? eb.ref('client_ids') : toJson(changes.clientIds),
          thumbprints:
            changes.thumbprints === undefined ? eb.ref('thumbprints') : toJson(changes.thumbprints),
        }))
        .where('arn', '=', arn)
        .returningAll()
        .executeTakeFirst();
      if (row === undefined) throw new NoSuchEntityError(msg.noProvider(arn));
      emit({ entity: 'oidc-provider', op: 'update', accountId: row.account_id, key: arn });
      return toOidcProvider(row);
    });
  }

  async deleteOidcProvider(arn: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await db
        .deleteFrom('oidc_providers')
        .where('arn', '=', arn)
        .returning('account_id')
        .executeTakeFirst();
      if (row === undefined) throw new NoSuchEntityError(msg.noProvider(arn));
      emit({ entity: 'oidc-provider', op: 'delete', accountId: row.account_id, key: arn });
    });
  }

  // ---------------------------------------------------------------- workloads

  private workloadQuery(db: Db) {
    return db
      .selectFrom('workloads as w')
      .leftJoin('roles as r', (join) =>
        join
          .onRef('r.account_id', '=', 'w.account_id')
          .on('r.name_key', '=', sql<string>`lower(w.role_name)`),
      )
      .selectAll('w')
      .select('r.arn as role_arn');
  }

  async putWorkload<K extends WorkloadKind>(
    accountId: AccountId,
    input: PutWorkloadInput<K>,
  ): Promise<Workload<K>> {
    return this.write(async (db, emit) => {
      const role = await this.lockRole(db, accountId, input.roleName);
      const now = this.now();
      const existing = await db
        .selectFrom('workloads')
        .select('created_at')
        .where('account_id', '=', accountId)
        .where('kind', '=', input.kind)
        .where('name', '=', input.name)
        .executeTakeFirst();
      const row = {
        account_id: accountId,
        kind: input.kind,
        name: input.name,
        role_name: role.role_name,
        settings: toJson(input.settings ?? {}),
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
      if (existing === undefined) {
        await db.insertInto('workloads').values(row).execute();
      } else {
        await db
          .updateTable('workloads')
          .set({ role_name: row.role_name, settings: row.settings, updated_at: now })
          .where('account_id', '=', accountId)
          .where('kind', '=', input.kind)
          .where('name', '=', input.name)
          .execute();
      }
      emit({
        entity: 'workload',
        op: existing === undefined ? 'create' : 'update',
        accountId,
        key: `${input.kind}/${input.name}`,
      });
      return toWorkload<K>({ ...row, role_arn: role.arn });
    });
  }

  async getWorkload<K extends WorkloadKind>(
    accountId: AccountId,
    kind: K,
    name: string,
  ): Promise<Workload<K>> {
    const row = await this.workloadQuery(this.db)
      .where('w.account_id', '=', accountId)
      .where('w.kind', '=', kind)
      .where('w.name', '=', name)
      .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(`Workload ${kind}/${name} cannot be found.`);
    return toWorkload<K>(row);
  }

  async listWorkloads<K extends WorkloadKind = WorkloadKind>(
    accountId: AccountId,
    filter?: { kind?: K; roleName?: string },
  ): Promise<Workload<K>[]> {
    let q = this.workloadQuery(this.db).where('w.account_id', '=', accountId);
    if (filter?.kind !== undefined) q = q.where('w.kind', '=', filter.kind);
    if (filter?.roleName !== undefined)
      q = q.where(sql<string>`lower(w.role_name)`, '=', filter.roleName.toLowerCase());
    const rows = await q.orderBy('w.kind').orderBy('w.name').execute();
    return rows.map((row) => toWorkload<K>(row));
  }

  async deleteWorkload(accountId: AccountId, kind: WorkloadKind, name: string): Promise<void> {
    await this.write(async (db, emit) => {
      const result = await db
        .deleteFrom('workloads')
        .where('account_id', '=', accountId)
        .where('kind', '=', kind)
        .where('name', '=', name)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new NoSuchEntityError(`Workload ${kind}/${name} cannot be found.`);
      emit({ entity: 'workload', op: 'delete', accountId, key: `${kind}/${name}` });
    });
  }

  // ---------------------------------------------------------------- admin access keys

  async createAccessKey(input: CreateAccessKeyInput): Promise<AccessKey> {
    return this.write(async (db, emit) => {
      await this.requireAccount(db, input.accountId);
      const row = {
        access_key_id: input.accessKeyId,
        account_id: input.accountId,
        user_name: input.userName,
        sealed_secret: bytesToText(input.sealedSecret),
        status: input.status ?? 'Active',
        created_at: this.now(),
      };
      const taken = await db
        .selectFrom('access_keys')
        .select('access_key_id')
        .where('access_key_id', '=', row.access_key_id)
        .executeTakeFirst();
      if (taken !== undefined)
        throw new EntityAlreadyExistsError(`Access key ${input.accessKeyId} already exists.`);
      await db.insertInto('access_keys').values(row).execute();
      emit({ entity: 'access-key', op: 'create', accountId: input.accountId, key: input.accessKeyId });
      return toAccessKey(row);
    });
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKey> {
    const key = await this.findAccessKey(accessKeyId);
    if (key === undefined)
      throw new NoSuchEntityError(`The Access Key with id ${accessKeyId} cannot be found.`);
    return key;
  }

  async findAccessKey(accessKeyId: string): Promise<AccessKey | undefined> {
    const row = await this.db
      .selectFrom('access_keys')
      .selectAll()
      .where('access_key_id', '=', accessKeyId)
      .executeTakeFirst();
    return row === undefined ? undefined : toAccessKey(row);
  }

  async listAccessKeys(accountId: AccountId, userName?: string): Promise<AccessKey[]> {
    let q = this.db.selectFrom('access_keys').selectAll().where('account_id', '=', accountId);
    if (userName !== undefined) q = q.where('user_name', '=', userName);
    const rows = await q.orderBy('created_at').orderBy('access_key_id').execute();
    return rows.map(toAccessKey);
  }

  async updateAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await db
        .updateTable('access_keys')
        .set({ status })
        .where('access_key_id', '=', accessKeyId)
        .returning('account_id')
        .executeTakeFirst();
      if (row === undefined)
        throw new NoSuchEntityError(`The Access Key with id ${accessKeyId} cannot be found.`);
      emit({ entity: 'access-key', op: 'update', accountId: row.account_id, key: accessKeyId });
    });
  }

  async deleteAccessKey(accessKeyId: string): Promise<void> {
    await this.write(async (db, emit) => {
      const row = await db
        .deleteFrom('access_keys')
        .where('access_key_id', '=', accessKeyId)
        .returning('account_id')
        .executeTakeFirst();
      if (row === undefined)
        throw new NoSuchEntityError(`The Access Key with id ${accessKeyId} cannot be found.`);
      emit({ entity: 'access-key', op: 'delete', accountId: row.account_id, key: accessKeyId });
    });
  }

  // ---------------------------------------------------------------- key ring

  async getKeyRing(): Promise<KeyRingRecord | undefined> {
    const row = await this.db.selectFrom('key_ring').selectAll().where('id', '=', 1).executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      version: Number(row.version),
      sealed: bytesFrom(row.sealed),
      updateDate: new Date(row.updated_at),
    };
  }

  async putKeyRing(sealed: Uint8Array, expectedVersion: number): Promise<KeyRingRecord> {
    const conflict = () =>
      new ConcurrentModificationError('The key ring was changed by another writer; read it again and retry.');
    return this.write(async (db, emit) => {
      const now = this.now();
      const version = expectedVersion + 1;
      const text = bytesToText(sealed);
      if (expectedVersion === 0) {
        const existing = await db.selectFrom('key_ring').select('id').where('id', '=', 1).executeTakeFirst();
        if (existing !== undefined) throw conflict();
        try {
          await db.insertInto('key_ring').values({ id: 1, version, sealed: text, updated_at: now }).execute();
        } catch (error) {
          if (isUniqueViolation(error)) throw conflict();
          throw error;
        }
      } else {
        const result = await db
          .updateTable('key_ring')
          .set({ version, sealed: text, updated_at: now })
          .where('id', '=', 1)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw conflict();
      }
      emit({ entity: 'key-ring', op: expectedVersion === 0 ? 'create' : 'update', key: 'key-ring' });
      return { version, sealed: new Uint8Array(sealed), updateDate: new Date(now) };
    });
  }

  // ---------------------------------------------------------------- session revocation

  async revokeRoleSessions(
    accountId: AccountId,
    roleName: string,
    issuedBefore: Date,
  ): Promise<RoleRevocation> {
    return this.write(async (db, emit) => {
      const role = await this.lockRole(db, accountId, roleName);
      const existing = await db
        .selectFrom('role_revocations')
        .selectAll()
        .where('role_id', '=', role.role_id)
        .executeTakeFirst();
      const wanted = issuedBefore.toISOString();
      if (existing !== undefined && existing.revoked_before >= wanted) {
        return { roleId: role.role_id, revokedBefore: new Date(existing.revoked_before) };
      }
      if (existing === undefined) {
        await db
          .insertInto('role_revocations')
          .values({ role_id: role.role_id, revoked_before: wanted })
          .execute();
      } else {
        await db
          .updateTable('role_revocations')
          .set({ revoked_before: wanted })
          .where('role_id', '=', role.role_id)
          .execute();
      }
      emit({
        entity: 'role-revocation',
        op: existing === undefined ? 'create' : 'update',
        accountId,
        key: role.role_name,
      });
      return { roleId: role.role_id, revokedBefore: new Date(wanted) };
    });
  }

  async getRoleRevocation(roleId: string): Promise<RoleRevocation | undefined> {
    const row = await this.db
      .selectFrom('role_revocations')
      .selectAll()
      .where('role_id', '=', roleId)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { roleId: row.role_id, revokedBefore: new Date(row.revoked_before) };
  }

  // ---------------------------------------------------------------- account settings

  async getAccountSetting(accountId: AccountId, name: string): Promise<JsonValue | undefined> {
    const row = await this.db
      .selectFrom('account_settings')
      .select('value')
      .where('account_id', '=', accountId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? undefined : (JSON.parse(row.value) as JsonValue);
  }

  async putAccountSetting(accountId: AccountId, name: string, value: JsonValue | undefined): Promise<void> {
    await this.write(async (db, emit) => {
      await this.requireAccount(db, accountId);
      const deleted = await db
        .deleteFrom('account_settings')
        .where('account_id', '=', accountId)
        .where('name', '=', name)
        .executeTakeFirst();
      const existed = Number(deleted.numDeletedRows) > 0;
      if (value !== undefined) {
        await db
          .insertInto('account_settings')
          .values({ account_id: accountId, name, value: toJson(value), updated_at: this.now() })
          .execute();
      } else if (!existed) {
        return;
      }
      emit({
        entity: 'account-setting',
        op: value === undefined ? 'delete' : existed ? 'update' : 'create',
        accountId,
        key: name,
      });
    });
  }

  // ---------------------------------------------------------------- access log

  async appendAccessEvents(events: AccessEventInput[]): Promise<void> {
    if (events.length === 0) return;
    const completions = events.filter((e) => e.completes === true);
    if (completions.length > 0) events = events.filter((e) => e.completes !== true);
    // No change events: the log is not part of the model the snapshot caches.
    await this.write(async (db) => {
      const fresh = new Set<string>();
      for (const chunk of chunks(events, EVENT_CHUNK)) {
        const inserted = await db
          .insertInto('access_events')
          .values(chunk.map(toEventRow))
          .onConflict((oc) => oc.column('event_id').doNothing())
          .returning('event_id')
          .execute();
        for (const row of inserted) fresh.add(row.event_id);
      }
      const aggregates = new Map<string, Insertable<LastAccessedTable>>();
      for (const event of events) {
        if (!fresh.has(event.eventId) || event.roleName === undefined) continue;
        const roleKey = event.roleName.toLowerCase();
        const at = event.eventTime.toISOString();
        for (const access of event.accesses ?? []) {
          const key = JSON.stringify([event.accountId, roleKey, access.action, access.resource]);
          const row = aggregates.get(key) ?? {
            account_id: event.accountId,
            role_name: event.roleName,
            role_key: roleKey,
            action: access.action,
            resource: access.resource,
            first_accessed: at,
            last_accessed: at,
            allowed_count: 0,
            denied_count: 0,
          };
          if (at < row.first_accessed) row.first_accessed = at;
          if (at > row.last_accessed) row.last_accessed = at;
          if (access.allowed) row.allowed_count = Number(row.allowed_count) + 1;
          else row.denied_count = Number(row.denied_count) + 1;
          aggregates.set(key, row);
        }
      }
      for (const chunk of chunks([...aggregates.values()], EVENT_CHUNK)) {
        await db
          .insertInto('last_accessed')
          .values(chunk)
          .onConflict((oc) =>
            oc.columns(['account_id', 'role_key', 'action', 'resource']).doUpdateSet({
              first_accessed: sql<string>`case when excluded.first_accessed < last_accessed.first_accessed then excluded.first_accessed else last_accessed.first_accessed end`,
              last_accessed: sql<string>`case when excluded.last_accessed > last_accessed.last_accessed then excluded.last_accessed else last_accessed.last_accessed end`,
              allowed_count: sql<number>`last_accessed.allowed_count + excluded.allowed_count`,
              denied_count: sql<number>`last_accessed.denied_count + excluded.denied_count`,
              role_name: sql<string>`excluded.role_name`,
            }),
          )
          .execute();
      }
      for (const event of completions) {
        await db
          .updateTable('access_events')
          .set({
            record: toJson(event.record),
            decision: event.decision,
            error_code: event.errorCode ?? null,
          })
          .where('event_id', '=', event.eventId)
          .execute();
      }
    });
  }

  async listAccessEvents(filter: AccessEventFilter = {}): Promise<AccessEvent[]> {
    let query = this.db.selectFrom('access_events').selectAll();
    if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
    if (filter.roleName !== undefined) query = query.where('role_key', '=', filter.roleName.toLowerCase());
    if (filter.since !== undefined) query = query.where('event_time', '>=', filter.since.toISOString());
    if (filter.until !== undefined) query = query.where('event_time', '<', filter.until.toISOString());
    if (filter.deniedOnly === true) query = query.where('decision', '!=', 'allow');
    const after = filter.after;
    if (after !== undefined) {
      const time = after.eventTime.toISOString();
      query = query.where((eb) =>
        eb.or([
          eb('event_time', '>', time),
          eb.and([eb('event_time', '=', time), eb('event_id', '>', after.eventId)]),
        ]),
      );
    }
    const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 1000)), 100_000);
    const rows = await query.orderBy('event_time').orderBy('event_id').limit(limit).execute();
    return rows.map(toAccessEvent);
  }

  async listLastAccessed(
    accountId: AccountId,
    filter: { roleName?: string; since?: Date } = {},
  ): Promise<LastAccessed[]> {
    let query = this.db.selectFrom('last_accessed').selectAll().where('account_id', '=', accountId);
    if (filter.roleName !== undefined) query = query.where('role_key', '=', filter.roleName.toLowerCase());
    if (filter.since !== undefined) query = query.where('last_accessed', '>=', filter.since.toISOString());
    const rows = await query.orderBy('role_key').orderBy('action').orderBy('resource').execute();
    return rows.map((row) => ({
      accountId: row.account_id,
      roleName: row.role_name,
      action: row.action,
      resource: row.resource,
      firstAccessed: new Date(row.first_accessed),
      lastAccessed: new Date(row.last_accessed),
      allowedCount: Number(row.allowed_count),
      deniedCount: Number(row.denied_count),
    }));
  }

  async pruneAccessEvents(before: Date): Promise<number> {
    return this.write(async (db) => {
      const result = await db
        .deleteFrom('access_events')
        .where('event_time', '<', before.toISOString())
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  // ---------------------------------------------------------------- role policy snapshots

  async saveRolePolicySnapshot(
    accountId: AccountId,
    roleName: string,
    reason: string,
    snapshot: JsonValue,
  ): Promise<RolePolicySnapshot> {
    return this.write(async (db) => {
      const role = await this.lockRole(db, accountId, roleName);
      const row = {
        snapshot_id: randomUUID(),
        account_id: accountId,
        role_key: role.name_key,
        role_name: role.role_name,
        reason,
        snapshot: toJson(snapshot),
        created_at: this.now(),
      };
      await db.insertInto('role_policy_snapshots').values(row).execute();
      return toSnapshot(row);
    });
  }

  async listRolePolicySnapshots(accountId: AccountId, roleName: string): Promise<RolePolicySnapshot[]> {
    const rows = await this.db
      .selectFrom('role_policy_snapshots')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('role_key', '=', roleName.toLowerCase())
      .orderBy('created_at', 'desc')
      .orderBy('snapshot_id', 'desc')
      .execute();
    return rows.map(toSnapshot);
  }

  async deleteRolePolicySnapshot(snapshotId: string): Promise<void> {
    await this.write(async (db) => {
      const result = await db
        .deleteFrom('role_policy_snapshots')
        .where('snapshot_id', '=', snapshotId)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) {
        throw new NoSuchEntityError(`Policy snapshot ${snapshotId} cannot be found.`);
      }
    });
  }
}

/** Rows per multi-row insert: well under SQLite's bound-parameter limit. */
const EVENT_CHUNK = 200;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toEventRow(event: AccessEventInput): Insertable<AccessEventsTable> {
  return {
    event_id: event.eventId,
    event_time: event.eventTime.toISOString(),
    account_id: event.accountId,
    role_name: event.roleName ?? null,
    role_key: event.roleName?.toLowerCase() ?? null,
    principal_arn: event.principalArn ?? null,
    channel: event.channel,
    event_source: event.eventSource,
    event_name: event.eventName,
    decision: event.decision,
    error_code: event.errorCode ?? null,
    record: toJson(event.record),
  };
}

function toAccessEvent(row: Selectable<AccessEventsTable>): AccessEvent {
  const event: AccessEvent = {
    eventId: row.event_id,
    eventTime: new Date(row.event_time),
    accountId: row.account_id,
    channel: row.channel,
    eventSource: row.event_source,
    eventName: row.event_name,
    decision: row.decision as AccessEvent['decision'],
    record: JSON.parse(row.record) as JsonValue,
  };
  if (row.role_name !== null) event.roleName = row.role_name;
  if (row.principal_arn !== null) event.principalArn = row.principal_arn;
  if (row.error_code !== null) event.errorCode = row.error_code;
  return event;
}

function toSnapshot(row: Selectable<RolePolicySnapshotsTable>): RolePolicySnapshot {
  return {
    snapshotId: row.snapshot_id,
    accountId: row.account_id,
    roleName: row.role_name,
    reason: row.reason,
    snapshot: JSON.parse(row.snapshot) as JsonValue,
    createdAt: new Date(row.created_at),
  };
}

/**
 * Adds or replaces tags by key. Roles compare keys without case (IAM: "you can't have separate
 * Department and department tag keys"), keeping the newest spelling; other resources compare
 * keys exactly. Past the quota, `LimitExceeded`.
 */
export function mergeTags(current: Tag[], added: Tag[], caseInsensitiveKeys: boolean): Tag[] {
  const norm = (k: string) => (caseInsensitiveKeys ? k.toLowerCase() : k);
  const result = [...current];
  for (const tag of added) {
    const i = result.findIndex((t) => norm(t.key) === norm(tag.key));
    if (i >= 0) result[i] = { key: tag.key, value: tag.value };
    else result.push({ key: tag.key, value: tag.value });
  }
  if (result.length > IAM_QUOTAS.tagsPerResource) {
    throw new LimitExceededError('The number of tags has reached the maximum limit.');
  }
  return result;
}
