/**
 * A bounded keep-alive HTTP load generator, run as a separate process so that the client's CPU
 * does not share an event loop with the server being measured.
 *
 * Input (argv[2], JSON): { url, method, headers, body, concurrency, maxRequests, maxSeconds }.
 * Output (stdout, JSON): { requests, errors, seconds, rps, p50Us, p99Us, statuses }.
 * Stops at whichever bound comes first, so it can never run away.
 */
import http from 'node:http';
import type { LoadSpec } from './processes.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const target = new URL(spec.url);
if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
  // Load is only ever aimed at this machine's loopback.
  console.error('load-client: refusing a non-loopback target');
  process.exit(2);
}
const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
const body = Buffer.from(spec.body);
const headers = { ...spec.headers, 'content-length': String(body.length) };
const REQUEST_TIMEOUT_MS = spec.timeoutMs ?? 10_000;
const latencies: number[] = [];
const statuses: Record<number, number> = {};
let sent = 0;
let errors = 0;
const started = process.hrtime.bigint();
const deadline = started + BigInt(Math.round(spec.maxSeconds * 1e9));

function one(): Promise<void> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: spec.method,
        headers,
        agent,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
          resolve();
        });
      },
    );
    // A server that stops answering must not stall the run: give up on the request.
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

async function worker(): Promise<void> {
  while (sent < spec.maxRequests && process.hrtime.bigint() < deadline) {
    sent++;
    await one();
  }
}

function report(): void {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? NaN;
  agent.destroy();
  process.stdout.write(
    JSON.stringify({
      requests: latencies.length,
      errors,
      seconds,
      rps: latencies.length / seconds,
      p50Us: pct(0.5),
      p99Us: pct(0.99),
      statuses,
    }),
  );
}

// Hard stop: whatever is still in flight after the deadline plus one request timeout is abandoned.
setTimeout(
  () => {
    report();
    process.exit(0);
  },
  spec.maxSeconds * 1000 + REQUEST_TIMEOUT_MS + 1000,
).unref();

await Promise.all(Array.from({ length: spec.concurrency }, worker));
report();
process.exit(0);
