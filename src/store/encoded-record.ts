/**
 * The JSON text of an access event's record, as the journal already encoded it: the store's
 * drain writes that text into `access_events.record` instead of serializing the record a second
 * time (about 3.5 µs of CPU per `GetCallerIdentity` event on the event loop that answers
 * requests; docs/benchmarks.md, "The STS ladder").
 *
 * Held per event object in a `WeakMap`, so it lives no longer than the event, and only handed
 * back while `event.record` is still the object that was encoded: an event given a new record
 * (as the gateway's completion is, a copy) is serialized afresh. The stored text is then exactly
 * the record the journal holds, the one a replay after a crash would store.
 */
import type { AccessEventInput } from './store.js';

const encoded = new WeakMap<AccessEventInput, { record: AccessEventInput['record']; json: string }>();

/** `json` is `JSON.stringify(event.record)`, made while writing the event elsewhere. */
export function rememberRecordJson(event: AccessEventInput, json: string): void {
  encoded.set(event, { record: event.record, json });
}

/** `JSON.stringify(event.record)`, reusing the text already made for this record when there is one. */
export function recordJson(event: AccessEventInput): string {
  const known = encoded.get(event);
  if (known !== undefined && known.record === event.record) return known.json;
  return JSON.stringify(event.record);
}
