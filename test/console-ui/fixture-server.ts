/**
 * A stand-in for the console's JSON API (src/console/contract.ts) with hostile values in every
 * string a screen shows, serving the built console (dist/console-ui) with the server's CSP. It lets
 * the front-end's tests check each screen's rendering and escaping on their own; the end-to-end
 * test (test/e2e/console.test.ts) drives the real `credplane up`.
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  AccessGraph,
  ActivityDetail,
  ActivityEvent,
  ChangeResult,
  LabRun,
  LeastPrivilegeView,
  Overview,
  RolePage,
  SessionInfo,
} from '../../src/console/contract.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'console-ui');

/** Markup that runs script if a screen ever renders a value as HTML. */
export const HOSTILE = `<img src=x onerror="alert('xss')">`;
export const HOSTILE_ROLE = `evil${HOSTILE}`;

const NOW = Date.now();
const iso = (msAgo: number): string => new Date(NOW - msAgo).toISOString();
const hours = Array.from({ length: 24 }, (_, i) => iso((23 - i) * 3_600_000));
const wave = (scale: number): number[] => hours.map((_, i) => Math.round(scale * (1 + Math.sin(i / 3))));

const POLICY = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Hostile',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:*'],
        Resource: `arn:aws:s3:::${HOSTILE}/*`,
      },
    ],
  },
  null,
  2,
);
const TRUST = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  },
  null,
  2,
);

export interface Fixture {
  url: string;
  /** Requests that changed something, with their CSRF header. */
  changes: { path: string; csrf: string | undefined; body: string }[];
  /** Push one event to the open streams. */
  push(event: ActivityEvent): void;
  close(): Promise<void>;
}

export const SESSION: SessionInfo = {
  principal: {
    arn: 'arn:aws:iam::123456789012:user/admin',
    accountId: '123456789012',
    type: 'user',
    name: 'admin',
  },
  csrfToken: 'csrf-fixture-token',
  can: { changeRolePolicies: true, runLab: true },
};

const finding = (message: string, line?: number) => ({
  code: 'HOSTILE_FINDING',
  severity: 'SECURITY_WARNING' as const,
  category: 'policy' as const,
  title: 'A finding with a hostile message',
  message,
  subject: { kind: 'role' as const, name: HOSTILE_ROLE },
  ...(line === undefined ? {} : { location: { policy: `${HOSTILE_ROLE}/inline`, line, column: 7 } }),
});

const overview: Overview = {
  account: '123456789012',
  workloads: [
    {
      kind: 'ec2-instance',
      channel: 'instance',
      name: `web${HOSTILE}`,
      id: 'i-0123456789abcdef0',
      roleName: HOSTILE_ROLE,
      roleArn: 'arn',
      lastDelivery: iso(60_000),
      findingCount: 2,
      worstSeverity: 'SECURITY_WARNING',
    },
    {
      kind: 'ecs-task-definition',
      channel: 'task',
      name: 'worker',
      id: 'arn:aws:ecs:us-east-1:123456789012:task/demo/1',
      roleName: HOSTILE_ROLE,
      findingCount: 0,
    },
    {
      kind: 'lambda-function',
      channel: 'function',
      name: 'thumbnailer',
      id: 'thumbnailer',
      roleName: 'thumbs',
      lastDelivery: iso(7_200_000),
      findingCount: 0,
    },
    {
      kind: 'eks-service-account',
      channel: 'pod',
      name: 'payments/payments-api',
      id: 'payments/payments-api',
      findingCount: 1,
      worstSeverity: 'WARNING',
    },
  ],
  roles: [
    {
      name: HOSTILE_ROLE,
      arn: `arn:aws:iam::123456789012:role/${HOSTILE_ROLE}`,
      workloadCount: 2,
      findingCount: 2,
      lastUsed: iso(60_000),
    },
    { name: 'thumbs', arn: 'arn:aws:iam::123456789012:role/thumbs', workloadCount: 1, findingCount: 0 },
  ],
  findings: [finding(`posture ${HOSTILE}`)],
  deliveries: {
    hours,
    byChannel: { instance: wave(5), task: wave(3), function: wave(2), [HOSTILE]: wave(1) },
  },
};

