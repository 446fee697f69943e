/**
 * Workloads: the ECS/EKS/Lambda/EC2 identities credplane delivers role credentials to.
 */
import { sql } from 'kysely';
import { NoSuchEntityError } from '../../iam/errors.js';
import type { AccountId, Workload, WorkloadKind } from '../../iam/types.js';
import { toJson, toWorkload } from '../rows.js';
import type { PutWorkloadInput } from '../store.js';
import { SqlContext, type Db } from './context.js';

export class WorkloadsSql extends SqlContext {
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
      // An EC2 instance may run without an instance profile, as EC2 allows; it is bound to no role.
      const role =
        input.kind === 'ec2-instance' && input.roleName === ''
          ? { role_name: '', arn: null }
          : await this.lockRole(db, accountId, input.roleName);
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
}
