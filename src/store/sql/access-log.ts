/**
 * The access log: appended events, their listing, last-accessed records, pruning.
 */
import { sql, type Insertable, type Selectable } from 'kysely';
import type { AccountId, JsonValue } from '../../iam/types.js';
import { toJson } from '../rows.js';
import type { AccessEventsTable, LastAccessedTable } from '../schema.js';
import type { AccessEvent, AccessEventFilter, AccessEventInput, LastAccessed } from '../store.js';
import { SqlContext } from './context.js';

export class AccessLogSql extends SqlContext {
  async appendAccessEvents(events: AccessEventInput[]): Promise<void> {
    if (events.length === 0) return;
    let completions = events.filter((e) => e.completes === true);
    if (completions.length > 0) events = events.filter((e) => e.completes !== true);
    // A completion that arrives in the same batch as its event (a forwarded call's outcome is
    // usually known well within the batching delay) is folded into the event's row, saving an
    // UPDATE and a second serialization of the record per call. It still gets its UPDATE when the
    // row was already stored (a replayed or retried batch: the insert then does nothing).
    const folded = new Map<string, AccessEventInput>();
    if (completions.length > 0) {
      const inBatch = new Set(events.map((e) => e.eventId));
      for (const completion of completions) {
        if (inBatch.has(completion.eventId)) folded.set(completion.eventId, completion);
      }
    }
    // No change events: the log is not part of the model the snapshot caches.
    // SQLite outside a caller's transaction: one prepared statement per row (sqlite-access-events.ts).
    const local = this.tx === undefined ? this.shared.insertAccessEvent : undefined;
    await this.write(async (db) => {
      const fresh = new Set<string>();
      if (local !== undefined) {
        for (const event of events) {
          if (local(toEventRow(event, folded.get(event.eventId)))) fresh.add(event.eventId);
        }
      }
      for (const chunk of local === undefined ? chunks(events, EVENT_CHUNK) : []) {
        const inserted = await db
          .insertInto('access_events')
          .values(chunk.map((event) => toEventRow(event, folded.get(event.eventId))))
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
      // Folded into a row just inserted: done (the last completion of an event was folded, as
      // applying each in turn would leave it).
      if (folded.size > 0) {
        completions = completions.filter((c) => !(fresh.has(c.eventId) && folded.has(c.eventId)));
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
}

/** Rows per multi-row insert: well under SQLite's bound-parameter limit. */
const EVENT_CHUNK = 200;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The event's row; with `completion`, its outcome (`record`, `decision`, `errorCode`) instead. */
function toEventRow(event: AccessEventInput, completion?: AccessEventInput): Insertable<AccessEventsTable> {
  const outcome = completion ?? event;
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
    decision: outcome.decision,
    error_code: outcome.errorCode ?? null,
    record: toJson(outcome.record),
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