const rolePage: RolePage = {
  name: HOSTILE_ROLE,
  arn: `arn:aws:iam::123456789012:role/${HOSTILE_ROLE}`,
  description: `described as ${HOSTILE}`,
  createDate: iso(86_400_000),
  maxSessionDuration: 3600,
  tags: [{ key: HOSTILE, value: HOSTILE }],
  policies: [
    { kind: 'inline', name: `inline${HOSTILE}`, text: POLICY, findings: [finding(`wildcard ${HOSTILE}`, 7)] },
    { kind: 'trust', name: 'trust', text: TRUST, findings: [] },
  ],
  workloads: overview.workloads.slice(0, 2),
  lastAccessed: [
    {
      service: 's3',
      lastAccessed: iso(60_000),
      actions: [
        {
          action: 's3:GetObject',
          resource: `arn:aws:s3:::${HOSTILE}/a`,
          lastAccessed: iso(60_000),
          allowed: 4,
          denied: 1,
        },
      ],
      unusedActions: [`s3:${HOSTILE}`],
    },
  ],
  findings: [finding(`wildcard ${HOSTILE}`, 7)],
  decisions: { hours, allow: wave(4), deny: wave(1) },
};

const graph: AccessGraph = {
  nodes: [
    { id: 'w1', kind: 'workload', label: `web${HOSTILE}` },
    {
      id: 'r1',
      kind: 'role',
      label: HOSTILE_ROLE,
      href: `/credplane/console/#/roles/${encodeURIComponent(HOSTILE_ROLE)}`,
    },
    { id: 'r2', kind: 'role', label: 'thumbs', href: '/credplane/console/#/roles/thumbs' },
    { id: 's1', kind: 'service', label: 's3' },
  ],
  edges: [
    { id: 'e1', source: 'w1', target: 'r1', kind: 'uses', actions: [] },
    { id: 'e2', source: 'r1', target: 's1', kind: 'grants', actions: ['s3:GetObject'] },
    {
      id: 'e3',
      source: 'r2',
      target: 'r1',
      kind: 'put-role-policy',
      actions: ['iam:PutRolePolicy'],
      because: HOSTILE,
    },
  ],
  escalations: [finding(`thumbs → ${HOSTILE_ROLE} via iam:PutRolePolicy`)],
};

const deniedEvent: ActivityEvent = {
  eventId: 'ev-1',
  eventTime: iso(5_000),
  channel: 'gateway',
  eventSource: 's3.amazonaws.com',
  eventName: `GetObject${HOSTILE}`,
  principalArn: `arn:aws:sts::123456789012:assumed-role/${HOSTILE_ROLE}/s`,
  roleName: HOSTILE_ROLE,
  decision: 'deny',
  errorCode: 'AccessDenied',
  sourceIPAddress: HOSTILE,
};

const leastPrivilege: LeastPrivilegeView = {
  roleName: HOSTILE_ROLE,
  current: [{ name: `inline${HOSTILE}`, text: POLICY }],
  generated: { name: 'generated', text: TRUST },
  diff: `--- current\n+++ generated\n@@ -1,3 +1,3 @@\n-  "Action": "${HOSTILE}"\n+  "Action": "s3:GetObject"\n   }`,
  removed: [`s3:${HOSTILE}`],
  snapshots: [{ snapshotId: 'snap-1', createdAt: iso(3_600_000), reason: HOSTILE }],
};

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** The same principal, allowed only to read (`iam:Get*`, `iam:List*`). */
export const READ_ONLY: SessionInfo = { ...SESSION, can: { changeRolePolicies: false, runLab: false } };

