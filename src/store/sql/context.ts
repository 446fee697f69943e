/**
 * What every entity module of the SQL store shares: the database handle (the root, a
 * transaction or a savepoint), the `write()` transaction helper that publishes changes and
 * advances the store generation, the clock and id source, and the row lookups several
 * entities lock or check (account, role, policy a role may reference).
 */
import type { EventEmitter } from 'node:events';
import { CompiledQuery, sql, type ControlledTransaction, type Kysely } from 'kysely';
import type { UniqueIdPrefix } from '../../crypto/ids.js';
import { AWS_MANAGED_ACCOUNT, parsePolicyArn } from '../../iam/arn.js';
import { InvalidPrincipalError, NoSuchEntityError } from '../../iam/errors.js';
import type { AccountId } from '../../iam/types.js';
import type { Database } from '../schema.js';
import type { StoreChange } from '../store.js';
import type { GenerationFeed, Leadership } from '../coordination/types.js';
import type { LocalAccessEventInsert } from '../sqlite-access-events.js';
import type { LocalGenerationRead } from '../sqlite-generation.js';

export type Db = Kysely<Database>;
export type Emit = (change: StoreChange) => void;

export interface SqlStoreOptions {
  /** Partition written into new ARNs; `aws` by default. */
  partition?: string;
  /** Unique id source (tests pin it); `newUniqueId` from the CSPRNG by default. */
  newId?: (prefix: UniqueIdPrefix) => string;
  /** Clock; `new Date()` by default. */
  now?: () => Date;
}

export interface Shared {
  root: Db;
  events: EventEmitter;
  partition: string;
  newId: (prefix: UniqueIdPrefix) => string;
  now: () => Date;
  close: () => Promise<void>;
  /** PostgreSQL: the schema whose generation changes are `NOTIFY`ed (`coordination/postgres-feed.ts`). */
  notifySchema?: string;
  /** How the processes sharing the store coordinate; see `Store.generationFeed`, `Store.leadership`. */
  coordination: StoreCoordination;
  /** SQLite: the generation read as a prepared statement, without Kysely (`sqlite-generation.ts`). */
  readGeneration?: LocalGenerationRead;
  /** SQLite: the access log's insert as a prepared statement (`sqlite-access-events.ts`). */
  insertAccessEvent?: LocalAccessEventInsert;
}

export interface StoreCoordination {
  generationFeed(): Promise<GenerationFeed | undefined>;
  leadership(): Promise<Leadership>;
}

export interface TxState {
  trx: ControlledTransaction<Database>;
  events: StoreChange[];
  savepoints: number;
}

export const CHANGE = 'change';

export const msg = {
  noRole: (name: string) => `The role with name ${name} cannot be found.`,
  noPolicy: (arn: string) => `Policy ${arn} does not exist or is not attachable.`,
  noVersion: (arn: string, v: string) => `Policy ${arn} version ${v} does not exist or is not attachable.`,
  noProfile: (name: string) => `Instance Profile ${name} cannot be found.`,
  noProvider: (arn: string) => `OpenIDConnect Provider not found for arn ${arn}`,
};

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** `select generation from store_generation where id = 1`, in the form both dialects accept. */
export const GENERATION_QUERY: CompiledQuery<{ generation: number | string }> = CompiledQuery.raw(
  'select generation from store_generation where id = 1',
);

/**
 * Advances the store generation inside the writing transaction, last, so that the row lock it
 * takes on PostgreSQL is held only until the commit that follows (writers of the model queue
 * there, briefly; they take no other lock after it, so no deadlock). Returns the new generation.
 *
 * With `notifySchema` (PostgreSQL), the same statement `NOTIFY`s the new generation on
 * `credplane_generation` as `<schema>:<generation>`: part of the transaction, so it is sent at
 * commit, never for a write that rolled back (`coordination/postgres-feed.ts` listens).
 */
export async function advanceGeneration(db: Db, notifySchema?: string): Promise<number> {
  const update = db
    .updateTable('store_generation')
    .set({ generation: sql`generation + 1` })
    .where('id', '=', 1);
  const row =
    notifySchema === undefined
      ? await update.returning('generation').executeTakeFirstOrThrow()
      : await update
          .returning([
            'generation',
            sql<string>`pg_notify('credplane_generation', ${`${notifySchema}:`} || generation::text)::text`.as(
              'notified',
            ),
          ])
          .executeTakeFirstOrThrow();
  return Number(row.generation);
}

