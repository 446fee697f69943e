/**
 * The node agent: enrolls (or loads its identity), follows the instances the server places on its
 * node, keeps their credentials ahead of need (`credential-cache.ts`), and serves the instance's
 * metadata with the same endpoint and tree as `credplane up` (`createImdsServer`, `instanceTree`)
 * on the addresses it is given — on a host, `169.254.169.254:80`.
 */
import { randomBytes } from 'node:crypto';
import type { TemporaryAccessKeyId } from '../../../crypto/index.js';
import { credentialDocument, iamInfoDocument, unauthorizedDocument } from '../../imds/documents.js';
import {
  createImdsServer,
  type ImdsEndpoint,
  type ImdsRefusal,
  type ImdsState,
  type SetSocketTtl,
} from '../../imds/server.js';
import { ImdsTokens } from '../../imds/tokens.js';
import { instanceTree, type InstanceDescription, type RoleDelivery } from '../../imds/tree.js';
import { listen, type RunningServer } from '../../../http/server.js';
import type { ApiHandler } from '../../../http/types.js';
import { createContainerCredentialsHandler } from '../../container/server.js';
import { TaskStats } from '../../container/task-stats.js';
import type { NodeTask } from '../node-tasks.js';
import type { NodeCredentials, NodeInstance } from '../node-workloads.js';
import { AgentPods } from './node-pods.js';
import { AgentTasks } from './node-tasks.js';
import { PersistedState } from './persisted-state.js';
import { CredentialCache } from './credential-cache.js';
import { NodeIdentity } from './node-identity.js';
import type { UnauthenticatedBudgetOptions } from '../../../audit/unauthenticated.js';
import type { EventsReply } from '../node-events.js';
import { AgentEvents } from './agent-events.js';
import { EventOutbox } from './event-outbox.js';

export interface AgentOptions {
  /** The agent port of `credplane up`, `https://host:port`. */
  server: string;
  stateDir: string;
  /** Needed on first start only. */
  joinToken?: string;
  /** Addresses to serve the metadata service on (e.g. `169.254.169.254`). */
  bind: string[];
  /** 80 by default. */
  port?: number;
  /**
   * IPv6 addresses for the metadata service (`fd00:ec2::254`), listened on only while the served
   * instance's `HttpProtocolIpv6` is enabled (Amazon EC2 User Guide, IMDS IPv6 endpoint): with it
   * disabled nothing answers there, as on EC2.
   */
  bindV6?: string[];
  /** Addresses for the ECS container credentials endpoint (e.g. `169.254.170.2`); none by default. */
  containerBind?: string[];
  /** 80 by default. */
  containerPort?: number;
  /** Addresses for EKS Pod Identity (e.g. `169.254.170.23`, `fd00:ec2::23`); none by default. */
  podIdentityBind?: string[];
  /** 80 by default. */
  podIdentityPort?: number;
  /** The instance to serve when several are placed on the node (id or name). */
  instance?: string;
  /** How often to ask the server what is placed on the node; 5000 ms. */
  syncMs?: number;
  setSocketTtl?: SetSocketTtl;
  /** The budget of refusal events (as `credplane up`'s unauthenticated events by default). */
  eventBudget?: UnauthenticatedBudgetOptions;
  /** Refusal events kept in the outbox at most while the server is away (10 000). */
  maxOutboxEvents?: number;
  now?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface RunningAgent {
  readonly node: string;
  readonly endpoints: string[];
  /** The container credentials endpoint's base URLs (`http://169.254.170.2:80`). */
  readonly containerEndpoints: string[];
  /** The IPv6 metadata endpoints listening now (they follow the instance's `HttpProtocolIpv6`). */
  ipv6Endpoints(): string[];
  /** The Pod Identity endpoint's base URLs (`http://169.254.170.23:80`). */
  readonly podIdentityEndpoints: string[];
  /** Ask the server now (tests; the agent also does it every `syncMs`), and send logged refusals. */
  sync(): Promise<void>;
  /** Refusal events waiting in the outbox for the server. */
  pendingEvents(): number;
  stop(): Promise<void>;
}

const DISABLED: ImdsState = {
  binding: { instanceId: 'i-00000000000000000', generation: 'none' },
  options: { httpTokens: 'required', httpEndpoint: 'disabled', httpPutResponseHopLimit: 1 },
  tree: {},
};

class ServedInstance {
  readonly generation = randomBytes(8).toString('hex');
  state: ImdsState = DISABLED;
  private caches: Partial<Record<RoleDelivery, CredentialCache>> = {};
  private roleName: string | undefined;

  constructor(
    readonly instanceId: string,
    private readonly fetch: (delivery: RoleDelivery) => Promise<NodeCredentials>,
    private readonly now: () => number,
    private readonly log: AgentOptions['log'],
    private readonly persisted?: PersistedState,
  ) {}

