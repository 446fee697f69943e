/**
 * The generation feed on PostgreSQL: every write that advances the store generation also
 * `NOTIFY`s it in the same transaction (`advanceGeneration`, `sql/context.ts`), so the
 * notification is sent at commit and only then ("NOTIFY", PostgreSQL documentation,
 * https://www.postgresql.org/docs/15/sql-notify.html). A dedicated session LISTENs; it reconnects
 * with backoff and, on each connection, reads the generation to catch up on what it missed while
 * away. A periodic check (every second by default, one indexed single-row read per replica,
 * independent of traffic) catches anything else: a notification lost with its session before the
 * loss was noticed.
 */
import type pg from 'pg';
import type { BackoffPolicy } from './backoff.js';
import { ReconnectingSession } from './session.js';
import type { GenerationFeed } from './types.js';

/** One channel for every credplane schema; the payload names the schema (`<schema>:<generation>`). */
export const GENERATION_CHANNEL = 'credplane_generation';

export interface PostgresFeedOptions {
  url: string;
  schema: string;
  applicationName: string;
  /** Reads the generation (through the pool) for the periodic check. */
  readGeneration: () => Promise<number>;
  /** 1000 ms by default; 0 turns the periodic check off (tests). */
  checkEveryMs?: number;
  backoff?: BackoffPolicy;
  onError?: (error: Error) => void;
}

/** The payload `advanceGeneration` sends, parsed; `undefined` for another schema's. */
export function parseGenerationNotice(payload: string | undefined, schema: string): number | undefined {
  if (payload === undefined) return undefined;
  const at = payload.lastIndexOf(':');
  if (at < 0 || payload.slice(0, at) !== schema) return undefined;
  const generation = Number(payload.slice(at + 1));
  return Number.isSafeInteger(generation) ? generation : undefined;
}

/**
 * Starts listening (the first connection attempt is awaited; later ones run in the background).
 *
 * @example
 * const feed = await startPostgresFeed({ url, schema, applicationName: 'credplane', readGeneration: () => store.generation() });
 * feed.subscribe((generation) => snapshot.follow(generation));
 */
export async function startPostgresFeed(options: PostgresFeedOptions): Promise<GenerationFeed> {
  const listeners = new Set<(generation: number) => void>();
  const emit = (generation: number): void => {
    for (const listener of [...listeners]) {
      try {
        listener(generation);
      } catch (error) {
        options.onError?.(error as Error);
      }
    }
  };
  const session = new ReconnectingSession({
    url: options.url,
    schema: options.schema,
    applicationName: options.applicationName,
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    setUp: async (client: pg.Client) => {
      client.on('notification', (message) => {
        if (message.channel !== GENERATION_CHANNEL) return;
        const generation = parseGenerationNotice(message.payload, options.schema);
        if (generation !== undefined) emit(generation);
      });
      await client.query(`LISTEN ${GENERATION_CHANNEL}`);
      // Listening from here on: whatever committed before is in this read.
      const result = await client.query<{ generation: string }>(
        'select generation from store_generation where id = 1',
      );
      const row = result.rows[0];
      if (row !== undefined) queueMicrotask(() => emit(Number(row.generation)));
    },
  });
  await session.start();

  const checkEveryMs = options.checkEveryMs ?? 1000;
  let checking = false;
  const timer =
    checkEveryMs > 0
      ? setInterval(() => {
          if (checking) return;
          checking = true;
          options
            .readGeneration()
            .then(emit, (error: unknown) => options.onError?.(error as Error))
            .finally(() => {
              checking = false;
            });
        }, checkEveryMs)
      : undefined;
  timer?.unref();

  return {
    get live() {
      return session.client !== undefined;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      listeners.clear();
      await session.close();
    },
  };
}
