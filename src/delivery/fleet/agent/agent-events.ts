/**
 * What the agent refuses on its own, on its way to the server's access log: each refusal passes
 * the same budget as `credplane up`'s unauthenticated events (`audit/unauthenticated.ts`: per
 * source address and overall; what is over it is counted and the count rides on the next event
 * written), goes durably into the outbox (`event-outbox.ts`), and is sent in order, in batches,
 * over the node's mutual-TLS client; it leaves the outbox only once the server answered for it.
 */
import { UnauthenticatedBudget, type UnauthenticatedBudgetOptions } from '../../../audit/unauthenticated.js';
import type { EventsReply } from '../node-events.js';
import type { AgentEvent, AgentRefusal, EventOutbox } from './event-outbox.js';

/** Events per request (the server's `MAX_EVENTS_PER_BATCH`). */
const BATCH = 100;

export interface AgentEventsOptions {
  outbox: EventOutbox;
  send: (events: AgentEvent[]) => Promise<EventsReply>;
  budget?: UnauthenticatedBudgetOptions;
  now?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export class AgentEvents {
  readonly #o: AgentEventsOptions;
  readonly #budget: UnauthenticatedBudget;
  readonly #now: () => number;
  #sending: Promise<void> | undefined;
  #writes = new Set<Promise<void>>();

  constructor(options: AgentEventsOptions) {
    this.#o = options;
    this.#budget = new UnauthenticatedBudget(options.budget);
    this.#now = options.now ?? Date.now;
  }

  /** A refusal the agent answered; written unless over the budget (then counted). */
  refused(r: Omit<AgentRefusal, 'kind' | 'eventId' | 'time' | 'suppressed'>): void {
    const admitted = this.#budget.admit(r.sourceIp, this.#now());
    if (admitted === undefined) return;
    const write = this.#o.outbox
      .add({ ...r, ...(admitted.suppressed === 0 ? {} : { suppressed: admitted.suppressed }) })
      .catch((error: unknown) => {
        this.#budget.restore(admitted.suppressed);
        this.#o.log?.('could not write to the event outbox', { error: (error as Error).message });
      })
      .finally(() => this.#writes.delete(write));
    this.#writes.add(write);
  }

  /** Sends everything durable, oldest first; rejects (events kept) when the server does not take them. */
  flush(): Promise<void> {
    return (this.#sending ??= this.#sendAll().finally(() => {
      this.#sending = undefined;
    }));
  }

  async #sendAll(): Promise<void> {
    await Promise.all(this.#writes);
    for (;;) {
      const batch = this.#o.outbox.peek(BATCH);
      if (batch.length === 0) return;
      const reply = await this.#o.send(batch);
      if (reply.refused.length > 0)
        this.#o.log?.('the server refused events as not about this node', { refused: reply.refused.length });
      const answered = new Set([...reply.accepted, ...reply.refused]);
      // Only what the server answered for leaves; anything else is sent again.
      await this.#o.outbox.ack(batch.map((e) => e.eventId).filter((id) => answered.has(id)));
      if (!batch.every((e) => answered.has(e.eventId))) return;
    }
  }

  /** Events durable and not yet acknowledged by the server. */
  get pending(): number {
    return this.#o.outbox.size;
  }

  async close(): Promise<void> {
    await Promise.all(this.#writes);
    await this.#o.outbox.close();
  }
}
