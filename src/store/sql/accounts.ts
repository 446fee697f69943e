/**
 * Accounts: the tenants every other entity belongs to.
 */
import { EntityAlreadyExistsError, NoSuchEntityError } from '../../iam/errors.js';
import type { Account, AccountId } from '../../iam/types.js';
import { toAccount } from '../rows.js';
import type { CreateAccountInput } from '../store.js';
import { SqlContext } from './context.js';

export class AccountsSql extends SqlContext {
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
}
