/**
 * Customer managed policies and their versions.
 */
import { sql } from 'kysely';
import { policyArn as formatPolicyArn } from '../../iam/arn.js';
import {
  DeleteConflictError,
  EntityAlreadyExistsError,
  LimitExceededError,
  NoSuchEntityError,
} from '../../iam/errors.js';
import { IAM_QUOTAS } from '../../iam/quotas.js';
import type { AccountId, ManagedPolicy, PolicyVersion } from '../../iam/types.js';
import { pageOf } from '../pagination.js';
import { toJson, toPolicy, toPolicyVersion, versionNumber, type PolicyRow } from '../rows.js';
import type { CreatePolicyInput, ListPoliciesOptions, Page } from '../store.js';
import { SqlContext, msg, isUniqueViolation, type Db } from './context.js';
import { mergeTags } from './tags.js';

export class ManagedPoliciesSql extends SqlContext {
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
        // Users and groups hold attachments too (`principal_attachments`).
        eb
          .selectFrom('principal_attachments as pa')
          .select((e) => e.fn.countAll().as('n'))
          .whereRef('pa.policy_id', '=', 'p.policy_id')
          .as('principal_attachment_count'),
        eb
          .selectFrom('roles as r')
          .select((e) => e.fn.countAll().as('n'))
          .whereRef('r.permissions_boundary_arn', '=', 'p.arn')
          .as('boundary_count'),
        eb
          .selectFrom('users as u')
          .select((e) => e.fn.countAll().as('n'))
          .whereRef('u.permissions_boundary_arn', '=', 'p.arn')
          .as('user_boundary_count'),
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
      return toPolicy({
        ...row,
        attachment_count: 0,
        principal_attachment_count: 0,
        boundary_count: 0,
        user_boundary_count: 0,
      });
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
            eb.or([
              eb.exists(
                eb
                  .selectFrom('role_attachments as a')
                  .select('a.role_id')
                  .whereRef('a.policy_id', '=', 'p.policy_id'),
              ),
              eb.exists(
                eb
                  .selectFrom('principal_attachments as pa')
                  .select('pa.owner_id')
                  .whereRef('pa.policy_id', '=', 'p.policy_id'),
              ),
            ]),
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
      const used = toPolicy(row);
      if (used.attachmentCount > 0 || used.permissionsBoundaryUsageCount > 0) {
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
}
