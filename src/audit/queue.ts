/**
 * The access log's write path, a group commit: the request path hands each event to `commit` and
 * waits for the store to hold it before it answers. Events that arrive while a batch is being
 * written wait for the next batch, which starts as soon as the previous one is in: concurrent
 * requests share one transaction, so a request waits about one commit and throughput stays that
 * of batched writes. A failed batch stays at the head of the queue and is retried with backoff
 * (the store skips event ids it already holds, so a batch that was in fact written is not
 * counted twice); a caller whose event is not in the store within `commitTimeoutMs`, or that
 * finds the queue full, is told `false` and must refuse its request rather than answer it unlogged.
 *
 * What "in the store" means is the store's commit: SQLite in WAL mode with `synchronous = NORMAL`
 * has the transaction in the WAL file (written, not fsynced) when it returns, which survives the
 * process being killed but not the machine losing power; PostgreSQL has it flushed to its WAL
 * (`synchronous_commit = on`, the default).
 */
import type { Logger } from 'pino';
import type { AccessEventInput, Store } from '../store/store.js';
import type { AccessLogSink } from './types.js';

export interface AccessLogQueueOptions {
  store: Pick<Store, 'appendAccessEvents'>;
  /** Events the queue holds at most; `commit` refuses beyond (10 000). */
  capacity?: number;
  /**
   * Events per store write (100). SQLite writes run on the event loop (better-sqlite3 is
   * synchronous): about 6 ms per 100 events on a busy 2-core machine, so a larger batch would
   * stall every request in flight for longer, for little more throughput (~15k events/s either way).
   */
  batchSize?: number;
  /**
   * How long `commit` waits for its event to be in the store before it answers `false` (5 s). The
   * event stays queued and may still be written: the log may hold an event for a call that was
   * refused, never the other way round.
   */
  commitTimeoutMs?: number;
  /**
   * How long an `append`ed event may wait for a batch to ride with before it is written on its own
   * (100 ms): outcomes of forwarded calls share the next request's transaction instead of costing
   * one each.
   */
  lazyDelayMs?: number;
  /** First retry delay after a failed write (100 ms), doubling up to `maxRetryDelayMs` (5 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Failures are logged by error name/code and batch size only, never with event contents. */
  logger?: Logger;
  /** Told after each batch the store accepted, with its events (in queue order). */
  onWritten?: (events: readonly AccessEventInput[]) => void;
}

export interface AccessLogStats {
  /** Events waiting to be written. */
  queued: number;
  /** Events the store accepted. */
  written: number;
  /** `commit` calls refused because the queue was full or closed. */
  refused: number;
  /** `commit` calls answered `false` because the store had not taken the event in time. */
  timedOut: number;
  /** Events given up on: still queued when `close` timed out. */
  dropped: number;
  /** Store writes that failed (each was retried). */
  failedBatches: number;
}

/** One queued event and the request waiting for it. */
interface Waiter {
  event: AccessEventInput;
  deadline: number;
  /** Undefined once answered (written, timed out, or dropped). */
  resolve: ((committed: boolean) => void) | undefined;
}

/** Resolves after `ms`, or as soon as `signal` fires; never keeps the process alive. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function errorLabel(error: unknown): string {
  // The name and code only: a driver's message may quote the values it was given.
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} ${code}` : error.name;
  }
  return typeof error;
}

function answer(waiter: Waiter, committed: boolean): void {
  const resolve = waiter.resolve;
  waiter.resolve = undefined;
  resolve?.(committed);
}

/**
 * The access log's sink: bounded, group-committing, retrying.
 *
 * @example
 * const accessLog = new AccessLogQueue({ store });
 * if (!(await accessLog.commit(buildAccessEvent(input)))) throw new ServiceUnavailableError('access log unavailable');
 * // on shutdown
 * await accessLog.close();
 */
export class AccessLogQueue implements AccessLogSink {
  readonly #store: Pick<Store, 'appendAccessEvents'>;
  readonly #capacity: number;
  readonly #batchSize: number;
  readonly #commitTimeoutMs: number;
  readonly #lazyDelayMs: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #logger: Logger | undefined;
  readonly #onWritten: ((events: readonly AccessEventInput[]) => void) | undefined;

  #pending: Waiter[] = [];
  #scheduled = false;
  #lazyTimer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  /** Fires at the earliest deadline of a waiter not yet answered, while there is one. */
  #deadlineTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Aborted by `close` on timeout: ends a retry wait and the writer loop. */
  readonly #abort = new AbortController();
  #written = 0;
  #refused = 0;
  #timedOut = 0;
  #dropped = 0;
  #failedBatches = 0;