export async function startFixture(): Promise<Fixture> {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`The console is not built (${DIST}): run npm run build first.`);
  }
  const changes: Fixture['changes'] = [];
  const streams = new Set<http.ServerResponse>();
  let signedIn = false;
  let session = SESSION;
  const server = http.createServer((req, res) => {
    res.setHeader('content-security-policy', "default-src 'self'");
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const p = url.pathname;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (p.startsWith('/credplane/console/api/')) {
        const api = p.slice('/credplane/console/api/'.length);
        if (req.method === 'POST') {
          changes.push({ path: api, csrf: req.headers['x-csrf-token'] as string | undefined, body });
          if (api === 'login') {
            const { accessKeyId } = JSON.parse(body) as { accessKeyId: string };
            if (accessKeyId !== 'AKIAFIXTURE' && accessKeyId !== 'AKIAREADONLY')
              return send(res, 403, { error: { code: 'AccessDenied', message: `bad key ${HOSTILE}` } });
            signedIn = true;
            session = accessKeyId === 'AKIAREADONLY' ? READ_ONLY : SESSION;
            return send(res, 200, session);
          }
          if (req.headers['x-csrf-token'] !== SESSION.csrfToken)
            return send(res, 403, { error: { code: 'InvalidCsrfToken', message: 'no' } });
          if (api.endsWith('/apply') || api.endsWith('/rollback'))
            return send(res, 200, {
              roleName: HOSTILE_ROLE,
              snapshotId: 'snap-2',
              changes: [`put ${HOSTILE}`],
            } satisfies ChangeResult);
          if (api === 'lab/ssrf')
            return send(res, 200, {
              ok: false,
              scenarios: [
                { name: `imdsv1 ${HOSTILE}`, attackerGot: `credentials for ${HOSTILE}`, passed: false },
                { name: 'imdsv2 hop limit', attackerGot: 'nothing (401)', passed: true },
              ],
            } satisfies LabRun);
          if (api === 'logout') {
            signedIn = false;
            res.writeHead(204).end();
            return;
          }
        }
        if (!signedIn) return send(res, 401, { error: { code: 'NotAuthenticated', message: 'sign in' } });
        if (api === 'session') return send(res, 200, session);
        if (api === 'overview') return send(res, 200, overview);
        if (api === `roles/${encodeURIComponent(HOSTILE_ROLE)}`) return send(res, 200, rolePage);
        if (api === `roles/${encodeURIComponent(HOSTILE_ROLE)}/least-privilege`)
          return send(res, 200, leastPrivilege);
        if (api === 'graph') return send(res, 200, graph);
        if (api === 'events') return send(res, 200, { events: [deniedEvent] });
        if (api === 'events/ev-1' || api === 'events/ev-2')
          return send(res, 200, {
            event: deniedEvent,
            record: { eventName: HOSTILE },
            explanation: {
              allowed: false,
              explicitDeny: false,
              matchedStatements: { items: [{ statementId: HOSTILE }] },
            },
          } satisfies ActivityDetail);
        if (api === 'events/stream') {
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
          res.write(': hello\n\n');
          streams.add(res);
          res.on('close', () => streams.delete(res));
          return;
        }
        return send(res, 404, { error: { code: 'NoSuchEntity', message: `no ${api}` } });
      }
      if (p === '/credplane/console/login') {
        signedIn = url.searchParams.get('token') === 'one-time';
        session = SESSION;
        res.writeHead(303, { location: `/credplane/console/${signedIn ? '' : '?login=expired'}` }).end();
        return;
      }
      const file = p === '/credplane/console/' ? 'index.html' : p.replace('/credplane/console/', '');
      const full = path.join(DIST, path.normalize(file));
      if (!full.startsWith(DIST) || !fs.existsSync(full)) return void res.writeHead(404).end();
      const type = full.endsWith('.js')
        ? 'text/javascript'
        : full.endsWith('.css')
          ? 'text/css'
          : 'text/html';
      res.writeHead(200, { 'content-type': type });
      res.end(fs.readFileSync(full));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    changes,
    push: (event) => {
      for (const s of streams) s.write(`event: access\ndata: ${JSON.stringify(event)}\n\n`);
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { deniedEvent };
