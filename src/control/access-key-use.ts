/**
 * The last use of each access key (`GetAccessKeyLastUsed`), noted on the request path without a
 * write per request: the authenticator notes a use in memory (a map set), and the notes are
 * written in one transaction every `flushMs` (and on `stop()`), the latest use per key only. A
 * key used a thousand times between flushes costs one row update. Uses not yet written are
 * served from memory (`pending`), so the answer is current in this process; another replica's
 * uses show once it flushed. A failed flush keeps its notes for the next one.
 */
import type { AccessKeyUse } from '../iam/types.js';
import type { Store } from '../store/store.js';

export interface AccessKeyUseRecorderOptions {
  store: Pick<Store, 'recordAccessKeyUse'>;
  /** 10 s by default. */
  flushMs?: number;
  onError?: (error: unknown) => void;
}

export class AccessKeyUseRecorder {
  private notes = new Map<string, AccessKeyUse>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: AccessKeyUseRecorderOptions) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushMs ?? 10_000);
    this.timer.unref();
  }

  /** Notes one authenticated use; synchronous and allocation-light (one map entry per key). */
  note(accessKeyId: string, serviceName: string, region: string, date: Date): void {
    const known = this.notes.get(accessKeyId);
    // A tie goes to the later note: it is the later request.
    if (known !== undefined && known.date > date) return;
    this.notes.set(accessKeyId, { date, serviceName, region });
  }

  /** A use noted and not yet written. */
  pending(accessKeyId: string): AccessKeyUse | undefined {
    return this.notes.get(accessKeyId);
  }

  /** Writes the notes taken so far; concurrent calls queue behind each other. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.notes.size === 0) return;
      const batch = this.notes;
      this.notes = new Map();
      try {
        await this.options.store.recordAccessKeyUse(
          [...batch].map(([accessKeyId, use]) => ({ accessKeyId, ...use })),
        );
      } catch (error) {
        // Put them back unless a newer use was noted meanwhile.
        for (const [id, use] of batch) this.note(id, use.serviceName, use.region, use.date);
        this.options.onError?.(error);
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
