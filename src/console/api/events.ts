/**
 * `GET api/events` and `GET api/events/<eventId>` (`cloudtrail:LookupEvents`, as `credplane logs`):
 * the access log newest first with filters and a `before` cursor, and one event's record with, for
 * a denial, its explanation as `sts:DecodeAuthorizationMessage` gives it
 * (`control/authorization-message.ts`).
 */
import { decodeDenial } from '../../control/authorization-message.js';
import type { JsonValue } from '../../iam/types.js';
import type { AccessEvent } from '../../store/store.js';
import { allows, lookupEventsCheck, requireAll } from '../authorization.js';
import type { ActivityDetail, ActivityEvent, ActivityPage } from '../contract.js';
import { ConsoleApiError, notFound } from '../respond.js';
import { eachEvent, type ApiContext } from './context.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

export function activityEvent(event: AccessEvent): ActivityEvent {
  const record = objectOf(event.record);
  const ip = record?.sourceIPAddress;
  return {
    eventId: event.eventId,
    eventTime: event.eventTime.toISOString(),
    channel: event.channel,
    eventSource: event.eventSource,
    eventName: event.eventName,
    ...(event.principalArn === undefined ? {} : { principalArn: event.principalArn }),
    ...(event.roleName === undefined ? {} : { roleName: event.roleName }),
    decision: event.decision,
    ...(event.errorCode === undefined ? {} : { errorCode: event.errorCode }),
    ...(typeof ip === 'string' ? { sourceIPAddress: ip } : {}),
  };
}

function objectOf(value: JsonValue | undefined): { [key: string]: JsonValue } | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

export interface EventPredicate {
  principal?: string;
  service?: string;
  action?: string;
  decision?: string;
}

/** The filters of the activity screen; the stream applies the same ones. */
export function eventPredicate(query: URLSearchParams): EventPredicate {
  const out: EventPredicate = {};
  for (const key of ['principal', 'service', 'action', 'decision'] as const) {
    const value = query.get(key);
    if (value !== null && value !== '') out[key] = value.slice(0, 2048);
  }
  if (out.decision !== undefined && !['allow', 'deny', 'audit-deny'].includes(out.decision)) {
    throw new ConsoleApiError('ValidationError', 'decision must be allow, deny or audit-deny.');
  }
  return out;
}

/**
 * `principal` matches the principal ARN or role name (substring, any case); `service` the event
 * source's prefix (`s3` for `s3.amazonaws.com`); `action` the event name or `service:EventName`.
 */
export function matches(event: AccessEvent, p: EventPredicate): boolean {
  if (p.decision !== undefined && event.decision !== p.decision) return false;
  const source = event.eventSource.toLowerCase();
  const service = source.endsWith('.amazonaws.com') ? source.slice(0, -'.amazonaws.com'.length) : source;
  if (p.service !== undefined && service !== p.service.toLowerCase()) return false;
  if (p.action !== undefined) {
    const action = p.action.toLowerCase();
    const name = event.eventName.toLowerCase();
    if (action !== name && action !== `${service}:${name}`) return false;
  }
  if (p.principal !== undefined) {
    const wanted = p.principal.toLowerCase();
    const arn = event.principalArn?.toLowerCase() ?? '';
    const role = event.roleName?.toLowerCase() ?? '';
    if (!arn.includes(wanted) && role !== wanted) return false;
  }
  return true;
}

interface Cursor {
  t: number;
  id: string;
}

const encodeCursor = (e: AccessEvent): string =>
  Buffer.from(JSON.stringify({ t: e.eventTime.getTime(), id: e.eventId })).toString('base64url');

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null) {
      const { t, id } = value as { t?: unknown; id?: unknown };
      if (typeof t === 'number' && Number.isFinite(t) && typeof id === 'string') return { t, id };
    }
  } catch {
    // Falls through to the error.
  }
  throw new ConsoleApiError('ValidationError', 'before is not a cursor this API gave.');
}

