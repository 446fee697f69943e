/**
 * How the processes that share one store coordinate: each learns of the others' writes
 * (`GenerationFeed`), and one of them at a time runs the periodic work that must not run once per
 * replica (`Leadership`). PostgreSQL implements both on dedicated sessions (`postgres-feed.ts`,
 * `postgres-leadership.ts`); SQLite serves one host, where the per-request generation read keeps
 * caches current and the one server process is always the leader.
 */

/** The store generations this process learns of, as other processes commit. */
export interface GenerationFeed {
  /**
   * True while every committed write reaches this process as a notification (PostgreSQL: the
   * listening session is connected and LISTENing). While it is false, readers must check the
   * generation themselves.
   */
  readonly live: boolean;
  /**
   * Calls `listener` with each generation learned of: from a notification, from the periodic
   * check that catches missed ones, and once on each (re)connection. It may repeat a generation or
   * deliver an older one after a newer one; listeners compare. Returns a function that unsubscribes.
   */
  subscribe(listener: (generation: number) => void): () => void;
  close(): Promise<void>;
}

/** Whether this process is the one that runs the shared periodic work now. */
export interface Leadership {
  isLeader(): boolean;
  /** Calls `listener` each time leadership is gained (`true`) or lost (`false`). */
  onChange(listener: (leader: boolean) => void): () => void;
  close(): Promise<void>;
}

/** The single process of a store no other server shares: always the leader. */
export const SOLE_LEADER: Leadership = {
  isLeader: () => true,
  onChange: () => () => undefined,
  close: () => Promise.resolve(),
};
