/**
 * `GET api/events/stream` (`cloudtrail:LookupEvents`): new access events as server-sent events
 * (`event: access`, `data: <ActivityEvent>`; HTML Living Standard, Server-sent events), read with
 * the follower `credplane logs --follow` uses (`audit/tail.ts`), a `: keep-alive` comment every
 * 15 s. At most `maxStreams` at once and `maxStreamsPerPrincipal` per principal (503 beyond), so
 * one principal cannot take the streams of every other; every stream ends when the server stops.
 *
 * A stream is one long request: before each delivery it is authorized again as a new request would
 * be (`stillAllowed`: the session still live, its credentials still valid, `cloudtrail:LookupEvents`
 * still allowed by the current policies), and it ends at the first refusal, so a logout, a deleted
 * key or a removed policy stops it as it stops the console's other requests (docs/console.md).
 */
import type http from 'node:http';
import { AccessEventFollower, lastEvents } from '../../audit/tail.js';
import type { Store } from '../../store/store.js';
import { safeJson, SECURITY_HEADERS } from '../respond.js';
import { activityEvent, matches, type EventPredicate } from './events.js';

export interface StreamOptions {
  store: Store;
  now: () => number;
  maxStreams?: number;
  maxStreamsPerPrincipal?: number;
  pollMs?: number;
  keepAliveMs?: number;
}

export class EventStreams {
  readonly #options: Required<StreamOptions>;
  readonly #open = new Set<() => void>();
  /** Open streams per principal ARN. */
  readonly #held = new Map<string, number>();

  constructor(options: StreamOptions) {
    this.#options = {
      maxStreams: 16,
      maxStreamsPerPrincipal: 4,
      pollMs: 1000,
      keepAliveMs: 15_000,
      ...options,
    };
  }

  get size(): number {
    return this.#open.size;
  }

  /** False (nothing written) when the limit is reached. */
  canOpen(owner: string): boolean {
    return (
      this.#open.size < this.#options.maxStreams &&
      (this.#held.get(owner) ?? 0) < this.#options.maxStreamsPerPrincipal
    );
  }

  /** Starts streaming to `res`; resolves once the first read is done and the headers are sent. */
  async open(
    res: http.ServerResponse,
    accountId: string,
    predicate: EventPredicate,
    stillAllowed: () => Promise<boolean>,
    owner: string,
  ): Promise<void> {
    const { store, now, pollMs, keepAliveMs } = this.#options;
    // Bounded to the last minute: with an empty window the first poll reads from there, not the log's start.
    const since = new Date(now() - 60_000);
    const follower = new AccessEventFollower(store, { accountId, since });
    let closed = false;
    let polling = false;
    const timers: NodeJS.Timeout[] = [];
    const close = (): void => {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearInterval(timer);
      this.#open.delete(close);
      const held = (this.#held.get(owner) ?? 1) - 1;
      if (held > 0) this.#held.set(owner, held);
      else this.#held.delete(owner);
      if (!res.writableEnded) res.end();
    };
    this.#open.add(close);
    this.#held.set(owner, (this.#held.get(owner) ?? 0) + 1);
    res.on('close', close);
    // What is already in the log is the page's to list: the stream starts after it.
    follower.seen(await lastEvents(store, { accountId, since }, 10_000).catch(() => []));
    if (closed) return;
    const poll = setInterval(() => {
      if (polling || closed) return;
      polling = true;
      stillAllowed()
        .catch(() => false)
        .then(async (allowed) => {
          if (!allowed) {
            close();
            return [];
          }
          return follower.poll();
        })
        .then((events) => {
          for (const event of events) {
            if (closed || !matches(event, predicate)) continue;
            res.write(`event: access\nid: ${event.eventId}\ndata: ${safeJson(activityEvent(event))}\n\n`);
          }
        })
        // A store error skips this poll; the next one reads the same window again.
        .catch(() => undefined)
        .finally(() => {
          polling = false;
        });
    }, pollMs);
    const keepAlive = setInterval(() => {
      if (!closed) res.write(': keep-alive\n\n');
    }, keepAliveMs);
    timers.push(poll, keepAlive);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': stream open\n\n');
  }

  /** Ends every stream (server stop). */
  closeAll(): void {
    for (const close of [...this.#open]) close();
  }
}
