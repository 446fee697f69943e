/**
 * The fleet's server side as `credplane up` starts it: the node CA from the store (created on
 * first use), the node registry, the node-scoped instance credentials, and the agent port.
 */
import type { AccessLogSink } from '../../audit/types.js';
import type { AuthorizationView } from '../../control/authorization-view.js';
import type { KeyRing, MasterKey } from '../../crypto/index.js';
import type { Store } from '../../store/store.js';
import type { IdentitySigner } from '../imds/identity.js';
import { startAgentApi, type AgentApi } from './agent-api.js';
import { NodeCa } from './ca.js';
import type { TaskRegistry } from '../container/tasks.js';
import type { ClusterRegistry } from '../../oidc/cluster-registry.js';
import { WorkloadIssuer } from '../workload-issuer.js';
import { NodeEvents } from './node-events.js';
import { NodePods } from './node-pods.js';
import { NodeTasks } from './node-tasks.js';
import { NodeWorkloads } from './node-workloads.js';
import { NodeRegistry } from './nodes.js';

export interface FleetServerOptions {
  store: Store;
  masterKey: MasterKey;
  snapshot: AuthorizationView;
  keyRing: () => KeyRing;
  identity: IdentitySigner;
  accountId: string;
  region: string;
  partition: string;
  now: () => number;
  accessLog?: AccessLogSink;
  host?: string;
  port: number;
  /** Extra names and addresses agents reach the port at (certificate SANs). */
  serverNames?: string[];
  /** Instance credential lifetime (6 h by default). */
  credentialSeconds?: number;
  /** Node certificate lifetime (24 h by default). */
  nodeCertificateSeconds?: number;
  /** The server's ECS tasks (those run with `--node` are served by that node's agent). */
  tasks?: TaskRegistry;
  /** The plane's clusters (EKS Pod Identity for pods on nodes). */
  clusters?: ClusterRegistry;
  onError?: (error: unknown) => void;
}

/**
 * @example
 * const agents = await startFleetServer({ store, masterKey, snapshot, keyRing, identity, ..., port: 7301 });
 */
export async function startFleetServer(o: FleetServerOptions): Promise<AgentApi> {
  const ca = await NodeCa.load(o.store, o.masterKey, o.now);
  const registry = new NodeRegistry({
    store: o.store,
    ca,
    now: o.now,
    ...(o.nodeCertificateSeconds === undefined ? {} : { certificateSeconds: o.nodeCertificateSeconds }),
  });
  const workloads = new NodeWorkloads({
    store: o.store,
    snapshot: o.snapshot,
    keyRing: o.keyRing,
    identity: o.identity,
    accountId: o.accountId,
    region: o.region,
    partition: o.partition,
    now: o.now,
    ...(o.accessLog === undefined ? {} : { accessLog: o.accessLog }),
    ...(o.credentialSeconds === undefined ? {} : { credentialSeconds: o.credentialSeconds }),
  });
  return startAgentApi({
    ca,
    registry,
    workloads,
    events: new NodeEvents({
      accountId: o.accountId,
      region: o.region,
      partition: o.partition,
      placedInstances: (node) => workloads.placedInstanceIds(node),
      now: o.now,
      ...(o.accessLog === undefined ? {} : { accessLog: o.accessLog }),
    }),
    ...(o.clusters === undefined
      ? {}
      : {
          pods: new NodePods({
            clusters: o.clusters,
            store: o.store,
            issuer: new WorkloadIssuer({
              snapshot: o.snapshot,
              keyRing: o.keyRing,
              now: o.now,
              region: o.region,
              ...(o.accessLog === undefined ? {} : { accessLog: o.accessLog }),
            }),
            region: o.region,
            partition: o.partition,
            now: o.now,
            ...(o.accessLog === undefined ? {} : { accessLog: o.accessLog }),
          }),
        }),
    ...(o.tasks === undefined
      ? {}
      : {
          tasks: new NodeTasks({
            registry: o.tasks,
            region: o.region,
            now: o.now,
            ...(o.accessLog === undefined ? {} : { accessLog: o.accessLog }),
          }),
        }),
    port: o.port,
    now: o.now,
    ...(o.host === undefined ? {} : { host: o.host }),
    ...(o.serverNames === undefined ? {} : { serverNames: o.serverNames }),
    ...(o.onError === undefined ? {} : { onError: o.onError }),
  });
}