/** Sorts before the cursor in the log's `(eventTime, eventId)` order. */
const beforeCursor = (e: AccessEvent, c: Cursor): boolean =>
  e.eventTime.getTime() < c.t || (e.eventTime.getTime() === c.t && e.eventId < c.id);

export async function listEvents(ctx: ApiContext): Promise<ActivityPage> {
  requireAll(ctx.auth, [lookupEventsCheck], ctx.ring);
  const predicate = eventPredicate(ctx.query);
  const limitText = ctx.query.get('limit');
  const limit = limitText === null ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new ConsoleApiError('ValidationError', `limit must be an integer from 1 to ${MAX_LIMIT}.`);
  }
  const beforeText = ctx.query.get('before');
  const cursor = beforeText === null ? undefined : decodeCursor(beforeText);
  // The store reads oldest first: keep the newest `limit + 1` matches (one more says a next page).
  const kept: AccessEvent[] = [];
  for await (const event of eachEvent(ctx.store, {
    accountId: ctx.arns.accountId,
    ...(cursor === undefined ? {} : { until: new Date(cursor.t + 1) }),
    ...(predicate.decision === 'deny' || predicate.decision === 'audit-deny' ? { deniedOnly: true } : {}),
  })) {
    if (cursor !== undefined && !beforeCursor(event, cursor)) continue;
    if (!matches(event, predicate)) continue;
    kept.push(event);
    if (kept.length > limit + 1) kept.shift();
  }
  kept.reverse();
  const page = kept.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map(activityEvent),
    ...(kept.length > limit && last !== undefined ? { next: encodeCursor(last) } : {}),
  };
}

const ENCODED = /Encoded authorization failure message: ([A-Za-z0-9_\-+/=.]+)/;

/**
 * `sts:DecodeAuthorizationMessage`, which the decoded message needs besides `LookupEvents`: the
 * message describes the deciding statements of another principal's policies, and "access to it must
 * be controlled" by that action (STS API Reference, DecodeAuthorizationMessage).
 */
const decodeCheck = { action: 'sts:DecodeAuthorizationMessage', resource: '*' };

/**
 * The explanation of a denied event: the sealed message decoded when the caller may decode it, else
 * the record's checks (part of the record `LookupEvents` returns anyway).
 */
function explanationOf(ctx: ApiContext, event: AccessEvent): JsonValue | undefined {
  if (event.decision === 'allow') return undefined;
  const record = objectOf(event.record);
  const message = record?.errorMessage;
  if (typeof message === 'string' && allows(ctx.auth, [decodeCheck])) {
    const encoded = ENCODED.exec(message)?.[1];
    const decoded = encoded === undefined ? undefined : decodeDenial(encoded, ctx.ring);
    if (decoded !== undefined) return JSON.parse(decoded) as JsonValue;
  }
  const checks = objectOf(record?.credplane)?.checks;
  if (!Array.isArray(checks)) return undefined;
  const denied = checks.filter((c) => objectOf(c)?.decision !== 'Allow');
  return { checks: denied.length > 0 ? denied : checks };
}

export async function eventDetail(ctx: ApiContext, eventId: string): Promise<ActivityDetail> {
  requireAll(ctx.auth, [lookupEventsCheck], ctx.ring);
  // `at` (the event's time, as listed) narrows the search to that millisecond.
  const at = ctx.query.get('at');
  const time = at === null ? undefined : Date.parse(at);
  const window =
    time === undefined || Number.isNaN(time) ? {} : { since: new Date(time), until: new Date(time + 1) };
  for await (const event of eachEvent(ctx.store, { accountId: ctx.arns.accountId, ...window })) {
    if (event.eventId !== eventId) continue;
    const explanation = explanationOf(ctx, event);
    return {
      event: activityEvent(event),
      record: event.record,
      ...(explanation === undefined ? {} : { explanation }),
    };
  }
  throw notFound(`No access event ${eventId.slice(0, 64)}.`);
}
