/**
 * The agent's event outbox: what the agent refuses on its own (an IMDS request without a token
 * when `HttpTokens=required`, a token `PUT` carrying `X-Forwarded-For`, ...) is an access-log
 * event on the server, and the server may be away when it happens. Each event is appended to
 * `<state-dir>/events.outbox` before it is offered to the server, and leaves the file only once
 * the server has acknowledged it (docs/fleet-agent.md, "What the agent logs itself").
 *
 * Format: the access-log journal's line format (`audit/journal-format.ts`), `<tag> <json>\n`, the
 * tag the first 16 bytes of HMAC-SHA256 over the JSON in base64url, here under a random key kept
 * in `<state-dir>/events.key` (0600): a torn or edited record fails it and is skipped on reopen.
 * Appends are written and fsync'd in groups (every `add` in the same tick shares one fsync).
 * Bounded to `maxEvents` records: beyond that, events are counted, not written, and the count
 * goes in as one `dropped` record as soon as the server has taken some off (or at `close`).
 * Records hold no secret: addresses, paths' classes, ids and counts only.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REFUSAL_REASONS, type RefusalReason } from '../../../audit/refusal-record.js';

export { REFUSAL_REASONS, type RefusalReason };

export type AgentEventChannel = 'imds' | 'container' | 'pod-identity';

export interface AgentRefusal {
  kind: 'refusal';
  /** A UUID, chosen by the agent; the server de-duplicates on it. */
  eventId: string;
  /** ISO 8601. */
  time: string;
  channel: AgentEventChannel;
  reason: RefusalReason;
  /** The HTTP status the agent answered. */
  status: number;
  sourceIp: string;
  /** The instance the metadata endpoint was serving. */
  instanceId?: string;
  /** Refusals left out before this one by the rate budget (`audit/unauthenticated.ts`). */
  suppressed?: number;
}

export interface AgentDropped {
  kind: 'dropped';
  eventId: string;
  time: string;
  /** Events not written because the outbox was full. */
  count: number;
}

export type AgentEvent = AgentRefusal | AgentDropped;

const TAG_BYTES = 16;
const TAG_CHARS = 22;
const MAX_LINE = 4096;

function tagOf(key: Buffer, json: Buffer): Buffer {
  return createHmac('sha256', key).update(json).digest().subarray(0, TAG_BYTES);
}

function encode(key: Buffer, event: AgentEvent): Buffer {
  const json = Buffer.from(JSON.stringify(event), 'utf8');
  return Buffer.concat([
    Buffer.from(`${tagOf(key, json).toString('base64url')} `, 'latin1'),
    json,
    Buffer.from('\n'),
  ]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * An event as the agent or the server may accept it, checked member by member; `undefined` when
 * it is not one (the server uses this on what agents send).
 */
export function parseAgentEvent(value: unknown): AgentEvent | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.eventId !== 'string' || !UUID.test(v.eventId)) return undefined;
  if (typeof v.time !== 'string' || v.time.length > 40 || Number.isNaN(Date.parse(v.time))) return undefined;
  const time = new Date(v.time).toISOString();
  if (v.kind === 'dropped') {
    if (typeof v.count !== 'number' || !Number.isSafeInteger(v.count) || v.count < 1) return undefined;
    return { kind: 'dropped', eventId: v.eventId, time, count: v.count };
  }
  if (v.kind !== 'refusal') return undefined;
  if (v.channel !== 'imds' && v.channel !== 'container' && v.channel !== 'pod-identity') return undefined;
  if (typeof v.reason !== 'string' || !(REFUSAL_REASONS as readonly string[]).includes(v.reason))
    return undefined;
  if (typeof v.status !== 'number' || !Number.isInteger(v.status) || v.status < 400 || v.status > 499)
    return undefined;
  if (typeof v.sourceIp !== 'string' || v.sourceIp.length > 64) return undefined;
  if (
    v.instanceId !== undefined &&
    (typeof v.instanceId !== 'string' || !/^i-[0-9a-f]{8,17}$/.test(v.instanceId))
  )
    return undefined;
  if (
    v.suppressed !== undefined &&
    (typeof v.suppressed !== 'number' || !Number.isSafeInteger(v.suppressed) || v.suppressed < 0)
  )
    return undefined;
  return {
    kind: 'refusal',
    eventId: v.eventId,
    time,
    channel: v.channel,
    reason: v.reason as RefusalReason,
    status: v.status,
    sourceIp: v.sourceIp,
    ...(v.instanceId === undefined ? {} : { instanceId: v.instanceId as string }),
    ...(v.suppressed === undefined || v.suppressed === 0 ? {} : { suppressed: v.suppressed as number }),
  };
}

function decode(key: Buffer, line: Buffer): AgentEvent | undefined {
  if (line.length < TAG_CHARS + 3 || line.length > MAX_LINE || line[TAG_CHARS] !== 0x20) return undefined;
  const given = Buffer.from(line.subarray(0, TAG_CHARS).toString('latin1'), 'base64url');
  const json = line.subarray(TAG_CHARS + 1);
  if (given.length !== TAG_BYTES || !timingSafeEqual(given, tagOf(key, json))) return undefined;
  try {
    return parseAgentEvent(JSON.parse(json.toString('utf8')));
  } catch {
    return undefined;
  }
}

