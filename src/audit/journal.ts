/**
 * The access log's journal: an append-only file per server process in the data directory, so a
 * request can be answered as soon as its event is written there, before the store holds it. One
 * `write(2)` per event (`fs.writeSync`, which returns once the kernel has the bytes): the record
 * survives the process being killed (`kill -9`, a crash), not the machine losing power or the OS
 * crashing — the durability of SQLite in WAL mode with `synchronous = NORMAL`, which is what the
 * store gave before (docs/access-log.md).
 *
 * The journal is a sequence of segments, `<instance>.<seq>.journal`: a segment is closed once it
 * passes `maxSegmentBytes`, and deleted once the store holds every event in it (`drained`, told in
 * the order events were appended); the segment being written is emptied whenever the store holds
 * all of it. A live process touches its current segment every
 * `heartbeatMs`, so start-up can tell a journal left by a dead process (`journal-replay.ts`) from
 * one still being written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AccessEventInput } from '../store/store.js';
import { encodeRecord } from './journal-format.js';

export const JOURNAL_SUFFIX = '.journal';
/** `<host>-<pid>-<start, base 36>-<8 hex>.<seq>.journal` */
export const JOURNAL_NAME =
  /^([A-Za-z0-9.-]{1,64})-(\d{1,10})-([0-9a-z]{1,12})-([0-9a-f]{8})\.(\d{1,10})\.journal$/;

export interface JournalOptions {
  /** The journal directory (`<data-dir>/access-journal`); made 0700. */
  dir: string;
  /** The HMAC key (`journalKey(masterKey)`). */
  key: Buffer;
  /** A segment is closed and a new one begun past this size (4 MiB). */
  maxSegmentBytes?: number;
  /** How often the current segment's mtime is refreshed (15 s). */
  heartbeatMs?: number;
  /** This process's name in file names; by default host, pid, start time and a random suffix. */
  instanceId?: string;
}

/** Instance ids of the journals open in this process: never left over, whatever their pid says. */
export const openInstances = new Set<string>();

interface Segment {
  file: string;
  /** Events appended to it. */
  appended: number;
  /** Of those, events the store holds. */
  drained: number;
  closed: boolean;
}

function safeHost(): string {
  const host = os
    .hostname()
    .replace(/[^A-Za-z0-9.-]/g, '-')
    .slice(0, 64);
  return host.length > 0 ? host : 'host';
}

