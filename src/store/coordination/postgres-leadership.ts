/**
 * Leadership on PostgreSQL: the process that holds a session-level advisory lock on its own
 * dedicated session leads ("Advisory Locks", PostgreSQL documentation,
 * https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS). The server releases
 * the lock when that session ends, so a replica that dies, or whose session the server closes,
 * leaves the lock to the next one that tries. Followers try `pg_try_advisory_lock` every
 * `checkEveryMs`; the leader runs `select 1` on its session as often, so a session lost without
 * notice is found within that time, and a lost session is lost leadership at once. A leader
 * cut off from the database may not learn of it before the server ends its backend; the work it
 * guards is written with optimistic versions (`putKeyRing`), so a double run is harmless.
 */
import type pg from 'pg';
import type { BackoffPolicy } from './backoff.js';
import { ReconnectingSession } from './session.js';
import type { Leadership } from './types.js';

/** The advisory lock's first key: "cpln", so the lock is easy to spot in `pg_locks`. */
const LOCK_CLASS = 0x63706c6e;

export interface PostgresLeadershipOptions {
  url: string;
  schema: string;
  applicationName: string;
  /** 2000 ms by default. */
  checkEveryMs?: number;
  backoff?: BackoffPolicy;
  onError?: (error: Error) => void;
}

/**
 * Starts competing for leadership of the store's schema (one leader per schema); the first attempt
 * is awaited.
 *
 * @example
 * const leadership = await startPostgresLeadership({ url, schema, applicationName: 'credplane' });
 * if (leadership.isLeader()) await keyRing.rotate();
 */
export async function startPostgresLeadership(options: PostgresLeadershipOptions): Promise<Leadership> {
  const listeners = new Set<(leader: boolean) => void>();
  let leader = false;
  const become = (next: boolean): void => {
    if (leader === next) return;
    leader = next;
    for (const listener of [...listeners]) {
      try {
        listener(next);
      } catch (error) {
        options.onError?.(error as Error);
      }
    }
  };
  const tryLock = async (client: pg.Client): Promise<void> => {
    const result = await client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock($1, hashtext($2)) as locked',
      [LOCK_CLASS, `credplane-leader:${options.schema}`],
    );
    become(result.rows[0]?.locked === true);
  };
  const session = new ReconnectingSession({
    url: options.url,
    schema: options.schema,
    applicationName: options.applicationName,
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    setUp: tryLock,
    onLost: () => become(false),
  });
  await session.start();

  let busy = false;
  const timer = setInterval(() => {
    const client = session.client;
    if (client === undefined || busy) return;
    busy = true;
    (leader ? client.query('select 1') : tryLock(client))
      .catch((error: unknown) => session.drop(client, error as Error))
      .finally(() => {
        busy = false;
      });
  }, options.checkEveryMs ?? 2000);
  timer.unref();

  return {
    isLeader: () => leader,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      clearInterval(timer);
      listeners.clear();
      become(false);
      await session.close();
    },
  };
}