  update(i: NodeInstance): void {
    if (i.roleName !== this.roleName) {
      this.stop();
      this.roleName = i.roleName;
    }
    const { launchTime, userData, ...rest } = i.description;
    const description: InstanceDescription = {
      ...rest,
      launchTime: new Date(launchTime),
      ...(userData === undefined ? {} : { userData: Buffer.from(userData, 'base64') }),
    };
    const profile = description.instanceProfile;
    this.state = {
      binding: { instanceId: this.instanceId, generation: this.generation },
      options: i.options,
      tree: instanceTree(description, {
        credentials: (delivery, extended) => this.credentials(delivery, extended),
        iamInfo: () => (profile === undefined ? '' : iamInfoDocument(profile, new Date(this.now()))),
        identityDocument: i.identity.document,
        identitySignature: i.identity.signature,
        identityPkcs7: i.identity.pkcs7,
      }),
    };
    if (this.roleName !== undefined) {
      // Ahead of need: IMDSv2 always, IMDSv1 only where the instance allows it.
      this.cache('2.0');
      if (i.options.httpTokens === 'optional') this.cache('1.0');
    }
  }

  private cache(delivery: RoleDelivery): CredentialCache {
    let cache = this.caches[delivery];
    if (cache === undefined) {
      const key = `instance:${this.instanceId}:${delivery}`;
      const initial = this.persisted?.credential(key);
      cache = new CredentialCache({
        fetch: () => this.fetch(delivery),
        ...(initial === undefined ? {} : { initial }),
        onFetched: (c) => this.persisted?.setCredential(key, c),
        now: this.now,
        onError: (error) =>
          this.log?.('credential fetch failed; serving the cached set', {
            instanceId: this.instanceId,
            delivery,
            error: (error as Error).message,
          }),
      });
      this.caches[delivery] = cache;
      cache.start();
    }
    return cache;
  }

  private async credentials(delivery: RoleDelivery, extended: boolean): Promise<string> {
    if (this.roleName === undefined) return '';
    const c = await this.cache(delivery).get();
    if (c.code !== 'Success') return unauthorizedDocument(c.roleName, new Date(this.now()));
    const credentials = {
      accessKeyId: c.accessKeyId as TemporaryAccessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: new Date(c.expiration),
      accountId: c.accountId,
      roleArn: c.roleArn,
    };
    return credentialDocument(credentials, new Date(c.issuedAt), extended);
  }

