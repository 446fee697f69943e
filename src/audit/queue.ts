/**
 * The access log's write path: a bounded in-memory queue that the request path `offer`s events
 * to, written to the store in batches off the request path (after `flushIntervalMs`, or at once
 * when a batch is full). A failed batch stays at the head of the queue and is retried with
 * backoff (the store skips event ids it already holds, so a batch that was in fact written is
 * not counted twice); meanwhile the queue fills, and once it is full `offer` refuses, so the
 * channel refuses the request rather than serving it unlogged.
 */
import type { Logger } from 'pino';
import type { AccessEventInput, Store } from '../store/store.js';
import type { AccessLogSink } from './types.js';

export interface AccessLogQueueOptions {
  store: Pick<Store, 'appendAccessEvents'>;
  /** Events the queue holds at most; `offer` refuses beyond (10 000). */
  capacity?: number;
  /**
   * Events per store write (100). SQLite writes run on the event loop (better-sqlite3 is
   * synchronous): about 6 ms per 100 events on a busy 2-core machine, so a larger batch would
   * stall every request in flight for longer, for little more throughput (~15k events/s either way).
   */
  batchSize?: number;
  /** How long an event may wait for a batch to fill before it is written (200 ms). */
  flushIntervalMs?: number;
  /** First retry delay after a failed write (100 ms), doubling up to `maxRetryDelayMs` (5 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Failures are logged by error name/code and batch size only, never with event contents. */
  logger?: Logger;
}

export interface AccessLogStats {
  /** Events waiting to be written. */
  queued: number;
  /** Events the store accepted. */
  written: number;
  /** `offer` calls refused because the queue was full or closed. */
  refused: number;
  /** Events given up on: still queued when `close` timed out. */
  dropped: number;
  /** Store writes that failed (each was retried). */
  failedBatches: number;
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

/**
 * The access log's sink: bounded, batching, retrying.
 *
 * @example
 * const accessLog = new AccessLogQueue({ store });
 * if (!accessLog.offer(buildAccessEvent(input))) throw new ServiceUnavailableError('access log full');
 * // on shutdown
 * await accessLog.close();
 */
export class AccessLogQueue implements AccessLogSink {
  readonly #store: Pick<Store, 'appendAccessEvents'>;
  readonly #capacity: number;
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #retryDelayMs: number;
  readonly #maxRetryDelayMs: number;
  readonly #logger: Logger | undefined;

  #pending: AccessEventInput[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #closed = false;
  /** Aborted by `close` on timeout: ends a retry wait and the writer loop. */
  readonly #abort = new AbortController();
  #written = 0;
  #refused = 0;
  #dropped = 0;
  #failedBatches = 0;

  constructor(options: AccessLogQueueOptions) {
    this.#store = options.store;
    this.#capacity = options.capacity ?? 10_000;
    this.#batchSize = options.batchSize ?? 100;
    this.#flushIntervalMs = options.flushIntervalMs ?? 200;
    this.#retryDelayMs = options.retryDelayMs ?? 100;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
    this.#logger = options.logger;
    if (!(this.#capacity >= 1 && this.#batchSize >= 1)) {
      throw new RangeError('AccessLogQueue: capacity and batchSize must be at least 1');
    }
  }

  /** Queues the event; `false` when the queue is full or closed (the caller must refuse the request). */
  offer(event: AccessEventInput): boolean {
    if (this.#closed || this.#pending.length >= this.#capacity) {
      this.#refused++;
      return false;
    }
    this.#pending.push(event);
    if (this.#writing !== undefined) return true; // the running writer will take it
    if (this.#pending.length >= this.#batchSize) {
      this.#clearTimer();
      // Next turn of the event loop: the store write never runs inside the request handler.
      setImmediate(() => this.#startWriter());
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#startWriter();
      }, this.#flushIntervalMs);
      this.#timer.unref();
    }
    return true;
  }

  /** Writes everything queued so far (retrying failed batches); resolves when the queue is empty. */
  async flush(): Promise<void> {
    this.#clearTimer();
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
      this.#pending = [];
    }
    if (this.#refused > 0) {
      this.#logger?.warn(
        { refused: this.#refused, dropped: this.#dropped, written: this.#written },
        'access log: requests were refused because the log was full',
      );
    }
  }

  stats(): AccessLogStats {
    return {
      queued: this.#pending.length,
      written: this.#written,
      refused: this.#refused,
      dropped: this.#dropped,
      failedBatches: this.#failedBatches,
    };
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
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
      try {
        await this.#store.appendAccessEvents(batch);
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
      // Only this loop removes events, and only from the head: offers during the write appended.
      this.#pending.splice(0, batch.length);
      this.#written += batch.length;
      delay = this.#retryDelayMs;
    }
  }
}
