/**
 * Opened session tokens, remembered per key ring. Opening a token (base64, AES-256-GCM, claims
 * decoding, secret derivation) is the costliest step of verifying a request, and a workload signs
 * many requests with one token; the result is a pure function of (token, access key id, ring), so
 * it is kept for the ring it was opened with (a rotated ring is a new object: its tokens are opened
 * afresh) and only the expiry, the one time-dependent check, is made again on every use.
 *
 * A hit hands back the secret the request must be signed with; the signature check that follows
 * is what proves the caller holds it, as on a miss. It is the same frozen object the opening made,
 * so callers may key caches of their own by its identity (see `authenticate.ts`).
 */
import { ExpiredTokenError, openSessionToken, type KeyRing, type OpenedSession } from '../crypto/index.js';

/** Entries per ring before the map starts over (a bound on memory, not an LRU). */
const MAX_ENTRIES = 4096;

const byRing = new WeakMap<KeyRing, Map<string, { accessKeyId: string; opened: OpenedSession }>>();

/**
 * `openSessionToken`, remembered.
 *
 * @example
 * const { secretAccessKey, claims } = openSessionTokenCached(token, 'ASIA...', ring, Date.now());
 */
export function openSessionTokenCached(
  token: string,
  accessKeyId: string,
  ring: KeyRing,
  nowMs: number,
): OpenedSession {
  let entries = byRing.get(ring);
  if (entries === undefined) {
    entries = new Map();
    byRing.set(ring, entries);
  }
  const hit = entries.get(token);
  if (hit !== undefined && hit.accessKeyId === accessKeyId) {
    // Expired from the `expiresAt` second on, exactly as `openSessionToken` decides.
    if (!(nowMs < hit.opened.claims.expiresAt * 1000)) {
      entries.delete(token);
      throw new ExpiredTokenError();
    }
    return hit.opened;
  }
  // Frozen: every request signed with this token shares the object (and callers key caches by
  // its identity, see `authenticate.ts`), so none may change it for the others.
  const opened = Object.freeze(openSessionToken(token, accessKeyId, ring, new Date(nowMs)));
  if (entries.size >= MAX_ENTRIES) entries.clear();
  entries.set(token, { accessKeyId, opened });
  return opened;
}