/** Page-fetch helpers: the keyset condition and order for `name_key`-ordered tables. */
export function pathFilter(prefix: string | undefined) {
  return prefix === undefined || prefix === '/'
    ? undefined
    : sql<boolean>`substr(path, 1, ${prefix.length}) = ${prefix}`;
}

/** Base of every entity module: the handle and transaction state one `Store` instance works on. */
export class SqlContext {
  readonly partition: string;

  constructor(
    protected readonly db: Db,
    protected readonly shared: Shared,
    protected readonly tx?: TxState,
  ) {
    this.partition = shared.partition;
  }

  protected now(): string {
    return this.shared.now().toISOString();
  }

  protected publish(changes: StoreChange[], generation: number | undefined): void {
    for (const change of changes) {
      try {
        this.shared.events.emit(CHANGE, generation === undefined ? change : { ...change, generation });
      } catch (error) {
        // The write is committed; a listener's failure must not turn it into a reported failure.
        process.emitWarning(`store change listener failed: ${(error as Error).message}`);
      }
    }
  }

  protected async write<T>(fn: (db: Db, emit: Emit) => Promise<T>): Promise<T> {
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
      if (changes.length > 0) generation = await advanceGeneration(trx, this.shared.notifySchema);
      return out;
    });
    this.publish(changes, generation);
    return result;
  }

  protected async requireAccount(db: Db, accountId: AccountId): Promise<void> {
    const row = await db
      .selectFrom('accounts')
      .select('account_id')
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (row === undefined) throw new NoSuchEntityError(`Account ${accountId} cannot be found.`);
  }

  protected roleRow(db: Db, accountId: AccountId, roleName: string) {
    return db
      .selectFrom('roles')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('name_key', '=', roleName.toLowerCase())
      .executeTakeFirst();
  }

  /** Locks the role row for the rest of the transaction and returns it. */
  protected async lockRole(db: Db, accountId: AccountId, roleName: string) {
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

  /**
   * Locks the row of each user or role a trust policy names (`trustPrincipals` of `CreateRole` /
   * `UpdateRole`) for the rest of the transaction, and fails with "Invalid principal in policy"
   * when one does not exist with exactly that ARN.
   *
   * Why in the writing transaction: `DeleteUser`, `DeleteRole` and a user's rename lock the
   * principal's row first and then rebind every trust policy naming its ARN
   * (`trust-binding.ts`). Checked outside, a principal deleted between the check and the write
   * would stay named by ARN, and a new principal of that name would be trusted. Holding the row
   * lock, the two writes serialize: the delete either commits first (this lock then finds no row
   * and the write fails) or waits for this commit (and its rebinding then sees the new policy, as
   * each statement reads what is committed when it starts on PostgreSQL, and SQLite has one
   * writer). Rows are locked in ARN order and before the role's own row, the order the rebinding
   * takes them in, so a trust save and a delete cannot deadlock.
   */
  protected async lockTrustPrincipals(db: Db, arns: readonly string[] | undefined): Promise<void> {
    for (const arn of [...new Set(arns ?? [])].sort()) {
      const parsed = /^arn:[^:]+:iam::(\d{12}):(role|user)\/(?:.*\/)?([^/]+)$/.exec(arn);
      if (parsed === null) throw new InvalidPrincipalError(arn);
      const [, accountId, kind, name] = parsed as unknown as [string, string, string, string];
      const row =
        kind === 'role'
          ? await db
              .updateTable('roles')
              .set((eb) => ({ name_key: eb.ref('name_key') }))
              .where('account_id', '=', accountId)
              .where('name_key', '=', name.toLowerCase())
              .returning('arn')
              .executeTakeFirst()
          : await db
              .updateTable('users')
              .set((eb) => ({ name_key: eb.ref('name_key') }))
              .where('account_id', '=', accountId)
              .where('name_key', '=', name.toLowerCase())
              .returning('arn')
              .executeTakeFirst();
      if (row === undefined || row.arn !== arn) throw new InvalidPrincipalError(arn);
    }
  }

  /**
   * A policy a role of `accountId` may reference: a customer managed policy of the same account
   * (which must exist) or an AWS managed policy (which the store does not hold; the API layer
   * checks those against the AWS catalog). Resolves the customer policy's id, if any, and name.
   */
  protected async requirePolicyForRole(
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
}
