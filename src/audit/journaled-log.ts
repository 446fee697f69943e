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

const COMMITTED = Promise.resolve(true);
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

  /** `true` once the event is in the journal; `false` when it must be refused. Never rejects. */
  commit(event: AccessEventInput): Promise<boolean> {
    return this.#take(event) ? COMMITTED : REFUSED;
  }

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
    return this.#queue.flush();
  }

  /**
   * Drains into the store (up to `timeoutMs`) and closes the journal; events the store did not
   * take stay in the journal for the next start.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    await this.#queue.close(timeoutMs);
    this.journal.close();
    if (this.#journalFailures > 0) {
      this.#logger?.warn(
        { refused: this.#journalFailures },
        'access log: requests were refused because the journal could not be written',
      );
    }
  }

  stats(): AccessLogStats & { journalFailures: number } {
    const stats = this.#queue.stats();
    return {
      ...stats,
      refused: stats.refused + this.#journalFailures,
      journalFailures: this.#journalFailures,
    };
  }

  /** Journals, then queues for the store; `false` (refuse the request) when either cannot take it. */
  #take(event: AccessEventInput): boolean {
    // Room first: a journaled event must also be queued, or the journal's drained count would
    // drift from the queue's.
    if (!this.#queue.hasRoom()) {
      this.#queue.append(event); // refused and counted by the queue
      return false;
    }
    try {
      this.journal.append(event);
    } catch (error) {
      this.#journalFailures++;
      // The first failure and then one in a thousand: a full disk must not also flood the log.
      if (this.#journalFailures % 1000 === 1) {
        this.#logger?.error(
          { error: errorLabel(error), refused: this.#journalFailures },
          'access log: journal write failed; request refused',
        );
      }
      return false;
    }
    this.#queue.append(event);
    return true;
  }
}
