/**
 * Keeps the process's key ring: loaded from the store (sealed under the master key), created on
 * first start, rotated on a timer. Several processes over one store race safely through the
 * store's optimistic version: the loser reloads what the winner wrote.
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
import type { Store } from '../store/store.js';

export interface KeyRingServiceOptions {
  store: Store;
  masterKey: Uint8Array;
  policy?: KeyRotationPolicy;
  now?: () => Date;
}

/** A new sealing key every 24 hours; old keys live as long as sessions sealed with them can. */
export const DEFAULT_ROTATION: KeyRotationPolicy = { rotationIntervalSeconds: 24 * 3600 };

export class KeyRingService {
  private ring: KeyRing | undefined;
  private version = 0;
  private timer: NodeJS.Timeout | undefined;
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
    await this.rotate();
    this.schedule();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  /** Rotate now if the policy says so, persisting the new ring. */
  async rotate(): Promise<void> {
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
    // Timers cap at ~24.8 days; re-check at least hourly so clock jumps are caught too.
    const delay = Math.max(1000, Math.min(at - this.now().getTime(), 3600_000));
    this.timer = setTimeout(() => {
      this.rotate()
        .catch(() => undefined)
        .finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }
}
