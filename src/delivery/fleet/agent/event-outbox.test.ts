/**
 * The agent's event outbox: durable across reopen, tampered or torn records skipped, bounded with
 * a counted drop, acknowledged events removed for good.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventOutbox, parseAgentEvent, type AgentRefusal } from './event-outbox.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const refusal = (sourceIp = '10.0.0.9') =>
  ({
    channel: 'imds',
    reason: 'imds-token-required',
    status: 401,
    sourceIp,
    instanceId: 'i-0aaaaaaaaaaaaaaaa',
  }) as const;

describe('EventOutbox', () => {
  it('persists events in order, with ids, and finds them again after a reopen', async () => {
    const outbox = EventOutbox.open(dir);
    await Promise.all([outbox.add(refusal('10.0.0.1')), outbox.add(refusal('10.0.0.2'))]);
    await outbox.add(refusal('10.0.0.3'));
    const sent = outbox.peek(10) as AgentRefusal[];
    expect(sent.map((e) => e.sourceIp)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    expect(new Set(sent.map((e) => e.eventId)).size).toBe(3);
    await outbox.close();

    const again = EventOutbox.open(dir);
    expect(again.peek(10)).toEqual(sent);
    expect(again.damaged).toBe(0);
    expect(fs.statSync(path.join(dir, 'events.outbox')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, 'events.key')).mode & 0o777).toBe(0o600);
  });

  it('skips a tampered record, a forged one and a torn tail on reopen', async () => {
    const outbox = EventOutbox.open(dir);
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) await outbox.add(refusal(ip));
    await outbox.close();
    const file = path.join(dir, 'events.outbox');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('10.0.0.2', '10.0.0.7'); // edited: the tag no longer matches
    const forged = `${'A'.repeat(22)} ${JSON.stringify({ ...parseAgentEvent(JSON.parse(lines[0]!.slice(23))), sourceIp: '1.2.3.4' })}`;
    fs.writeFileSync(file, `${lines[0]}\n${lines[1]}\n${forged}\n${lines[2]}\n{"torn`);

    const again = EventOutbox.open(dir);
    expect((again.peek(10) as AgentRefusal[]).map((e) => e.sourceIp)).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(again.damaged).toBe(3);
    // The damaged records are gone from the file too.
    expect(EventOutbox.open(dir).damaged).toBe(0);
  });

  it('removes acknowledged events only, for good', async () => {
    const outbox = EventOutbox.open(dir);
    for (const ip of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) await outbox.add(refusal(ip));
    const [first, second] = outbox.peek(2);
    await outbox.ack([first!.eventId, second!.eventId]);
    expect((outbox.peek(10) as AgentRefusal[]).map((e) => e.sourceIp)).toEqual(['10.0.0.3']);
    await outbox.close();
    expect((EventOutbox.open(dir).peek(10) as AgentRefusal[]).map((e) => e.sourceIp)).toEqual(['10.0.0.3']);
  });

  it('is bounded: events beyond the bound are counted and the count written once there is room', async () => {
    const outbox = EventOutbox.open(dir, { maxEvents: 3 });
    await Promise.all(['1', '2', '3', '4', '5'].map((n) => outbox.add(refusal(`10.0.0.${n}`))));
    expect(outbox.size).toBe(3);
    expect(outbox.dropped).toBe(2);
    await outbox.ack([outbox.peek(1)[0]!.eventId]);
    const events = outbox.peek(10);
    expect(events).toHaveLength(3);
    expect(events[2]).toMatchObject({ kind: 'dropped', count: 2 });
    expect(outbox.dropped).toBe(0);
    await outbox.close();
    expect(EventOutbox.open(dir, { maxEvents: 3 }).peek(10)).toEqual(events);
  });

  it('writes a pending drop count at close, even when full', async () => {
    const outbox = EventOutbox.open(dir, { maxEvents: 1 });
    await outbox.add(refusal());
    await outbox.add(refusal());
    await outbox.close();
    const again = EventOutbox.open(dir, { maxEvents: 2 });
    expect(again.peek(10).map((e) => e.kind)).toEqual(['refusal', 'dropped']);
  });

  it('never keeps more than a refusal’s class: what the server validates', () => {
    expect(
      parseAgentEvent({ ...refusal(), kind: 'refusal', eventId: 'x', time: new Date().toISOString() }),
    ).toBeUndefined();
    expect(
      parseAgentEvent({
        ...refusal(),
        kind: 'refusal',
        reason: 'made-up',
        eventId: crypto.randomUUID(),
        time: new Date().toISOString(),
      }),
    ).toBeUndefined();
    expect(
      parseAgentEvent({
        ...refusal(),
        kind: 'refusal',
        status: 200,
        eventId: crypto.randomUUID(),
        time: new Date().toISOString(),
      }),
    ).toBeUndefined();
  });
});