  stop(): void {
    for (const cache of Object.values(this.caches)) cache?.stop();
    this.caches = {};
  }
}

/**
 * @example
 * const agent = await startAgent({ server: 'https://10.0.0.1:7301', stateDir: '/var/lib/credplane-agent',
 *   joinToken, bind: ['169.254.169.254'] });
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const now = options.now ?? Date.now;
  const identity = new NodeIdentity(options.server, options.stateDir);
  const { node } = await identity.ensure(options.joinToken);
  options.log?.('node identity ready', { node, notAfter: identity.current?.notAfter.toISOString() });
  const tokens = new ImdsTokens();
  let served: ServedInstance | undefined;
  const fetch = (instanceId: string) => (delivery: RoleDelivery) =>
    identity.client.post<NodeCredentials>('/agent/v1/credentials', { instanceId, delivery });

  const persisted = new PersistedState(options.stateDir, node, options.log);
  const agentEvents = new AgentEvents({
    outbox: EventOutbox.open(options.stateDir, {
      now,
      ...(options.maxOutboxEvents === undefined ? {} : { maxEvents: options.maxOutboxEvents }),
      ...(options.log === undefined ? {} : { log: options.log }),
    }),
    send: (events) => identity.client.post<EventsReply>('/agent/v1/events', { events }),
    now,
    ...(options.eventBudget === undefined ? {} : { budget: options.eventBudget }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const tasks = new AgentTasks({
    persisted,
    fetch: (taskId) => identity.client.post<NodeCredentials>('/agent/v1/task-credentials', { taskId }),
    now,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const imdsOptions = {
    state: () => served?.state ?? DISABLED,
    tokens,
    now,
    ...(options.setSocketTtl === undefined ? {} : { setSocketTtl: options.setSocketTtl }),
    onError: (error: unknown) =>
      options.log?.('metadata request failed', { error: (error as Error).message }),
    onRefused: (reason: ImdsRefusal, status: number, sourceIp: string) =>
      agentEvents.refused({
        channel: 'imds',
        reason,
        status,
        sourceIp,
        ...(served === undefined ? {} : { instanceId: served.instanceId }),
      }),
  };
  /** Listen on the IPv6 addresses exactly while the served instance enables `HttpProtocolIpv6`. */
  async function followIpv6(enabled: boolean): Promise<void> {
    for (const address of options.bindV6 ?? []) {
      const up = v6.get(address);
      if (enabled && up === undefined)
        v6.set(address, await createImdsServer(imdsOptions, options.port ?? 80, address));
      if (!enabled && up !== undefined) {
        v6.delete(address);
        await up.close();
      }
    }
  }
  const pods = new AgentPods({
    fetch: (token) => identity.client.post<NodeCredentials>('/agent/v1/pod-credentials', { token }),
    onRefused: (status, sourceIp) =>
      agentEvents.refused({ channel: 'pod-identity', reason: 'pod-token-refused', status, sourceIp }),
    now,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const endpoints: ImdsEndpoint[] = [];
  const v6 = new Map<string, ImdsEndpoint>();
  const others: RunningServer[] = [];
  const podServers: RunningServer[] = [];
  const urlOf = (host: string, port: number): string =>
    `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  try {
    // The container endpoint of `credplane up`, in the ECS agent's relative-URI form.
    // The region of the task metadata documents is the tasks' own (their ARNs say it).
    const stats = new TaskStats(now);
    const containerHandler: ApiHandler = async (request) => {
      const response = await createContainerCredentialsHandler({
        registry: tasks,
        region: tasks.region,
        authorization: 'relative-uri',
        stats,
      })(request);
      // A credentials path the agent does not know (or of a stopped task) is decided here alone:
      // a guessed or stolen relative URI.
      if (response.status >= 400 && response.status < 500 && request.url.startsWith('/v2/credentials'))
        agentEvents.refused({
          channel: 'container',
          reason: 'container-unknown-id',
          status: response.status,
          sourceIp: request.remoteAddress,
        });
      return response;
    };
    for (const address of options.podIdentityBind ?? []) {
      podServers.push(
        await listen(
          { handler: pods.handler, maxBodyBytes: 16 * 1024 },
          options.podIdentityPort ?? 80,
          address,
        ),
      );
    }
    for (const address of options.containerBind ?? []) {
      others.push(
        await listen(
          { handler: containerHandler, maxBodyBytes: 16 * 1024 },
          options.containerPort ?? 80,
          address,
        ),
      );
    }
    for (const address of options.bind) {
      endpoints.push(await createImdsServer(imdsOptions, options.port ?? 80, address));
    }
  } catch (error) {
    await Promise.all([...endpoints, ...others, ...podServers].map((e) => e.close()));
    throw error;
  }

  let syncing: Promise<void> | undefined;
  async function syncOnce(): Promise<void> {
    if (now() >= identity.renewAt()) {
      await identity.renew();
      options.log?.('node certificate renewed', { notAfter: identity.current?.notAfter.toISOString() });
    }
    const placedTasks = await identity.client.get<{ tasks: NodeTask[] }>('/agent/v1/tasks');
    const { instances } = await identity.client.get<{ instances: NodeInstance[] }>('/agent/v1/instances');
    persisted.setPlacement(instances, placedTasks.tasks);
    await place(instances, placedTasks.tasks);
    // After placement, so that events about an instance just placed are in the node's scope.
    // Placement does not wait on it: events the server does not take stay for the next sync.
    await agentEvents
      .flush()
      .catch((error: unknown) =>
        options.log?.('refusal events kept for the next sync', { error: (error as Error).message }),
      );
  }
  /** Serve what is placed on the node (from the server, or from the saved state at start). */
  async function place(instances: NodeInstance[], placedTasks: NodeTask[]): Promise<void> {
    tasks.update(placedTasks);
    const wanted =
      options.instance === undefined
        ? instances.length === 1
          ? instances[0]
          : undefined
        : instances.find((i) => i.instanceId === options.instance || i.name === options.instance);
    if (wanted === undefined && instances.length > 1) {
      options.log?.('several instances are placed on this node: choose one with --instance', {
        instances: instances.map((i) => i.instanceId),
      });
    }
    await followIpv6(wanted?.httpProtocolIpv6 === 'enabled');
    if (wanted === undefined) {
      served?.stop();
      served = undefined;
      return;
    }
    if (served?.instanceId !== wanted.instanceId) {
      served?.stop();
      served = new ServedInstance(wanted.instanceId, fetch(wanted.instanceId), now, options.log, persisted);
    }
    served.update(wanted);
  }
  const sync = (): Promise<void> =>
    (syncing ??= syncOnce().finally(() => {
      syncing = undefined;
    }));

  // What the last run served, at once: an agent restarted while the server is away keeps serving.
  const saved = persisted.load();
  if (saved !== undefined) {
    await place(saved.instances, saved.tasks);
    options.log?.('serving the saved state until the server answers', {
      instances: saved.instances.length,
      tasks: saved.tasks.length,
    });
  }
  // Serving what is cached does not depend on reaching the server: failures are logged and retried.
  await sync().catch((error: unknown) =>
    options.log?.('the server is unreachable; retrying', { error: (error as Error).message }),
  );
  const timer = setInterval(() => {
    sync().catch((error: unknown) =>
      options.log?.('the server is unreachable; serving cached credentials', {
        error: (error as Error).message,
      }),
    );
  }, options.syncMs ?? 5000);
  timer.unref();

  return {
    node,
    endpoints: endpoints.map((e) => e.url),
    containerEndpoints: others.map((o) => urlOf(o.host, o.port)),
    ipv6Endpoints: () => [...v6.values()].map((e) => e.url),
    podIdentityEndpoints: podServers.map((o) => urlOf(o.host, o.port)),
    sync,
    pendingEvents: () => agentEvents.pending,
    async stop() {
      clearInterval(timer);
      served?.stop();
      tasks.stop();
      pods.stop();
      await Promise.all([...endpoints, ...v6.values(), ...others, ...podServers].map((e) => e.close()));
      await agentEvents.close();
    },
  };
}