export function defaultInstanceId(): string {
  return `${safeHost()}-${process.pid}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Makes the journal directory private (0700), even when it already existed with a wider mode. */
export function ensureJournalDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`the access-log journal directory is not a directory: ${dir}`);
  fs.chmodSync(dir, 0o700);
}

/**
 * @example
 * const journal = new AccessJournal({ dir: path.join(dataDir, 'access-journal'), key: journalKey(masterKey) });
 * journal.append(event);   // throws when the write fails: refuse the request
 * journal.drained(1);      // once the store holds it
 * journal.close();
 */
export class AccessJournal {
  readonly instanceId: string;
  readonly #dir: string;
  readonly #key: Buffer;
  readonly #maxSegmentBytes: number;
  /** Oldest first; the last is the one being written, unless it is closed. */
  readonly #segments: Segment[] = [];
  #fd: number | undefined;
  #size = 0;
  #seq = 0;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: JournalOptions) {
    this.#dir = options.dir;
    this.#key = options.key;
    this.#maxSegmentBytes = options.maxSegmentBytes ?? 4 * 1024 * 1024;
    this.instanceId = options.instanceId ?? defaultInstanceId();
    ensureJournalDir(this.#dir);
    this.#open();
    openInstances.add(this.instanceId);
    const heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#heartbeat = setInterval(() => this.#beat(), heartbeatMs);
    this.#heartbeat.unref();
  }

  /**
   * Writes the event's record; returns once the kernel holds it. Throws when it could not be
   * written whole (disk full, I/O error, closed): the caller must refuse its request. A partial
   * write is cut off again, so the next record starts on a line of its own.
   */
  append(event: AccessEventInput): void {
    this.#write(encodeRecord(this.#key, event), 1);
  }

  /**
   * Writes several events' records with one `write(2)` (`journaled-log.ts`'s group commit): all
   * of them are in the kernel when this returns, or none is (a partial write is cut off again)
   * and it throws.
   */
  appendAll(events: readonly AccessEventInput[]): void {
    this.appendEncoded(events.map((event) => this.encode(event)));
  }

  /**
   * An event's record, to be written later with `appendEncoded`. Throws (`RangeError`) for an
   * event too large for the journal: encoding each event on its own, in its own request's turn,
   * lets that refuse its request alone rather than every request its write was to share.
   */
  encode(event: AccessEventInput): Buffer {
    return encodeRecord(this.#key, event);
  }

  /** Writes records from `encode` with one `write(2)`, all or none, as `appendAll`. */
  appendEncoded(lines: readonly Buffer[]): void {
    if (lines.length === 0) return;
    this.#write(lines.length === 1 ? lines[0]! : Buffer.concat(lines), lines.length);
  }

  #write(line: Buffer, count: number): void {
    if (this.#closed) throw new Error('the access-log journal is closed');
    if (this.#fd === undefined || this.#size >= this.#maxSegmentBytes) this.#rotate();
    const fd = this.#fd as number;
    let written = 0;
    try {
      written = fs.writeSync(fd, line);
      if (written !== line.length) throw Object.assign(new Error('short write'), { code: 'EIO' });
    } catch (error) {
      if (written > 0) this.#cutBack(fd);
      throw error;
    }
    this.#size += written;
    const current = this.#segments.at(-1) as Segment;
    current.appended += count;
  }

  /** The store now holds the oldest `count` events not yet drained; drained closed segments go. */
  drained(count: number): void {
    let left = count;
    while (left > 0 && this.#segments.length > 0) {
      const oldest = this.#segments[0] as Segment;
      const take = Math.min(left, oldest.appended - oldest.drained);
      oldest.drained += take;
      left -= take;
      if (oldest.drained < oldest.appended || !oldest.closed) break;
      this.#segments.shift();
      removeQuietly(oldest.file);
    }
    this.#cutDrained();
  }

  /** Every event appended is in the store. */
  get empty(): boolean {
    return this.#segments.every((s) => s.drained === s.appended);
  }

  /** The segment files still on disk (for tests and diagnostics). */
  files(): string[] {
    return this.#segments.map((s) => s.file);
  }

  /**
   * Stops writing. Segments whose events are all in the store are deleted; the rest stay, to be
   * replayed by the next start in this data directory.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    openInstances.delete(this.instanceId);
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#closeCurrent();
    for (const segment of this.#segments.splice(0)) {
      if (segment.drained === segment.appended) removeQuietly(segment.file);
    }
  }

  #open(): void {
    const file = path.join(this.#dir, `${this.instanceId}.${this.#seq++}${JOURNAL_SUFFIX}`);
    // O_EXCL and O_NOFOLLOW: never append to a file (or a symlink) that someone else put there.
    const flags =
      fs.constants.O_WRONLY |
      fs.constants.O_CREAT |
      fs.constants.O_EXCL |
      fs.constants.O_APPEND |
      fs.constants.O_NOFOLLOW;
    this.#fd = fs.openSync(file, flags, 0o600);
    this.#size = 0;
    this.#segments.push({ file, appended: 0, drained: 0, closed: false });
  }

  #rotate(): void {
    this.#closeCurrent();
    this.#open();
  }

  #closeCurrent(): void {
    if (this.#fd !== undefined) {
      try {
        fs.closeSync(this.#fd);
      } catch {
        // Nothing more to write to it.
      }
      this.#fd = undefined;
    }
    const current = this.#segments.at(-1);
    if (current === undefined || current.closed) return;
    current.closed = true;
    if (current.drained === current.appended) {
      this.#segments.pop();
      removeQuietly(current.file);
    }
  }

  /**
   * The segment being written, once the store holds all of it, is emptied: the journal holds only
   * what the store may not, and a start after a crash replays no more than that.
   */
  #cutDrained(): void {
    const current = this.#segments.at(-1);
    if (this.#fd === undefined || current === undefined || current.closed) return;
    if (current.appended === 0 || current.drained !== current.appended) return;
    try {
      // O_APPEND: the next record goes to the new end, offset 0.
      fs.ftruncateSync(this.#fd, 0);
      this.#size = 0;
      current.appended = 0;
      current.drained = 0;
    } catch {
      // Left as it is: replaying records the store holds adds nothing.
    }
  }

  /** After a partial write: truncate back to the last whole record, or start a new segment. */
  #cutBack(fd: number): void {
    try {
      fs.ftruncateSync(fd, this.#size);
    } catch {
      // The damaged tail stays (a reader skips it as one damaged line); write elsewhere from now.
      this.#closeCurrent();
    }
  }

  #beat(): void {
    const fd = this.#fd;
    if (fd === undefined) return;
    try {
      // A segment removed under us (another start judged it dead) no longer protects anything.
      if (fs.fstatSync(fd).nlink === 0) {
        this.#closeCurrent();
        return;
      }
      const now = new Date();
      fs.futimesSync(fd, now, now);
    } catch {
      // The next append finds out whether the file still works.
    }
  }
}

function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // Already gone (replayed by another start), or the directory went away: nothing to keep.
  }
}