  constructor(options: AccessLogQueueOptions) {
    this.#store = options.store;
    this.#capacity = options.capacity ?? 10_000;
    this.#batchSize = options.batchSize ?? 100;
    this.#commitTimeoutMs = options.commitTimeoutMs ?? 5_000;
    this.#lazyDelayMs = options.lazyDelayMs ?? 100;
    this.#retryDelayMs = options.retryDelayMs ?? 100;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
    this.#logger = options.logger;
    this.#onWritten = options.onWritten;
    if (!(this.#capacity >= 1 && this.#batchSize >= 1)) {
      throw new RangeError('AccessLogQueue: capacity and batchSize must be at least 1');
    }
  }

  /**
   * Queues the event and resolves once the store holds it (`true`), or `false` when the queue is
   * full or closed, or the store did not take it within `commitTimeoutMs`. Never rejects.
   */
  commit(event: AccessEventInput): Promise<boolean> {
    if (this.#closed || this.#pending.length >= this.#capacity) {
      this.#refused++;
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve) => {
      this.#pending.push({ event, deadline: Date.now() + this.#commitTimeoutMs, resolve });
      this.#armDeadline();
      if (this.#writing === undefined && !this.#scheduled) {
        // Next turn of the event loop: requests handled in this turn join the same batch, and the
        // store write never runs inside a request handler.
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#startWriter();
        });
      }
    });
  }

  /** Queues an event nobody waits for; written with the next batch or after `lazyDelayMs`. */
  append(event: AccessEventInput): boolean {
    if (this.#closed || this.#pending.length >= this.#capacity) {
      this.#refused++;
      return false;
    }
    // A deadline like any other keeps the queue ordered by deadline (`#expire` stops at the first
    // one not yet due); with no waiter, nothing is answered when it passes.
    this.#pending.push({ event, deadline: Date.now() + this.#commitTimeoutMs, resolve: undefined });
    if (this.#writing === undefined && !this.#scheduled && this.#lazyTimer === undefined) {
      this.#lazyTimer = setTimeout(() => {
        this.#lazyTimer = undefined;
        this.#startWriter();
      }, this.#lazyDelayMs);
      this.#lazyTimer.unref();
    }
    return true;
  }

  /** Would `commit` or `append` take `count` more events now (not closed, not full)? */
  hasRoom(count = 1): boolean {
    return count <= this.room();
  }

  /** How many more events `commit` or `append` would take now (0 when closed). */
  room(): number {
    return this.#closed ? 0 : Math.max(0, this.#capacity - this.#pending.length);
  }

  /** Writes everything queued so far (retrying failed batches); resolves when the queue is empty. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 && !this.#abort.signal.aborted) {
      this.#startWriter();
      await this.#writing;
    }
  }

  /**
   * Stops accepting events and drains the queue. If the store still fails after `timeoutMs`
   * (5 s), the events left are dropped and counted (`stats().dropped`).
   */
  async close(timeoutMs = 5_000): Promise<void> {
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.flush().then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.#abort.abort();
      await this.#writing;
      this.#dropped += this.#pending.length;
      if (this.#pending.length > 0) {
        this.#logger?.error(
          { dropped: this.#pending.length },
          'access log: store unavailable at shutdown; events dropped',
        );
      }
      for (const waiter of this.#pending) answer(waiter, false);
      this.#pending = [];
    }
    this.#clearDeadline();
    if (this.#lazyTimer !== undefined) clearTimeout(this.#lazyTimer);
    this.#lazyTimer = undefined;
    if (this.#refused > 0 || this.#timedOut > 0) {
      this.#logger?.warn(
        { refused: this.#refused, timedOut: this.#timedOut, dropped: this.#dropped, written: this.#written },
        'access log: requests were refused because the log could not take their events',
      );
    }
  }

  stats(): AccessLogStats {
    return {
      queued: this.#pending.length,
      written: this.#written,
      refused: this.#refused,
      timedOut: this.#timedOut,
      dropped: this.#dropped,
      failedBatches: this.#failedBatches,
    };
  }

  #startWriter(): void {
    if (this.#writing !== undefined || this.#pending.length === 0) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
    });
  }

  /** The one writer: batch after batch until the queue is empty; a failed batch is retried. */
  async #drain(): Promise<void> {
    let delay = this.#retryDelayMs;
    while (this.#pending.length > 0 && !this.#abort.signal.aborted) {
      const batch = this.#pending.slice(0, this.#batchSize);
      const events = batch.map((w) => w.event);
      try {
        await this.#store.appendAccessEvents(events);
      } catch (error) {
        this.#failedBatches++;
        this.#logger?.warn(
          { events: batch.length, error: errorLabel(error), retryInMs: delay },
          'access log: store write failed; retrying',
        );
        await sleep(delay, this.#abort.signal);
        delay = Math.min(delay * 2, this.#maxRetryDelayMs);
        continue;
      }
      // Only this loop removes events, and only from the head: commits during the write appended.
      this.#pending.splice(0, batch.length);
      this.#written += batch.length;
      this.#onWritten?.(events);
      for (const waiter of batch) answer(waiter, true);
      delay = this.#retryDelayMs;
    }
    if (this.#pending.length === 0) this.#clearDeadline();
  }

  #armDeadline(): void {
    if (this.#deadlineTimer !== undefined) return;
    const first = this.#pending.find((w) => w.resolve !== undefined);
    if (first === undefined) return;
    this.#deadlineTimer = setTimeout(
      () => {
        this.#deadlineTimer = undefined;
        this.#expire();
      },
      Math.max(0, first.deadline - Date.now()),
    );
    this.#deadlineTimer.unref();
  }

  /** Answers `false` to every waiter past its deadline (their events stay queued). */
  #expire(): void {
    const now = Date.now();
    for (const waiter of this.#pending) {
      if (waiter.deadline > now) break;
      if (waiter.resolve === undefined) continue;
      this.#timedOut++;
      answer(waiter, false);
    }
    this.#armDeadline();
  }

  #clearDeadline(): void {
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
  }
}
