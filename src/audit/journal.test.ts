import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/open.js';
import type { AccessEventInput, Store } from '../store/store.js';
import { encodeRecord, journalKey, JournalReader, MAX_RECORD_BYTES } from './journal-format.js';
import { AccessJournal } from './journal.js';
import { replayJournals } from './journal-replay.js';

const KEY = journalKey(Buffer.alloc(32, 7));
const OTHER_KEY = journalKey(Buffer.alloc(32, 8));
const ACCOUNT = '111122223333';

function event(n: number, extra: Partial<AccessEventInput> = {}): AccessEventInput {
  return {
    eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    eventTime: new Date(1_800_000_000_000 + n * 1000),
    accountId: ACCOUNT,
    roleName: 'web',
    channel: 'gateway',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    decision: 'allow',
    record: { n, text: 'line\nbreak "quoted" ünïcödé' },
    accesses: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', allowed: true }],
    ...extra,
  };
}

const dirs: string[] = [];
const stores: Store[] = [];
const journals: AccessJournal[] = [];
afterEach(async () => {
  for (const j of journals.splice(0)) j.close();
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credplane-journal-'));
  dirs.push(dir);
  return dir;
}

function journal(
  dir: string,
  options: { maxSegmentBytes?: number; instanceId?: string } = {},
): AccessJournal {
  const j = new AccessJournal({ dir, key: KEY, ...options });
  journals.push(j);
  return j;
}

function read(bytes: Buffer, key = KEY, chunk = 7) {
  const events: AccessEventInput[] = [];
  const reader = new JournalReader(key, (e) => events.push(e));
  for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
  return { events, stats: reader.end() };
}

async function store(): Promise<Store> {
  const s = await openStore(path.join(tempDir(), 'credplane.db'));
  stores.push(s);
  await s.createAccount({ accountId: ACCOUNT });
  return s;
}

/** A journal name as a process that is gone (pid 2^31-2 is never running) would have written. */
function deadWriterFile(dir: string, seq = 0): string {
  return path.join(
    dir,
    `${os
      .hostname()
      .replace(/[^A-Za-z0-9.-]/g, '-')
      .slice(0, 64)}-2147483646-abc-0badf00d.${seq}.journal`,
  );
}

describe('the journal record format', () => {
  it('reads back what it wrote, across chunk boundaries, with dates and unicode intact', () => {
    const bytes = Buffer.concat([
      encodeRecord(KEY, event(1)),
      encodeRecord(KEY, event(2, { completes: true })),
    ]);
    const { events, stats } = read(bytes);
    expect(stats).toEqual({ events: 2, damaged: 0, tornBytes: 0 });
    expect(events).toEqual([event(1), event(2, { completes: true })]);
  });

  it('ignores a torn last record (a write that never finished) and keeps the ones before it', () => {
    const whole = encodeRecord(KEY, event(1));
    const torn = encodeRecord(KEY, event(2)).subarray(0, 40);
    const { events, stats } = read(Buffer.concat([whole, torn]));
    expect(events.map((e) => e.eventId)).toEqual([event(1).eventId]);
    expect(stats).toEqual({ events: 1, damaged: 0, tornBytes: 40 });
  });

  it('skips a record whose bytes changed (checksum mismatch) and keeps the records after it', () => {
    const second = encodeRecord(KEY, event(2));
    second[60] = second[60]! ^ 0x01;
    const bytes = Buffer.concat([encodeRecord(KEY, event(1)), second, encodeRecord(KEY, event(3))]);
    const { events, stats } = read(bytes);
    expect(events.map((e) => e.record)).toEqual([event(1).record, event(3).record]);
    expect(stats.damaged).toBe(1);
  });

  it('refuses records written with another key (a forged journal injects nothing)', () => {
    const forged = encodeRecord(OTHER_KEY, event(9, { decision: 'deny' }));
    const { events, stats } = read(Buffer.concat([forged, encodeRecord(KEY, event(1))]));
    expect(events.map((e) => e.eventId)).toEqual([event(1).eventId]);
    expect(stats.damaged).toBe(1);
  });

  it('treats garbage, empty lines, binary and an over-long line as damaged without throwing', () => {
    const huge = Buffer.alloc(MAX_RECORD_BYTES + 10, 0x41);
    const bytes = Buffer.concat([
      Buffer.from('\n\n{"eventId":"x"}\n'),
      Buffer.from([0, 255, 254, 10]),
      huge,
      Buffer.from('\n'),
      encodeRecord(KEY, event(1)),
      Buffer.from('AAAAAAAAAAAAAAAAAAAAAA not json\n'),
    ]);
    const { events, stats } = read(bytes, KEY, 1024 * 1024);
    expect(events.map((e) => e.eventId)).toEqual([event(1).eventId]);
    expect(stats.damaged).toBe(4);
  });

  it('reads back an event with no optional member and one with every member, exactly', () => {
    const bare: AccessEventInput = {
      eventId: 'e-0',
      eventTime: new Date(1_800_000_000_000),
      accountId: ACCOUNT,
      channel: 'sts',
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
      decision: 'allow',
      record: {},
    };
    const full = event(5, {
      principalArn: 'arn:aws:iam::111122223333:role/web',
      errorCode: 'X',
      completes: true,
    });
    const { events } = read(Buffer.concat([encodeRecord(KEY, bare), encodeRecord(KEY, full)]));
    expect(events).toEqual([bare, full]);
  });

  it('refuses to write a record beyond the size limit', () => {
    expect(() => encodeRecord(KEY, event(1, { record: { big: 'x'.repeat(MAX_RECORD_BYTES) } }))).toThrow(
      RangeError,
    );
  });
});

describe('AccessJournal', () => {
  it('appends records to a 0600 file in a 0700 directory, and deletes a segment once drained', () => {
    const dir = path.join(tempDir(), 'access-journal');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    const j = journal(dir);
    j.append(event(1));
    j.append(event(2));
    const [file] = j.files();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file!).mode & 0o777).toBe(0o600);
    expect(read(fs.readFileSync(file!)).events.map((e) => e.eventId)).toEqual([
      event(1).eventId,
      event(2).eventId,
    ]);
    j.drained(1);
    // Not all of it is stored yet: nothing is cut.
    expect(read(fs.readFileSync(file!)).events).toHaveLength(2);
    j.drained(1);
    expect(j.empty).toBe(true);
    // All of it is stored: the segment being written is emptied, and takes new records from 0.
    expect(fs.statSync(file!).size).toBe(0);
    j.append(event(3));
    expect(read(fs.readFileSync(file!)).events.map((e) => e.eventId)).toEqual([event(3).eventId]);
    j.drained(1);
    j.close();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('rotates past the segment size and deletes closed segments only once all their events are drained', () => {
    const dir = tempDir();
    const size = encodeRecord(KEY, event(1)).length;
    const j = journal(dir, { maxSegmentBytes: size * 2 });
    for (let n = 1; n <= 5; n++) j.append(event(n));
    expect(j.files()).toHaveLength(3);
    j.drained(1);
    expect(j.files()).toHaveLength(3);
    j.drained(2);
    expect(j.files()).toHaveLength(2);
    j.drained(2);
    // The segment being written stays (empty of undrained events) until it is closed.
    expect(j.files()).toHaveLength(1);
    expect(j.empty).toBe(true);
  });

  it('leaves undrained segments behind on close, for the next start', () => {
    const dir = tempDir();
    const j = journal(dir);
    j.append(event(1));
    j.close();
    expect(fs.readdirSync(dir)).toHaveLength(1);
  });

  it('throws (the request is refused) when it cannot write, and never follows a planted symlink', () => {
    const dir = tempDir();
    const target = path.join(tempDir(), 'target');
    fs.writeFileSync(target, '');
    const j = journal(dir, { maxSegmentBytes: 1, instanceId: 'h-1-a-00000000' });
    j.append(event(1));
    // The next segment's name, planted as a symlink: O_EXCL|O_NOFOLLOW refuses it.
    fs.symlinkSync(target, path.join(dir, 'h-1-a-00000000.1.journal'));
    expect(() => j.append(event(2))).toThrow();
    expect(fs.readFileSync(target, 'utf8')).toBe('');
    fs.rmSync(dir, { recursive: true });
    expect(() => j.append(event(3))).toThrow();
  });
});

describe('replayJournals', () => {
  it("writes a dead writer's journal into the store, skips its torn tail, and is idempotent", async () => {
    const dir = tempDir();
    const s = await store();
    const file = deadWriterFile(dir);
    const completion = event(1, { completes: true, errorCode: 'NoSuchKey', record: { n: 1, done: true } });
    fs.writeFileSync(
      file,
      Buffer.concat([
        encodeRecord(KEY, event(1)),
        encodeRecord(KEY, event(2)),
        encodeRecord(KEY, completion),
        encodeRecord(KEY, event(3)).subarray(0, 50),
      ]),
    );
    fs.copyFileSync(file, deadWriterFile(dir, 1));
    const result = await replayJournals({ dir, key: KEY, store: s });
    expect(result).toMatchObject({ files: 2, events: 6, damaged: 0, tornBytes: 100, skipped: 0 });
    expect(fs.readdirSync(dir)).toEqual([]);
    const stored = await s.listAccessEvents({ accountId: ACCOUNT });
    expect(stored.map((e) => [e.eventId, e.errorCode])).toEqual([
      [event(1).eventId, 'NoSuchKey'],
      [event(2).eventId, undefined],
    ]);
    // Replayed twice (two copies): each access counted once.
    const [aggregate] = await s.listLastAccessed(ACCOUNT);
    expect(aggregate?.allowedCount).toBe(2);
  });

  it("leaves a live writer's journal alone, and replays one untouched for longer than staleMs", async () => {
    const dir = tempDir();
    const s = await store();
    const live = journal(dir);
    live.append(event(1));
    const foreign = path.join(dir, 'other-host-12-abc-0badf00d.0.journal');
    fs.writeFileSync(foreign, encodeRecord(KEY, event(2)));
    expect(await replayJournals({ dir, key: KEY, store: s })).toMatchObject({ files: 0, skipped: 2 });
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(foreign, old, old);
    expect(await replayJournals({ dir, key: KEY, store: s })).toMatchObject({ files: 1, skipped: 1 });
    expect((await s.listAccessEvents({ accountId: ACCOUNT })).map((e) => e.eventId)).toEqual([
      event(2).eventId,
    ]);
    expect(live.files().every((f) => fs.existsSync(f))).toBe(true);
  });

  it('survives a hostile journal directory: forged and corrupted records, a directory, a symlink, junk names', async () => {
    const dir = tempDir();
    const s = await store();
    const outside = path.join(tempDir(), 'outside.journal');
    fs.writeFileSync(outside, encodeRecord(KEY, event(7)));
    fs.symlinkSync(outside, deadWriterFile(dir, 5));
    fs.mkdirSync(deadWriterFile(dir, 6));
    fs.writeFileSync(path.join(dir, 'notes.journal'), encodeRecord(KEY, event(8)));
    const damaged = encodeRecord(KEY, event(2));
    damaged[30] = 0x7b;
    fs.writeFileSync(
      deadWriterFile(dir, 0),
      Buffer.concat([
        encodeRecord(OTHER_KEY, event(9, { decision: 'deny' })),
        encodeRecord(KEY, event(1)),
        damaged,
        Buffer.from('not a record at all\n'),
        encodeRecord(KEY, event(3)),
      ]),
    );
    const result = await replayJournals({ dir, key: KEY, store: s });
    expect(result).toMatchObject({ files: 1, events: 2, damaged: 3 });
    // Only the verified records, none from the forged line, the symlink's target or the junk name.
    expect((await s.listAccessEvents({ accountId: ACCOUNT })).map((e) => e.eventId)).toEqual([
      event(1).eventId,
      event(3).eventId,
    ]);
    expect(fs.existsSync(outside)).toBe(true);
  });

  it('keeps the journal when the store fails, so the next start can replay it', async () => {
    const dir = tempDir();
    fs.writeFileSync(deadWriterFile(dir), encodeRecord(KEY, event(1)));
    const failing = {
      appendAccessEvents: async () => {
        throw new Error('store down');
      },
    };
    await expect(replayJournals({ dir, key: KEY, store: failing })).rejects.toThrow('store down');
    expect(fs.readdirSync(dir)).toHaveLength(1);
  });
});
