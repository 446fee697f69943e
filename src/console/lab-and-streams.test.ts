/**
 * The bounded endpoints: one SSRF lab run at a time (its report mapped to `LabRun`), and a limit
 * on open event streams.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabReport } from '../delivery/imds/lab/report.js';
import type { ConsoleError, LabRun } from './contract.js';
import {
  createConsolePlane,
  loginWithToken,
  send,
  type Browser,
  type ConsolePlane,
} from './test-support/console-plane.js';

let plane: ConsolePlane;
let admin: Browser;
let release: () => void = () => undefined;
const runs: { netns: boolean }[] = [];

const REPORT: LabReport = {
  ok: true,
  scenarios: [
    {
      id: 1,
      title: 'IMDSv1 through the SSRF',
      expected: 'credentials',
      observed: 'credentials for role ssrf-lab-web',
      behaved: true,
      steps: [
        { sent: 'GET /latest/meta-data/iam/security-credentials/', status: 200, received: 'ssrf-lab-web' },
      ],
      lesson: 'require IMDSv2',
    },
    {
      id: 6,
      title: 'hop limit',
      expected: 'no token',
      observed: 'not run',
      behaved: false,
      skipped: 'needs root',
      steps: [],
      lesson: 'hop limit 1',
    },
  ],
};

beforeAll(async () => {
  plane = await createConsolePlane({
    maxStreams: 1,
    runSsrfLab: (options) => {
      runs.push(options);
      return new Promise<LabReport>((resolve) => {
        release = () => resolve(REPORT);
      });
    },
  });
  admin = await loginWithToken(plane);
});

afterAll(async () => {
  await plane?.close();
});

describe('POST api/lab/ssrf', () => {
  it('runs one lab at a time, without network namespaces unless root asked, and maps the report', async () => {
    const first = send(plane, 'POST', '/credplane/console/api/lab/ssrf', {
      browser: admin,
      body: { netns: true },
    });
    await new Promise((r) => setTimeout(r, 20));
    const busy = await send(plane, 'POST', '/credplane/console/api/lab/ssrf', { browser: admin, body: {} });
    expect([busy.status, (busy.json as ConsoleError).error.code]).toEqual([409, 'ConcurrentModification']);
    release();
    const done = await first;
    expect(done.status).toBe(200);
    expect(runs).toEqual([{ netns: process.getuid?.() === 0 }]);
    const run = done.json as LabRun;
    expect(run.ok).toBe(true);
    expect(run.scenarios.map((s) => [s.name, s.attackerGot, s.passed])).toEqual([
      ['IMDSv1 through the SSRF', 'credentials for role ssrf-lab-web', true],
      ['hop limit', 'not run', true],
    ]);
    // Free again once the run ended.
    const again = send(plane, 'POST', '/credplane/console/api/lab/ssrf', { browser: admin, body: {} });
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect((await again).status).toBe(200);
  });
});

describe('GET api/events/stream', () => {
  it('refuses a stream beyond the limit with 503, and takes one again once a stream closed', async () => {
    const server = http.createServer((req, res) => {
      if (!plane.console.take(req, res)) {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/credplane/console/api/events/stream`;
    try {
      const first = new AbortController();
      const open = await fetch(url, { headers: { cookie: admin.cookie! }, signal: first.signal });
      expect(open.status).toBe(200);
      const refused = await fetch(url, { headers: { cookie: admin.cookie! } });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as ConsoleError).error.code).toBe('ServiceUnavailable');
      first.abort();
      let reopened: Response | undefined;
      for (let i = 0; i < 50; i++) {
        await new Promise((r) => setTimeout(r, 20));
        reopened = await fetch(url, { headers: { cookie: admin.cookie! } });
        if (reopened.status === 200) break;
        await reopened.body?.cancel();
      }
      expect(reopened?.status).toBe(200);
      plane.console.close();
      await reopened?.body?.cancel().catch(() => undefined);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
