/**
 * The access log's sink for `credplane up`: an event is written to this process's journal
 * (`journal.ts`, one `write(2)`) before the request is answered, and reaches the store in the
 * background, in batches (`queue.ts`'s lazy path): a request no longer waits for a store
 * transaction, and many requests share one. The journal's segments are deleted once the store
 * holds their events; a process killed before that leaves them for the next start to replay
 * (`journal-replay.ts`).
 *
 * Bounded as before: when the queue already holds `capacity` events the store has not taken
 * (the store is down or slow), or the journal cannot be written (disk full, I/O error), the event
 * is refused and the caller refuses its request — a call is never answered unlogged.
 */
import type { Logger } from 'pino';
import type { AccessEventInput, Store } from '../store/store.js';
import { AccessJournal, type JournalOptions } from './journal.js';
import { AccessLogQueue, type AccessLogStats } from './queue.js';
import type { AccessLogSink } from './types.js';

export interface JournaledAccessLogOptions extends JournalOptions {
  store: Pick<Store, 'appendAccessEvents'>;
  logger?: Logger;
  /** Events held for the store at most (10 000); refused beyond. */
  capacity?: number;
  /** How long an event may wait for others to share its store write (100 ms, as `queue.ts`'s lazy path). */
  drainDelayMs?: number;
  /** Events per store write (100). */
  batchSize?: number;
}

const REFUSED = Promise.resolve(false);

function errorLabel(error: unknown): string {
  // The name and code only: nothing from the event.
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} ${code}` : error.name;
  }
  return typeof error;
}

/**
 * @example
 * const accessLog = new JournaledAccessLog({ dir: path.join(dataDir, 'access-journal'), key, store });
 * if (!(await accessLog.commit(event))) throw new ServiceUnavailableError('access log unavailable');
 * await accessLog.close();
 */
export class JournaledAccessLog implements AccessLogSink {
  readonly journal: AccessJournal;
  readonly #queue: AccessLogQueue;
  readonly #logger: Logger | undefined;
  /** Events queued without a journal record (`append`'s completions): not counted as drained. */
  readonly #unjournaled = new WeakSet<AccessEventInput>();
  #journalFailures = 0;

  constructor(options: JournaledAccessLogOptions) {
    this.journal = new AccessJournal(options);
    this.#logger = options.logger;
    const journal = this.journal;
    this.#queue = new AccessLogQueue({
      store: options.store,
      capacity: options.capacity ?? 10_000,
      batchSize: options.batchSize ?? 100,
      lazyDelayMs: options.drainDelayMs ?? 100,
      onWritten: (events) => {
        let journaled = 0;
        for (const event of events) if (!this.#unjournaled.has(event)) journaled++;
        journal.drained(journaled);
      },
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }

  /**
   * `true` once the event is in the journal; `false` when it must be refused. Never rejects.
   *
   * Group commit: the events committed within one turn of the event loop (the requests whose
   * data arrived in one wake-up) are written with one `write(2)` at the end of that turn
   * (`setImmediate`), and each commit resolves only after that write returned, so nothing is
   * answered before its event is in the journal, as before. On a loaded machine a `write(2)`
   * costs a request far more than its bytes (docs/benchmarks.md, "Where the time goes: gateway").
   */
  commit(event: AccessEventInput): Promise<boolean> {
    // Room first, counting the events waiting for this turn's write: each journaled event must
    // also be queued, or the journal's drained count would drift from the queue's.
    if (!this.#queue.hasRoom(this.#batch.length + 1)) {
      this.#refusedFull++;
      return REFUSED;
    }
    // Encoded here, not when the batch is written: an event the journal cannot encode (too
    // large) is refused alone instead of failing the write every request of this turn shares.
    let line: Buffer;
    try {
      line = this.journal.encode(event);
    } catch (error) {
      this.#failed(error, 1);
      return REFUSED;
    }
    this.#batch.push(event);
    this.#lines.push(line);
    if (this.#batch.length === 1) setImmediate(this.#writeBatch);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** This turn's committed events, written with one `write(2)` (see `commit`). */
  #batch: AccessEventInput[] = [];
  /** Their journal records, encoded in `commit`. */
  #lines: Buffer[] = [];
  #waiting: ((committed: boolean) => void)[] = [];
  /** Events refused because the queue was full (or closed) when they came or were to be written. */
  #refusedFull = 0;
  readonly #writeBatch = (): void => {
    const events = this.#batch;
    const lines = this.#lines;
    const waiting = this.#waiting;
    if (events.length === 0) return;
    this.#batch = [];
    this.#lines = [];
    this.#waiting = [];
    // Completions (`append`) may have taken room since: journal only what the queue can take now.
    const room = this.#queue.room();
    const taken = events.length <= room ? events : events.slice(0, room);
    this.#refusedFull += events.length - taken.length;
    const written = taken.length > 0 && this.#take(taken, taken === events ? lines : lines.slice(0, room));
    waiting.forEach((resolve, i) => resolve(written && i < taken.length));
  };

  /**
   * A forwarded call's outcome, completing an event already journaled: queued for the store
   * without a journal record of its own, as before the journal (the answer has gone; nothing
   * waits on it). A process killed before it is drained leaves the event without the backend's
   * outcome (docs/access-log.md). `false` when the queue is full or closed.
   */
  append(event: AccessEventInput): boolean {
    if (!this.#queue.append(event)) return false;
    this.#unjournaled.add(event);
    return true;
  }

  /** Writes everything journaled so far into the store. */
  flush(): Promise<void> {
    this.#writeBatch();
    return this.#queue.flush();
  }

  /**
   * Drains into the store (up to `timeoutMs`) and closes the journal; events the store did not
   * take stay in the journal for the next start.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    this.#writeBatch();
    await this.#queue.close(timeoutMs);
    this.journal.close();
    if (this.#journalFailures > 0) {
      this.#logger?.warn(
        { refused: this.#journalFailures },
        'access log: requests were refused because the journal could not be written',
      );
    }
    if (this.#refusedFull > 0) {
      this.#logger?.warn(
        { refused: this.#refusedFull },
        'access log: requests were refused because the log could not take their events',
      );
    }
  }

  stats(): AccessLogStats & { journalFailures: number } {
    const stats = this.#queue.stats();
    return {
      ...stats,
      refused: stats.refused + this.#refusedFull + this.#journalFailures,
      journalFailures: this.#journalFailures,
    };
  }

  /**
   * Journals, then queues for the store (which has room for them: checked in the same turn);
   * `false` (refuse the requests) when the journal cannot take them.
   */
  #take(events: AccessEventInput[], lines: Buffer[]): boolean {
    try {
      this.journal.appendEncoded(lines);
    } catch (error) {
      this.#failed(error, events.length);
      return false;
    }
    for (const event of events) this.#queue.append(event);
    return true;
  }

  /** Counts `count` events the journal could not take, and logs the first and one in a thousand. */
  #failed(error: unknown, count: number): void {
    const before = this.#journalFailures;
    this.#journalFailures += count;
    // The first failure and then one in a thousand (failures 1, 1001, …, counted per event): a
    // full disk must not also flood the log.
    if (Math.floor((this.#journalFailures - 1) / 1000) !== Math.floor((before - 1) / 1000)) {
      this.#logger?.error(
        { error: errorLabel(error), refused: this.#journalFailures },
        'access log: journal write failed; request refused',
      );
    }
  }
}
