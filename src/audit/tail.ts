/**
 * Reading the access log as `credplane logs` does: the last N events of a window, and a follower
 * that polls for new ones. Events reach the store in batches, up to a flush interval (or a retry)
 * after their `eventTime`, so an event may land behind the newest one already read: the follower
 * re-reads a short overlap window each poll and drops the event ids it has already returned.
 */
import type { AccessEvent, AccessEventFilter, Store } from '../store/store.js';

export type EventFilter = Omit<AccessEventFilter, 'after' | 'limit'>;
type Reader = Pick<Store, 'listAccessEvents'>;

/**
 * The last `limit` events matching `filter`, oldest first (pages through the window).
 *
 * @example
 * const events = await lastEvents(store, { roleName: 'web', since: parseTimeSpec('1h') }, 50);
 */
export async function lastEvents(
  store: Reader,
  filter: EventFilter,
  limit: number,
  pageSize = 1000,
): Promise<AccessEvent[]> {
  let kept: AccessEvent[] = [];
  let after: AccessEventFilter['after'];
  for (;;) {
    const page = await store.listAccessEvents({ ...filter, limit: pageSize, ...(after ? { after } : {}) });
    kept = kept.concat(page);
    if (kept.length > limit) kept = kept.slice(kept.length - limit);
    if (page.length < pageSize) return kept;
    const last = page[page.length - 1]!;
    after = { eventTime: last.eventTime, eventId: last.eventId };
  }
}

export interface FollowerOptions {
  /** How far behind the newest event read each poll looks again (10 s). */
  overlapMs?: number;
  pageSize?: number;
}

/**
 * New events since the last poll, each returned once.
 *
 * @example
 * const follower = new AccessEventFollower(store, { deniedOnly: true });
 * follower.seen(initial);
 * setInterval(async () => print(await follower.poll()), 1000);
 */
export class AccessEventFollower {
  readonly #store: Reader;
  readonly #filter: EventFilter;
  readonly #overlapMs: number;
  readonly #pageSize: number;
  /** Event ids returned within the overlap window, with their times (for pruning). */
  readonly #returned = new Map<string, number>();
  #newest: number | undefined;

  constructor(store: Reader, filter: EventFilter, options: FollowerOptions = {}) {
    this.#store = store;
    this.#filter = filter;
    this.#overlapMs = options.overlapMs ?? 10_000;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** Marks events as already shown (the initial listing). */
  seen(events: readonly AccessEvent[]): void {
    for (const event of events) this.#remember(event);
    this.#prune();
  }

  /** Events not returned before, oldest first. */
  async poll(): Promise<AccessEvent[]> {
    const fresh: AccessEvent[] = [];
    let after: AccessEventFilter['after'] =
      this.#newest === undefined
        ? undefined
        : { eventTime: new Date(this.#newest - this.#overlapMs), eventId: '' };
    for (;;) {
      const page = await this.#store.listAccessEvents({
        ...this.#filter,
        limit: this.#pageSize,
        ...(after === undefined ? {} : { after }),
      });
      for (const event of page) {
        if (this.#returned.has(event.eventId)) continue;
        fresh.push(event);
        this.#remember(event);
      }
      if (page.length < this.#pageSize) break;
      const last = page[page.length - 1]!;
      after = { eventTime: last.eventTime, eventId: last.eventId };
    }
    this.#prune();
    return fresh;
  }

  #remember(event: AccessEvent): void {
    const time = event.eventTime.getTime();
    this.#returned.set(event.eventId, time);
    if (this.#newest === undefined || time > this.#newest) this.#newest = time;
  }

  /** Ids older than the overlap window can no longer come back from a poll. */
  #prune(): void {
    if (this.#newest === undefined) return;
    const horizon = this.#newest - this.#overlapMs;
    for (const [id, time] of this.#returned) if (time < horizon) this.#returned.delete(id);
  }
}
