import { describe, expect, it } from 'vitest';
import { createReadiness } from './readiness.js';

const body = (r: { body?: string | Buffer }): unknown => JSON.parse(String(r.body));

describe('GET /ready', () => {
  it('is 200 ready when the store answers and the key ring is loaded', async () => {
    const ready = createReadiness({ readStore: () => Promise.resolve(7), keyRing: () => ({}) });
    const response = await ready();
    expect(response.status).toBe(200);
    expect(body(response)).toEqual({ status: 'ready' });
  });

  it('is 503 with a reason when the key ring is not loaded', async () => {
    const ready = createReadiness({
      readStore: () => Promise.resolve(7),
      keyRing: () => {
        throw new Error('key ring not loaded');
      },
    });
    const response = await ready();
    expect(response.status).toBe(503);
    expect(body(response)).toEqual({ status: 'unavailable', reason: 'the key ring is not loaded' });
  });

  it('is 503 when the store fails, without the failure text', async () => {
    const ready = createReadiness({
      readStore: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:5432 password=x')),
      keyRing: () => ({}),
    });
    const response = await ready();
    expect(response.status).toBe(503);
    expect(String(response.body)).not.toContain('10.0.0.5');
    expect(body(response)).toEqual({ status: 'unavailable', reason: 'the store is unreachable' });
  });

  it('is 503 when the store does not answer within the timeout', async () => {
    const ready = createReadiness({
      readStore: () => new Promise(() => undefined),
      keyRing: () => ({}),
      timeoutMs: 50,
    });
    const started = Date.now();
    const response = await ready();
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(body(response)).toEqual({
      status: 'unavailable',
      reason: 'the store did not answer within 50 ms',
    });
  });
});
