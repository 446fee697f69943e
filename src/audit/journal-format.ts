/**
 * The access-log journal's record format: one event per line, `<tag> <json>\n`, where `<json>` is
 * the `AccessEventInput` exactly as the store receives it (already redacted by `audit/record.ts`)
 * and `<tag>` is the first 16 bytes of HMAC-SHA256(journal key, json) in base64url (22
 * characters). The tag is both the checksum (a torn or bit-flipped record fails it) and the
 * proof that credplane wrote the record: the key is derived from the master key, which need not
 * be in the data directory (`CREDPLANE_MASTER_KEY`), so a file planted or edited there cannot add
 * events to a shared PostgreSQL log.
 *
 * Newline framing lets a reader resume after a damaged record: JSON escapes every control
 * character in strings, so a record never contains a raw newline.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { AccessEventInput } from '../store/store.js';

/** The longest record written or read (8 MiB); a longer line is refused or skipped as damaged. */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;
const TAG_BYTES = 16;
const TAG_CHARS = 22;
const NEWLINE = 0x0a;
const SPACE = 0x20;

/** The journal's HMAC key, derived from the master key (a key of its own: never the master key itself). */
export function journalKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'credplane access-log journal v1', 32));
}

function tag(key: Buffer, json: Buffer | string): Buffer {
  return createHmac('sha256', key).update(json).digest().subarray(0, TAG_BYTES);
}

/**
 * One record, newline included. Throws `RangeError` beyond `MAX_RECORD_BYTES`.
 *
 * On every answered call: the JSON is encoded to UTF-8 once, into the line, and the tag computed
 * over those bytes (tagging the string would encode it a second time inside the HMAC).
 */
export function encodeRecord(key: Buffer, event: AccessEventInput): Buffer {
  const json = JSON.stringify(event);
  const jsonBytes = Buffer.byteLength(json);
  const length = TAG_CHARS + 1 + jsonBytes + 1;
  if (length > MAX_RECORD_BYTES) throw new RangeError('access-log event too large for the journal');
  const line = Buffer.allocUnsafe(length);
  line.write(json, TAG_CHARS + 1, 'utf8');
  line.write(tag(key, line.subarray(TAG_CHARS + 1, length - 1)).toString('base64url'), 0, 'latin1');
  line[TAG_CHARS] = SPACE;
  line[length - 1] = NEWLINE;
  return line;
}

/**
 * One line's event (without its newline), or `undefined` when the line is damaged or forged: a
 * wrong length, a tag that does not verify, JSON that does not parse, or a value that is not an
 * access event.
 */
export function decodeRecord(key: Buffer, line: Buffer): AccessEventInput | undefined {
  if (line.length < TAG_CHARS + 3 || line[TAG_CHARS] !== SPACE) return undefined;
  const given = Buffer.from(line.subarray(0, TAG_CHARS).toString('latin1'), 'base64url');
  const json = line.subarray(TAG_CHARS + 1);
  if (given.length !== TAG_BYTES || !timingSafeEqual(given, tag(key, json))) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  return toEvent(value);
}

const DECISIONS = new Set(['allow', 'deny', 'audit-deny']);

const isString = (v: unknown, max = 2048): v is string => typeof v === 'string' && v.length <= max;
const optionalString = (v: unknown): boolean => v === undefined || isString(v);

