/**
 * Start-up recovery: journals left in the data directory by a process that died (`kill -9`, a
 * crash, a replica on this host that stopped uncleanly) are written into the store before this
 * process serves, then deleted. The store skips event ids it already holds, so replaying events
 * that had been drained before the crash adds nothing.
 *
 * Which journals are left over: one whose writer is gone — its name's host is this host and its
 * pid is not running (or is this process's own pid but no journal open here has its name: a
 * container restarted as pid 1) — or one not
 * touched for `staleMs` (a live writer touches its current segment every 15 s), which also covers
 * another host's process sharing the directory and a dead writer whose pid was reused.
 *
 * What a hostile or damaged file can do: nothing beyond its own verified records. Records are
 * authenticated (`journal-format.ts`); a line that does not verify is skipped and counted, and
 * reading resumes at the next newline, so a damaged middle costs the records it touches and no
 * others; an unterminated last line is a write that never finished and is ignored. Files that are
 * not regular files, or not named as journals, are left alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AccessEventInput, Store } from '../store/store.js';
import { JournalReader, type JournalReadStats } from './journal-format.js';
import { JOURNAL_NAME, JOURNAL_SUFFIX, openInstances } from './journal.js';

export interface ReplayOptions {
  dir: string;
  key: Buffer;
  store: Pick<Store, 'appendAccessEvents'>;
  logger?: Logger;
  /** A journal untouched for this long is left over whoever wrote it (60 s). */
  staleMs?: number;
  /** Events per store write (500). */
  batchSize?: number;
  /** Is this pid running on this host? (tests) */
  isAlive?: (pid: number) => boolean;
}

export interface ReplayResult {
  files: number;
  events: number;
  damaged: number;
  tornBytes: number;
  /** Journals left alone: their writer looks alive. */
  skipped: number;
}

const CHUNK_BYTES = 1024 * 1024;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function hostName(): string {
  return (
    os
      .hostname()
      .replace(/[^A-Za-z0-9.-]/g, '-')
      .slice(0, 64) || 'host'
  );
}

/** Is the journal `name` (with its mtime) left by a writer that is gone? */
function leftOver(name: string, mtimeMs: number, options: ReplayOptions): boolean {
  const match = JOURNAL_NAME.exec(name);
  if (match === null) return false;
  if (openInstances.has(`${match[1]}-${match[2]}-${match[3]}-${match[4]}`)) return false;
  if (Date.now() - mtimeMs > (options.staleMs ?? 60_000)) return true;
  if (match[1] !== hostName()) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return true;
  return !(options.isAlive ?? pidAlive)(pid);
}

/** Order of writing: by writer, then segment number. */
function byWriterThenSeq(a: string, b: string): number {
  const ma = JOURNAL_NAME.exec(a);
  const mb = JOURNAL_NAME.exec(b);
  const wa = ma === null ? a : `${ma[1]}-${ma[2]}-${ma[3]}-${ma[4]}`;
  const wb = mb === null ? b : `${mb[1]}-${mb[2]}-${mb[3]}-${mb[4]}`;
  if (wa !== wb) return wa < wb ? -1 : 1;
  return Number(ma?.[5] ?? 0) - Number(mb?.[5] ?? 0);
}

/**
 * Writes every left-over journal's events into the store, in the order they were written, and
 * deletes each journal once the store holds its events. A store failure is thrown (the journal
 * stays for the next attempt); a damaged journal never is.
 */
export async function replayJournals(options: ReplayOptions): Promise<ReplayResult> {
  const result: ReplayResult = { files: 0, events: 0, damaged: 0, tornBytes: 0, skipped: 0 };
  let names: string[];
  try {
    names = fs.readdirSync(options.dir).filter((n) => n.endsWith(JOURNAL_SUFFIX));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }
  names.sort(byWriterThenSeq);
  for (const name of names) {
    const file = path.join(options.dir, name);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(file);
    } catch {
      continue;
    }
    if (!stat.isFile() || !leftOver(name, stat.mtimeMs, options)) {
      result.skipped++;
      continue;
    }
    const stats = await replayFile(file, options);
    if (stats === undefined) continue;
    result.files++;
    result.events += stats.events;
    result.damaged += stats.damaged;
    result.tornBytes += stats.tornBytes;
    try {
      fs.unlinkSync(file);
    } catch {
      // Another start replayed it at the same time: the store skipped the duplicates.
    }
  }
  if (result.files > 0) {
    options.logger?.info(
      { files: result.files, events: result.events, damaged: result.damaged, tornBytes: result.tornBytes },
      'access log: replayed journals left by a stopped process',
    );
  }
  if (result.damaged > 0) {
    options.logger?.warn(
      { damaged: result.damaged },
      'access log: journal records that did not verify were skipped',
    );
  }
  return result;
}

async function replayFile(file: string, options: ReplayOptions): Promise<JournalReadStats | undefined> {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  const batchSize = options.batchSize ?? 500;
  let batch: AccessEventInput[] = [];
  const reader = new JournalReader(options.key, (event) => batch.push(event));
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buffer, 0, CHUNK_BYTES, null);
      } catch {
        // An unreadable file (EIO) is kept for a later start; what was read so far is replayed.
        options.logger?.warn({ file: path.basename(file) }, 'access log: a journal could not be read');
        if (batch.length > 0) await options.store.appendAccessEvents(batch);
        return undefined;
      }
      if (n === 0) break;
      reader.push(buffer.subarray(0, n));
      if (batch.length >= batchSize) {
        const full = batch;
        batch = [];
        await options.store.appendAccessEvents(full);
      }
    }
    const stats = reader.end();
    if (batch.length > 0) await options.store.appendAccessEvents(batch);
    return stats;
  } finally {
    fs.closeSync(fd);
  }
}
