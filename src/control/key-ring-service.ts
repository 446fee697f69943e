/**
 * Keeps the process's key ring: loaded from the store (sealed under the master key), created on
 * first start, rotated on a timer. Several processes over one store race safely through the
 * store's optimistic version: the loser reloads what the winner wrote.
 *
 * Across replicas (PostgreSQL) only the leader (`Store.leadership`, an advisory lock) rotates;
 * every replica reloads the ring when the store's generation feed reports another process's write,
 * and on its own timer. A new key is published `prepublishSeconds` before it seals
 * (`DEFAULT_ROTATION`), so every replica holds it before the first token sealed with it reaches them.
 */
import {
  createKeyRing,
  exportKeyRing,
  importKeyRing,
  nextKeyRingChange,
  rotateKeyRing,
  type KeyRing,
  type KeyRotationPolicy,
} from '../crypto/index.js';
import { isAwsError } from '../errors.js';
import type { Leadership, Store } from '../store/store.js';

export interface KeyRingServiceOptions {
  store: Store;
  masterKey: Uint8Array;
  policy?: KeyRotationPolicy;
  now?: () => Date;
}

/**
 * A new sealing key every 24 hours, in the ring 10 minutes before it seals; old keys live as long
 * as sessions sealed with them can.
 */
export const DEFAULT_ROTATION: KeyRotationPolicy = {
  rotationIntervalSeconds: 24 * 3600,
  prepublishSeconds: 600,
};

export class KeyRingService {
  private ring: KeyRing | undefined;
  private version = 0;
  private timer: NodeJS.Timeout | undefined;
  private leadership: Leadership | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly policy: KeyRotationPolicy;
  private readonly now: () => Date;

  constructor(private readonly options: KeyRingServiceOptions) {
    this.policy = options.policy ?? DEFAULT_ROTATION;
    this.now = options.now ?? (() => new Date());
  }

  /** The current ring; `start` must have resolved. */
  current = (): KeyRing => {
    if (this.ring === undefined) throw new Error('key ring not loaded');
    return this.ring;
  };

  async start(): Promise<void> {
    await this.load();
    this.leadership = await this.options.store.leadership();
    await this.rotate();
    const feed = await this.options.store.generationFeed();
    if (feed !== undefined) {
      let seen = -1;
      this.unsubscribe.push(
        feed.subscribe((generation) => {
          if (generation <= seen) return;
          seen = generation;
          this.reload().catch(() => undefined);
        }),
      );
    }
    // Leadership gained (the leader died or lost its session): catch up on a rotation it missed.
    this.unsubscribe.push(
      this.leadership.onChange((leader) => {
        if (leader) this.rotate().catch(() => undefined);
      }),
    );
    this.schedule();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** Rotate now if the policy says so and this process leads, persisting the new ring. */
  async rotate(): Promise<void> {
    if (this.leadership?.isLeader() === false) {
      await this.reload();
      return;
    }
    const ring = this.current();
    const next = rotateKeyRing(ring, this.now(), this.policy);
    if (next === ring) return;
    await this.save(next);
  }

  private async load(): Promise<void> {
    const record = await this.options.store.getKeyRing();
    if (record === undefined) {
      await this.save(createKeyRing(this.now()));
      return;
    }
    this.ring = importKeyRing(record.sealed, this.options.masterKey);
    this.version = record.version;
  }

  /** Takes the stored ring when another process wrote a newer one. */
  private async reload(): Promise<void> {
    const record = await this.options.store.getKeyRing();
    if (record === undefined || record.version <= this.version) return;
    this.ring = importKeyRing(record.sealed, this.options.masterKey);
    this.version = record.version;
  }

  private async save(next: KeyRing): Promise<void> {
    try {
      const record = await this.options.store.putKeyRing(
        exportKeyRing(next, this.options.masterKey),
        this.version,
      );
      this.ring = next;
      this.version = record.version;
    } catch (error) {
      // Another process wrote first: its ring is as good as ours, and must be the one used.
      if (isAwsError(error) && error.code === 'ConcurrentModification') await this.load();
      else throw error;
    }
  }

  private schedule(): void {
    const at = nextKeyRingChange(this.current(), this.policy).getTime();
    // Timers cap at ~24.8 days; re-check at least hourly so clock jumps are caught too. A follower
    // re-reads the ring every minute besides the feed.
    const cap = this.leadership?.isLeader() === false ? 60_000 : 3600_000;
    const delay = Math.max(1000, Math.min(at - this.now().getTime(), cap));
    this.timer = setTimeout(() => {
      this.rotate()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }
}