/** The parsed JSON as an `AccessEventInput`, checked member by member; `undefined` if it is not one. */
function toEvent(value: unknown): AccessEventInput | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (!isString(v.eventId, 128) || v.eventId.length === 0) return undefined;
  if (!isString(v.eventTime, 64)) return undefined;
  const eventTime = new Date(v.eventTime);
  if (Number.isNaN(eventTime.getTime())) return undefined;
  if (!isString(v.accountId, 64) || !isString(v.channel) || !isString(v.eventSource)) return undefined;
  if (!isString(v.eventName) || !isString(v.decision) || !DECISIONS.has(v.decision)) return undefined;
  if (!optionalString(v.roleName) || !optionalString(v.principalArn) || !optionalString(v.errorCode)) {
    return undefined;
  }
  if (typeof v.record !== 'object' || v.record === null) return undefined;
  if (v.completes !== undefined && typeof v.completes !== 'boolean') return undefined;
  let accesses: AccessEventInput['accesses'];
  if (v.accesses !== undefined) {
    if (!Array.isArray(v.accesses)) return undefined;
    accesses = [];
    for (const a of v.accesses as unknown[]) {
      if (typeof a !== 'object' || a === null) return undefined;
      const { action, resource, allowed } = a as Record<string, unknown>;
      if (!isString(action) || !isString(resource, 8192) || typeof allowed !== 'boolean') return undefined;
      accesses.push({ action, resource, allowed });
    }
  }
  const event: AccessEventInput = {
    eventId: v.eventId,
    eventTime,
    accountId: v.accountId,
    channel: v.channel,
    eventSource: v.eventSource,
    eventName: v.eventName,
    decision: v.decision as AccessEventInput['decision'],
    record: v.record as AccessEventInput['record'],
  };
  if (v.roleName !== undefined) event.roleName = v.roleName as string;
  if (v.principalArn !== undefined) event.principalArn = v.principalArn as string;
  if (v.errorCode !== undefined) event.errorCode = v.errorCode as string;
  if (accesses !== undefined) event.accesses = accesses;
  if (v.completes === true) event.completes = true;
  return event;
}

/** What reading a journal found. */
export interface JournalReadStats {
  /** Records that verified. */
  events: number;
  /** Complete lines that did not verify (damaged or forged); skipped. */
  damaged: number;
  /** Bytes after the last newline: a record whose write never finished; ignored. */
  tornBytes: number;
}

/**
 * Splits journal bytes into records, chunk by chunk, with memory bounded by `MAX_RECORD_BYTES`:
 * `push` each chunk read, `end` once the file is read. Each verified event goes to `onEvent`, in
 * file order.
 */
export class JournalReader {
  readonly stats: JournalReadStats = { events: 0, damaged: 0, tornBytes: 0 };
  readonly #key: Buffer;
  readonly #onEvent: (event: AccessEventInput) => void;
  #carry: Buffer[] = [];
  #carryBytes = 0;
  /** Inside an over-long line: skip to its newline. */
  #skipping = false;

  constructor(key: Buffer, onEvent: (event: AccessEventInput) => void) {
    this.#key = key;
    this.#onEvent = onEvent;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) break;
      if (this.#skipping) {
        this.#skipping = false;
        this.stats.damaged++;
      } else {
        const part = chunk.subarray(start, nl);
        const line = this.#carryBytes === 0 ? part : Buffer.concat([...this.#carry, part]);
        this.#line(line);
      }
      this.#carry = [];
      this.#carryBytes = 0;
      start = nl + 1;
    }
    if (start < chunk.length && !this.#skipping) {
      const rest = chunk.subarray(start);
      if (this.#carryBytes + rest.length > MAX_RECORD_BYTES) {
        this.#skipping = true;
        this.#carry = [];
        this.#carryBytes = 0;
      } else {
        // A copy: the caller may reuse its read buffer.
        this.#carry.push(Buffer.from(rest));
        this.#carryBytes += rest.length;
      }
    }
  }

  end(): JournalReadStats {
    // An unterminated last line is a write that never completed: nobody was answered for it.
    this.stats.tornBytes = this.#carryBytes;
    if (this.#skipping) this.stats.damaged++;
    this.#carry = [];
    this.#carryBytes = 0;
    this.#skipping = false;
    return this.stats;
  }

  #line(line: Buffer): void {
    if (line.length === 0) return;
    const event = line.length > MAX_RECORD_BYTES ? undefined : decodeRecord(this.#key, line);
    if (event === undefined) {
      this.stats.damaged++;
      return;
    }
    this.stats.events++;
    this.#onEvent(event);
  }
}