function writeAtomic(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export interface EventOutboxOptions {
  /** Records kept at most (10 000, about 3 MB); further events are counted as dropped. */
  maxEvents?: number;
  now?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class EventOutbox {
  readonly #file: string;
  readonly #key: Buffer;
  readonly #max: number;
  readonly #now: () => number;
  /** Durable (fsync'd) and not yet acknowledged, oldest first. */
  #pending: AgentEvent[] = [];
  /** Added, waiting for the next group write. */
  #queued: { event: AgentEvent; line: Buffer }[] = [];
  #flush: Promise<void> | undefined;
  /** Serialises every file operation (group appends, rewrites after an ack). */
  #io: Promise<void> = Promise.resolve();
  #dropped = 0;
  /** Damaged or torn records skipped when the file was opened. */
  readonly damaged: number;

  private constructor(stateDir: string, options: EventOutboxOptions) {
    this.#file = path.join(stateDir, 'events.outbox');
    const keyFile = path.join(stateDir, 'events.key');
    if (!fs.existsSync(keyFile)) writeAtomic(keyFile, randomBytes(32));
    this.#key = fs.readFileSync(keyFile);
    this.#max = options.maxEvents ?? 10_000;
    this.#now = options.now ?? Date.now;
    let damaged = 0;
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(this.#file);
    } catch {
      bytes = Buffer.alloc(0);
    }
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(0x0a, start);
      if (nl === -1) {
        // An unterminated tail is an append that never finished (nobody was told it was kept).
        if (start < bytes.length) damaged++;
        break;
      }
      const event = decode(this.#key, bytes.subarray(start, nl));
      if (event === undefined) damaged++;
      else if (this.#pending.length < this.#max) this.#pending.push(event);
      start = nl + 1;
    }
    this.damaged = damaged;
    if (damaged > 0) {
      options.log?.('skipped damaged records in the event outbox', { damaged });
      this.#rewrite();
    }
  }

  /**
   * @example
   * const outbox = EventOutbox.open('/var/lib/credplane-agent');
   * await outbox.add({ kind: 'refusal', channel: 'imds', reason: 'imds-token-required', status: 401, sourceIp });
   */
  static open(stateDir: string, options: EventOutboxOptions = {}): EventOutbox {
    return new EventOutbox(stateDir, options);
  }

  /** Events durable and not yet acknowledged. */
  get size(): number {
    return this.#pending.length;
  }

  /** Events counted but not written since the outbox was last full. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Appends a refusal (its id and time chosen here) in the next group write; resolves once it is
   * durable, or at once when the outbox is full (then it is only counted).
   */
  add(refusal: Omit<AgentRefusal, 'kind' | 'eventId' | 'time'>): Promise<void> {
    if (this.#pending.length + this.#queued.length >= this.#max) {
      this.#dropped++;
      return Promise.resolve();
    }
    const event: AgentRefusal = {
      kind: 'refusal',
      eventId: randomUUID(),
      time: new Date(this.#now()).toISOString(),
      ...refusal,
    };
    return this.#enqueue(event);
  }

  #enqueue(event: AgentEvent): Promise<void> {
    this.#queued.push({ event, line: encode(this.#key, event) });
    return (this.#flush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.#flush = undefined;
      const group = this.#queued;
      this.#queued = [];
      return this.#serial(() => {
        const fd = fs.openSync(this.#file, 'a', 0o600);
        try {
          fs.writeSync(fd, Buffer.concat(group.map((g) => g.line)));
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        this.#pending.push(...group.map((g) => g.event));
      });
    }));
  }

  #serial(op: () => void): Promise<void> {
    const run = this.#io.then(op);
    this.#io = run.catch(() => undefined);
    return run;
  }

  /** The oldest `max` durable events, in order, to send. */
  peek(max: number): AgentEvent[] {
    return this.#pending.slice(0, max);
  }

  /**
   * The server has these: remove them (the file is rewritten atomically), and put in the count of
   * events dropped while full now that there is room.
   */
  async ack(eventIds: readonly string[]): Promise<void> {
    const done = new Set(eventIds);
    await this.#serial(() => {
      this.#pending = this.#pending.filter((e) => !done.has(e.eventId));
      this.#rewrite();
    });
    if (this.#dropped > 0 && this.#pending.length + this.#queued.length < this.#max) await this.#putDropped();
  }

  #putDropped(): Promise<void> {
    const count = this.#dropped;
    this.#dropped = 0;
    return this.#enqueue({
      kind: 'dropped',
      eventId: randomUUID(),
      time: new Date(this.#now()).toISOString(),
      count,
    });
  }

  #rewrite(): void {
    writeAtomic(this.#file, Buffer.concat(this.#pending.map((e) => encode(this.#key, e))));
  }

  /** Waits for queued writes; a drop count not yet written goes in (one record past the bound). */
  async close(): Promise<void> {
    if (this.#dropped > 0) await this.#putDropped();
    await this.#flush;
    await this.#io;
  }
}
