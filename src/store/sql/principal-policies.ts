/**
 * Inline and attached managed policies of users and groups: one table each, keyed by the owner's
 * unique id (`AIDA…` or `AGPA…`). The owner's row is locked by the caller before any write here.
 */
import { LimitExceededError, NoSuchEntityError } from '../../iam/errors.js';
import type { AttachedPolicy, EmbeddedPolicy } from '../../iam/types.js';
import { pageOf } from '../pagination.js';
import type { ListOptions, Page } from '../store.js';
import type { Db } from './context.js';

/** Creates or replaces; resolves whether the policy is new. */
export async function putInline(
  db: Db,
  ownerId: string,
  policyName: string,
  document: string,
): Promise<boolean> {
  const key = policyName.toLowerCase();
  const existing = await db
    .selectFrom('principal_policies')
    .select('name_key')
    .where('owner_id', '=', ownerId)
    .where('name_key', '=', key)
    .executeTakeFirst();
  if (existing === undefined) {
    await db
      .insertInto('principal_policies')
      .values({ owner_id: ownerId, policy_name: policyName, name_key: key, document })
      .execute();
    return true;
  }
  await db
    .updateTable('principal_policies')
    .set({ policy_name: policyName, document })
    .where('owner_id', '=', ownerId)
    .where('name_key', '=', key)
    .execute();
  return false;
}

export async function getInline(
  db: Db,
  ownerId: string,
  policyName: string,
  notFound: string,
): Promise<EmbeddedPolicy> {
  const row = await db
    .selectFrom('principal_policies')
    .select(['policy_name', 'document'])
    .where('owner_id', '=', ownerId)
    .where('name_key', '=', policyName.toLowerCase())
    .executeTakeFirst();
  if (row === undefined) throw new NoSuchEntityError(notFound);
  return { policyName: row.policy_name, document: row.document };
}

export function listInline(
  db: Db,
  owner: () => Promise<string>,
  options: ListOptions | undefined,
): Promise<Page<EmbeddedPolicy>> {
  return pageOf(
    options,
    async (after, limit) => {
      const ownerId = await owner();
      let q = db.selectFrom('principal_policies').selectAll().where('owner_id', '=', ownerId);
      if (after !== undefined) q = q.where('name_key', '>', after);
      return q.orderBy('name_key').limit(limit).execute();
    },
    (r) => r.name_key,
    (r) => ({ policyName: r.policy_name, document: r.document }),
  );
}

export async function deleteInline(
  db: Db,
  ownerId: string,
  policyName: string,
  notFound: string,
): Promise<void> {
  const result = await db
    .deleteFrom('principal_policies')
    .where('owner_id', '=', ownerId)
    .where('name_key', '=', policyName.toLowerCase())
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new NoSuchEntityError(notFound);
}

/** Resolves false when the policy was already attached (IAM's attach is idempotent). */
export async function attach(
  db: Db,
  ownerId: string,
  policy: { arn: string; id: string | null; name: string },
  quota: { limit: number; name: string },
  now: string,
): Promise<boolean> {
  const attached = await db
    .selectFrom('principal_attachments')
    .select('policy_arn')
    .where('owner_id', '=', ownerId)
    .execute();
  if (attached.some((a) => a.policy_arn === policy.arn)) return false;
  if (attached.length >= quota.limit) {
    throw new LimitExceededError(`Cannot exceed quota for ${quota.name}: ${quota.limit}`);
  }
  await db
    .insertInto('principal_attachments')
    .values({
      owner_id: ownerId,
      policy_arn: policy.arn,
      policy_id: policy.id,
      policy_name: policy.name,
      attached_at: now,
    })
    .execute();
  return true;
}

export async function detach(db: Db, ownerId: string, policyArn: string): Promise<void> {
  const result = await db
    .deleteFrom('principal_attachments')
    .where('owner_id', '=', ownerId)
    .where('policy_arn', '=', policyArn)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new NoSuchEntityError(`Policy ${policyArn} was not found.`);
}

export function listAttached(
  db: Db,
  owner: () => Promise<string>,
  options: ListOptions | undefined,
): Promise<Page<AttachedPolicy>> {
  return pageOf(
    options,
    async (after, limit) => {
      const ownerId = await owner();
      let q = db.selectFrom('principal_attachments').selectAll().where('owner_id', '=', ownerId);
      if (after !== undefined) q = q.where('policy_arn', '>', after);
      return q.orderBy('policy_arn').limit(limit).execute();
    },
    (r) => r.policy_arn,
    (r) => ({ policyName: r.policy_name, policyArn: r.policy_arn }),
  );
}

/** How many inline and attached policies the owner has. */
export async function policyCounts(db: Db, ownerId: string): Promise<{ inline: number; attached: number }> {
  const count = async (table: 'principal_policies' | 'principal_attachments') => {
    const r = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where('owner_id', '=', ownerId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };
  return { inline: await count('principal_policies'), attached: await count('principal_attachments') };
}
