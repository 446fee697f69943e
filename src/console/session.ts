/**
 * Console sessions: an id (256 random bits) in the `credplane_console` cookie, a CSRF token (256
 * bits) the page sends back in `X-CSRF-Token`, and who the session acts as. Kept in memory by the
 * SHA-256 of the id (the id itself is never stored or logged); a session ends after 30 minutes idle,
 * 12 hours after it began, at logout, or when its credential signs in a 33rd time (its least recently
 * used session goes). A restart ends every session.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const COOKIE_NAME = 'credplane_console';
export const IDLE_MS = 30 * 60_000;
export const ABSOLUTE_MS = 12 * 60 * 60_000;
/** Sessions at once; the least recently used is dropped beyond it. */
const MAX_SESSIONS = 1000;
/**
 * Sessions of one credential at once; beyond it that credential's least recently used is dropped,
 * so signing in over and over with one key ends only its own sessions, never another's.
 */
export const MAX_SESSIONS_PER_CREDENTIAL = 32;

/** Who signed in, for the per-credential limit: the access key, or the admin user. */
const credentialKey = (c: SessionCredential): string =>
  c.kind === 'access-key' ? `key:${c.accessKeyId}` : `admin:${c.accountId}:${c.userName}`;

/** Who a session acts as: resolved again on every request (`principal.ts`). */
export type SessionCredential =
  /**
   * The login token's principal: the account's admin user, held by its unique id as well as its
   * name, so a user deleted and recreated under the name since is not this session's user.
   */
  | { kind: 'admin-user'; accountId: string; userName: string; userId: string }
  /** An access key (and session token) the user signed in with; its secret was checked at login. */
  | { kind: 'access-key'; accessKeyId: string; sessionToken?: string };

export interface ConsoleSession {
  csrfToken: string;
  credential: SessionCredential;
  createdAt: number;
  lastSeenAt: number;
}

const key = (id: string): string => createHash('sha256').update(id, 'utf8').digest('base64url');

export class Sessions {
  readonly #now: () => number;
  readonly #sessions = new Map<string, ConsoleSession>();

  constructor(now: () => number) {
    this.#now = now;
  }

  /** A new session; the id goes into the cookie and nowhere else. */
  create(credential: SessionCredential): { id: string; session: ConsoleSession } {
    const id = randomBytes(32).toString('base64url');
    const now = this.#now();
    const session = {
      csrfToken: randomBytes(32).toString('base64url'),
      credential,
      createdAt: now,
      lastSeenAt: now,
    };
    // Least recently used first: the first of this credential's sessions beyond the limit goes.
    const own = credentialKey(credential);
    const mine = [...this.#sessions].filter(([, other]) => credentialKey(other.credential) === own);
    if (mine.length >= MAX_SESSIONS_PER_CREDENTIAL) this.#sessions.delete(mine[0]![0]);
    this.#sessions.set(key(id), session);
    if (this.#sessions.size > MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    return { id, session };
  }

  /** The live session of `id` (its idle clock restarted), or undefined. */
  touch(id: string): ConsoleSession | undefined {
    const k = key(id);
    const session = this.#sessions.get(k);
    if (session === undefined) return undefined;
    const now = this.#now();
    if (now - session.lastSeenAt > IDLE_MS || now - session.createdAt > ABSOLUTE_MS) {
      this.#sessions.delete(k);
      return undefined;
    }
    session.lastSeenAt = now;
    // Re-inserted so that iteration order is least recently used first.
    this.#sessions.delete(k);
    this.#sessions.set(k, session);
    return session;
  }

  /** The live session of `id` without restarting its idle clock (an open event stream's check). */
  peek(id: string): ConsoleSession | undefined {
    const session = this.#sessions.get(key(id));
    if (session === undefined) return undefined;
    const now = this.#now();
    if (now - session.lastSeenAt > IDLE_MS || now - session.createdAt > ABSOLUTE_MS) return undefined;
    return session;
  }

  end(id: string): void {
    this.#sessions.delete(key(id));
  }
}

/** The session cookie's value from a `Cookie` header (RFC 6265 §5.4), if any. */
export function sessionIdOf(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === COOKIE_NAME) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function sessionCookie(id: string): string {
  return `${COOKIE_NAME}=${id}; HttpOnly; SameSite=Strict; Path=/credplane/console`;
}

export function clearedCookie(): string {
  return `${COOKIE_NAME}=; HttpOnly; SameSite=Strict; Path=/credplane/console; Max-Age=0`;
}

/** Constant-time equality of two strings (CSRF tokens, secrets). */
export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a, 'utf8').digest();
  const y = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}
