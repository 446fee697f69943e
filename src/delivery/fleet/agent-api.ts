/**
 * The agent port of `credplane up`: HTTPS with the plane CA's server certificate, asking every
 * client for a certificate. Only `GET /agent/v1/ca` (public: the agent checks it against its
 * token's pin) and `POST /agent/v1/enroll` (the join token is the credential) take a client
 * without one; every other route needs a certificate that chains to the plane CA *and* that the
 * store still records for a node (`NodeRegistry.identify`), checked on each request.
 *
 * | route | who | answer |
 * | --- | --- | --- |
 * | `GET /agent/v1/ca` | anyone | the CA certificate (PEM) |
 * | `POST /agent/v1/enroll` `{ token, csr }` | a join token, once | `{ node, certificate, ca }` |
 * | `POST /agent/v1/renew` `{ csr }` | a node | `{ certificate }` |
 * | `GET /agent/v1/instances` | a node | the instances placed on it |
 * | `POST /agent/v1/credentials` `{ instanceId, delivery }` | a node | that instance's role credentials, if placed on it |
 * | `GET /agent/v1/tasks` | a node | the ECS tasks placed on it |
 * | `POST /agent/v1/task-credentials` `{ taskId }` | a node | that task's role credentials, if placed on it |
 * | `POST /agent/v1/pod-credentials` `{ token }` | a node | the pod's credentials, if its token is bound to the node |
 * | `POST /agent/v1/events` `{ events }` | a node | `{ accepted, refused }`: the agent's own refusals, logged (`node-events.ts`) |
 */
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isAwsError } from '../../errors.js';
import type { NodeCa } from './ca.js';
import type { NodeEvents } from './node-events.js';
import type { NodePods } from './node-pods.js';
import type { NodeTasks } from './node-tasks.js';
import type { NodeWorkloads } from './node-workloads.js';
import type { NodeRegistry } from './nodes.js';

const MAX_BODY = 64 * 1024;
/** The agent port's own certificate; renewed by restarting (a year). */
const SERVER_CERTIFICATE_SECONDS = 365 * 86400;

export interface AgentApiOptions {
  ca: NodeCa;
  registry: NodeRegistry;
  workloads: NodeWorkloads;
  /** ECS tasks placed on nodes; without it a node has none. */
  tasks?: NodeTasks;
  /** EKS Pod Identity for pods on nodes; without it a node gets none. */
  pods?: NodePods;
  /** What agents refused on their own, into the access log; without it the route answers 404. */
  events?: NodeEvents;
  /** Address to bind; 127.0.0.1 by default. */
  host?: string;
  port: number;
  /** Names and addresses agents use to reach this port (the server certificate's SANs); `host` is always one. */
  serverNames?: string[];
  now?: () => number;
  onError?: (error: unknown) => void;
}

export interface AgentApi {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
}

const error = (status: number, code: string, message: string): Reply => ({ status, body: { code, message } });

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const api = await startAgentApi({ ca, registry, workloads, port: 7301 });
 */
export async function startAgentApi(options: AgentApiOptions): Promise<AgentApi> {
  const now = options.now ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  const names = [
    ...new Set([host, ...(options.serverNames ?? [])].filter((h) => h !== '0.0.0.0' && h !== '::')),
  ];
  const serverCert = await options.ca.issueServerCertificate(names, SERVER_CERTIFICATE_SECONDS, now());

  async function route(req: IncomingMessage): Promise<Reply> {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (path === '/agent/v1/ca' && method === 'GET')
      return { status: 200, body: { ca: options.ca.certificatePem } };
    if (path === '/agent/v1/enroll' && method === 'POST') {
      const body = await readJson(req);
      if (typeof body?.token !== 'string' || typeof body.csr !== 'string')
        return error(400, 'ValidationError', 'Give { "token", "csr" }.');
      const issued = await options.registry.enroll(body.token, body.csr);
      return {
        status: 200,
        body: { node: issued.nodeName, certificate: issued.pem, ca: options.ca.certificatePem },
      };
    }
    const socket = req.socket as TLSSocket;
    const node = socket.authorized ? await options.registry.identify(socket.getPeerCertificate()) : undefined;
    if (node === undefined)
      return error(403, 'AccessDenied', 'A node certificate the plane honours is required.');
    if (path === '/agent/v1/renew' && method === 'POST') {
      const body = await readJson(req);
      if (typeof body?.csr !== 'string') return error(400, 'ValidationError', 'Give { "csr" }.');
      const issued = await options.registry.renew(node, body.csr);
      return { status: 200, body: { certificate: issued.pem } };
    }
    if (path === '/agent/v1/instances' && method === 'GET') {
      return { status: 200, body: { node, instances: await options.workloads.instances(node) } };
    }
    if (path === '/agent/v1/credentials' && method === 'POST') {
      const body = await readJson(req);
      const delivery = body?.delivery;
      if (typeof body?.instanceId !== 'string' || (delivery !== '1.0' && delivery !== '2.0'))
        return error(400, 'ValidationError', 'Give { "instanceId", "delivery": "1.0" | "2.0" }.');
      return { status: 200, body: await options.workloads.credentials(node, body.instanceId, delivery) };
    }
    if (path === '/agent/v1/tasks' && method === 'GET') {
      return { status: 200, body: { node, tasks: options.tasks?.tasks(node) ?? [] } };
    }
    if (path === '/agent/v1/task-credentials' && method === 'POST') {
      const body = await readJson(req);
      if (typeof body?.taskId !== 'string') return error(400, 'ValidationError', 'Give { "taskId" }.');
      if (options.tasks === undefined) return error(403, 'AccessDenied', 'No task is placed on this node.');
      return { status: 200, body: await options.tasks.credentials(node, body.taskId) };
    }
    if (path === '/agent/v1/pod-credentials' && method === 'POST') {
      const body = await readJson(req);
      if (typeof body?.token !== 'string') return error(400, 'ValidationError', 'Give { "token" }.');
      if (options.pods === undefined) return error(403, 'AccessDenied', 'No pod is served to nodes.');
      return { status: 200, body: await options.pods.credentials(node, body.token) };
    }
    if (path === '/agent/v1/events' && method === 'POST' && options.events !== undefined) {
      const body = await readJson(req);
      return { status: 200, body: await options.events.accept(node, body) };
    }
    return error(404, 'NotFound', 'No such agent route.');
  }

  const server = https.createServer(
    {
      key: serverCert.keyPem,
      cert: serverCert.pem,
      ca: [options.ca.certificatePem],
      requestCert: true,
      // Enrollment comes without a client certificate; every other route checks `authorized`.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
    },
    (req, res) => {
      route(req)
        .catch((e: unknown): Reply => {
          if (isAwsError(e)) return error(e.status, e.code, e.message);
          options.onError?.(e);
          return error(500, 'InternalFailure', 'The agent request failed.');
        })
        .then((reply) => {
          const text = JSON.stringify(reply.body);
          res.writeHead(reply.status, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
            'cache-control': 'no-store',
          });
          res.end(text);
        })
        .catch((e: unknown) => options.onError?.(e));
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
