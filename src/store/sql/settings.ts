/**
 * Per-account settings, JSON values by name.
 */
import type { AccountId, JsonValue } from '../../iam/types.js';
import { toJson } from '../rows.js';
import { SqlContext } from './context.js';

export class SettingsSql extends SqlContext {
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
}
