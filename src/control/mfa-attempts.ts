/**
 * Bounds guessing of a virtual MFA device's one-time codes. A code is 6 digits and one of three
 * steps' codes is accepted, so a caller holding a user's key (the theft MFA is there for) would
 * find a valid code within about 333,000 unbounded guesses. After `MFA_FAILURES_BEFORE_LOCK`
 * wrong codes in a row the device accepts no code, the right one included, for `MFA_LOCK_MS`
 * (RFC 4226 section 7.3, "Throttling": the server should lock out after a number of failed
 * attempts). Only attempts by the device's own user are counted (`control/mfa-code.ts` refuses
 * others before the code is looked at), so nobody else can lock a user out; the map therefore
 * holds at most one entry per enabled device.
 *
 * The count is kept by each server process: with several replicas a guesser gets this bound per
 * replica, still a fixed number of guesses per lock period.
 */

/** Wrong codes in a row before the device is locked. */
export const MFA_FAILURES_BEFORE_LOCK = 5;
/** How long a locked device accepts no code. */
export const MFA_LOCK_MS = 15 * 60_000;

interface Failures {
  count: number;
  lockedUntil?: number;
}

export class MfaAttempts {
  private readonly failures = new Map<string, Failures>();

  /** Whether the device accepts no code at `now` (epoch ms). */
  locked(serialNumber: string, now: number): boolean {
    const entry = this.failures.get(serialNumber);
    if (entry?.lockedUntil === undefined) return false;
    if (now < entry.lockedUntil) return true;
    // The lock has run out: the device starts over.
    this.failures.delete(serialNumber);
    return false;
  }

  /** Notes a wrong (or replayed) code; the device locks at the limit. */
  failed(serialNumber: string, now: number): void {
    const entry = this.failures.get(serialNumber) ?? { count: 0 };
    entry.count += 1;
    if (entry.count >= MFA_FAILURES_BEFORE_LOCK) entry.lockedUntil = now + MFA_LOCK_MS;
    this.failures.set(serialNumber, entry);
  }

  /** A code was accepted: wrong codes before it no longer count. */
  succeeded(serialNumber: string): void {
    this.failures.delete(serialNumber);
  }
}
