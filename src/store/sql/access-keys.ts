/**
 * Users' access keys (the long-term keys that sign calls to the control plane), at most two per
 * user, and their last use, which the authenticator records in batches.
 */
import { EntityAlreadyExistsError, LimitExceededError, NoSuchEntityError } from '../../iam/errors.js';
import { IAM_QUOTAS } from '../../iam/quotas.js';
import type { AccessKey, AccessKeyStatus, AccountId } from '../../iam/types.js';
import { bytesToText, toAccessKey } from '../rows.js';
import type { AccessKeyUseInput, CreateAccessKeyInput } from '../store.js';
import { SqlContext } from './context.js';

export class AccessKeysSql extends SqlContext {
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
        last_used_at: null,
        last_used_service: null,
        last_used_region: null,
      };
      // A key belongs to a user that exists; locking its row serializes creations past the quota.
      const user = await db
        .updateTable('users')
        .set((eb) => ({ name_key: eb.ref('name_key') }))
        .where('account_id', '=', input.accountId)
        .where('name_key', '=', input.userName.toLowerCase())
        .returning('user_name')
        .executeTakeFirst();
      if (user === undefined) {
        throw new NoSuchEntityError(`The user with name ${input.userName} cannot be found.`);
      }
      row.user_name = user.user_name;
      const held = await db
        .selectFrom('access_keys')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('account_id', '=', input.accountId)
        // The user's name as stored (its keys carry it), not as the request spelled it.
        .where('user_name', '=', user.user_name)
        .executeTakeFirstOrThrow();
      if (Number(held.n) >= IAM_QUOTAS.accessKeysPerUser) {
        throw new LimitExceededError(
          `Cannot exceed quota for AccessKeysPerUser: ${IAM_QUOTAS.accessKeysPerUser}`,
        );
      }
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

  async recordAccessKeyUse(uses: AccessKeyUseInput[]): Promise<void> {
    if (uses.length === 0) return;
    // No change event and no generation step: last use changes no decision (see `Store`).
    await this.db.transaction().execute(async (trx) => {
      for (const use of uses) {
        const at = use.date.toISOString();
        await trx
          .updateTable('access_keys')
          .set({ last_used_at: at, last_used_service: use.serviceName, last_used_region: use.region })
          .where('access_key_id', '=', use.accessKeyId)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
          .execute();
      }
    });
  }
}
