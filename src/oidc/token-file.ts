/**
 * The projected token file: written whole or not at all (a temporary file in the same directory,
 * then `rename`), with no trailing newline (the container credential providers of botocore and the Go SDK
 * refuse a token that ends in CR or LF), readable by its owner only, and replaced — as the kubelet does —
 * once 80% of the token's lifetime has passed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * @example
 * writeTokenFile('/run/credplane/pod/token', token);
 */
export function writeTokenFile(file: string, token: string): void {
  if (/[\r\n]/.test(token)) throw new Error('A token must not contain CR or LF');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(temp, token, { mode: 0o600, flag: 'wx' });
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/** The kubelet renews a projected token once 80% of its lifetime has passed. */
export const REFRESH_FRACTION = 0.8;

/** Epoch milliseconds at which a token issued at `issuedAt` and expiring at `expiresAt` (seconds) is renewed. */
export function refreshAt(issuedAt: number, expiresAt: number): number {
  return Math.floor((issuedAt + (expiresAt - issuedAt) * REFRESH_FRACTION) * 1000);
}

export interface TokenFileRefresherOptions {
  file: string;
  /** Mints a token valid from `issuedAt` (epoch seconds). */
  mint: () => Promise<{ token: string; issuedAt: number; expiresAt: number }>;
  now?: () => number;
  /** Told about a failed renewal; the old token stays in place and a retry follows in 10 s. */
  onError?: (error: unknown) => void;
}

/**
 * Keeps `file` holding a fresh token until `stop()`.
 *
 * @example
 * const refresher = new TokenFileRefresher({ file, mint });
 * await refresher.start(); // the file exists now
 */
export class TokenFileRefresher {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly options: TokenFileRefresherOptions) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    await this.renew();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private async renew(): Promise<void> {
    const minted = await this.options.mint();
    writeTokenFile(this.options.file, minted.token);
    this.schedule(Math.max(1000, refreshAt(minted.issuedAt, minted.expiresAt) - this.now()));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.renew().catch((error: unknown) => {
        this.options.onError?.(error);
        this.schedule(10_000);
      });
    }, delayMs);
    this.timer.unref();
  }
}
