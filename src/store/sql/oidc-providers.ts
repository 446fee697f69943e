/**
 * IAM OpenID Connect identity providers.
 */
import { oidcProviderArn, oidcProviderUrl } from '../../iam/arn.js';
import { EntityAlreadyExistsError, NoSuchEntityError } from '../../iam/errors.js';
import type { AccountId, OidcProvider } from '../../iam/types.js';
import { toJson, toOidcProvider } from '../rows.js';
import type { CreateOidcProviderInput, UpdateOidcProviderInput } from '../store.js';
import { SqlContext, msg, isUniqueViolation } from './context.js';
import { mergeTags } from './tags.js';

export class OidcProvidersSql extends SqlContext {
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
}
