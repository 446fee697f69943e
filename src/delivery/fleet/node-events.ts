/**
 * The server's side of `POST /agent/v1/events`: what an agent refused on its own (its outbox,
 * `agent/event-outbox.ts`) becomes access-log events. A node is trusted only about itself: the
 * node name comes from its certificate, never from the body; an event naming an instance not
 * placed on the node is refused (and not logged as that instance's); the record is built here
 * from a closed set of refusal classes, so an agent cannot write arbitrary CloudTrail records.
 * The stored event id is derived from the node name and the agent's event id, so a replay (after
 * a send whose answer was lost) is the same row (the store skips ids it has, `AccessLogStore`),
 * and no node can pre-empt another node's ids.
 */
import { createHash } from 'node:crypto';
import { buildAccessEvent } from '../../audit/record.js';
import type { AccessLogSink } from '../../audit/types.js';
import { AwsError, ValidationError } from '../../errors.js';
import type { JsonValue } from '../../iam/types.js';
import type { AccessEventInput } from '../../store/store.js';
import { refusalEvent } from '../../audit/refusal-record.js';
import { parseAgentEvent, type AgentEvent } from './agent/event-outbox.js';

/** Events in one request at most. */
export const MAX_EVENTS_PER_BATCH = 100;

/** A UUID-shaped id from the node and the agent's id (SHA-256, version nibble 8: custom). */
function storedEventId(node: string, agentEventId: string): string {
  const h = createHash('sha256').update(`credplane-agent-event\n${node}\n${agentEventId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface NodeEventsOptions {
  accountId: string;
  region: string;
  partition: string;
  /** The instance ids placed on the node now. */
  placedInstances: (node: string) => Promise<string[]>;
  accessLog?: AccessLogSink;
  /** Batches one node may send at once (20), and per second after that (2). */
  burst?: number;
  perSecond?: number;
  now?: () => number;
}

export interface EventsReply {
  /** Stored (or stored before): the agent removes them. */
  accepted: string[];
  /** Refused for good (not about this node): the agent removes them too, nothing is logged as them. */
  refused: string[];
}

export class NodeEvents {
  readonly #o: NodeEventsOptions;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: NodeEventsOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * @example
   * const { accepted, refused } = await events.accept(node, { events: outbox.peek(100) });
   */
  async accept(node: string, body: unknown): Promise<EventsReply> {
    const list = (body as { events?: unknown } | undefined)?.events;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_EVENTS_PER_BATCH)
      throw new ValidationError(`Give { "events": [...] } with 1..${MAX_EVENTS_PER_BATCH} events.`);
    const events: AgentEvent[] = [];
    for (const item of list) {
      const event = parseAgentEvent(item);
      if (event === undefined) throw new ValidationError('An event is not one an agent may send.');
      events.push(event);
    }
    this.#take(node);
    const placed = new Set(await this.#o.placedInstances(node));
    const accepted: string[] = [];
    const refused: string[] = [];
    const records: AccessEventInput[] = [];
    for (const event of events) {
      if (event.kind === 'refusal' && event.instanceId !== undefined && !placed.has(event.instanceId)) {
        refused.push(event.eventId);
        continue;
      }
      records.push(this.#record(node, event));
      accepted.push(event.eventId);
    }
    const sink = this.#o.accessLog;
    if (sink !== undefined && records.length > 0) {
      const done = await Promise.all(records.map((r) => sink.commit(r)));
      // Nothing acknowledged unless all are durable: the agent sends the batch again, and the
      // events already stored are skipped by id.
      if (done.includes(false))
        throw new AwsError('ServiceUnavailable', 'The access log cannot take events now.', { status: 503 });
    }
    return { accepted, refused };
  }

  /** One batch from the node's budget, or `Throttling` (the agent keeps the events and retries). */
  #take(node: string): void {
    const burst = this.#o.burst ?? 20;
    const rate = this.#o.perSecond ?? 2;
    const now = this.#now();
    const b = this.#buckets.get(node) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, now - b.at) / 1000) * rate);
    b.at = Math.max(b.at, now);
    this.#buckets.set(node, b);
    if (b.tokens < 1)
      throw new AwsError('Throttling', 'Too many event batches from this node.', { status: 429 });
    b.tokens--;
  }

  #record(node: string, event: AgentEvent): AccessEventInput {
    const o = this.#o;
    const eventId = storedEventId(node, event.eventId);
    // The agent's clock says when; a time in the future is the server's now (an event cannot be
    // placed after later ones, nor outlive the retention window, by a node's say-so).
    const eventTime = new Date(Math.min(Date.parse(event.time), this.#now()));
    const agent: { [key: string]: JsonValue } = { node, agentEventId: event.eventId };
    let built: AccessEventInput;
    if (event.kind === 'dropped') {
      built = buildAccessEvent({
        channel: 'imds',
        eventTime,
        eventSource: 'credplane.fleet-agent',
        eventName: 'AgentEventsDropped',
        awsRegion: o.region,
        sourceIPAddress: node,
        accountId: o.accountId,
        requestParameters: { node, count: event.count },
        errorCode: 'OutboxFull',
        errorMessage: `The agent's event outbox was full: ${event.count} events were not kept.`,
        requestId: event.eventId,
        decision: 'deny',
      });
    } else {
      built = refusalEvent({
        channel: event.channel,
        reason: event.reason,
        status: event.status,
        sourceIp: event.sourceIp,
        eventTime,
        accountId: o.accountId,
        region: o.region,
        partition: o.partition,
        requestId: event.eventId,
        node,
        ...(event.instanceId === undefined ? {} : { instanceId: event.instanceId }),
        ...(event.suppressed === undefined ? {} : { suppressed: event.suppressed }),
      });
    }
    const record = built.record as { [key: string]: JsonValue };
    const credplane = record.credplane as { [key: string]: JsonValue };
    // Nobody authenticated: not the service principal the channel's deliveries name.
    record.userIdentity = { type: 'Unknown', accountId: o.accountId };
    record.eventID = eventId;
    delete record.userAgent;
    credplane.agent = agent;
    if (event.kind === 'dropped') credplane.channel = 'agent';
    return { ...built, eventId, ...(event.kind === 'dropped' ? { channel: 'agent' } : {}) };
  }
}
