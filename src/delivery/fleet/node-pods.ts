/**
 * EKS Pod Identity for the pods on a node: the node's agent relays a pod's projected
 * service-account token (as the EKS Pod Identity agent calls EKS Auth's
 * `AssumeRoleForPodIdentity`), and the server verifies it exactly as `credplane run-pod`'s agent
 * does (`verifyPodToken`, `podIdentityCredentials`: one access-log event per credential set).
 *
 * Node scope: the token must be bound to the asking node — its `kubernetes.io.node.name` claim,
 * which the kubelet's TokenRequest for a pod carries (Kubernetes ServiceAccountTokenPodNodeInfo).
 * A token for a pod on another node, or bound to no node, is refused and the refusal logged:
 * a node that obtained some pod's token cannot turn it into credentials elsewhere.
 */
import { buildAccessEvent } from '../../audit/record.js';
import { deliveryRecord } from '../../audit/delivery-record.js';
import type { AccessLogSink } from '../../audit/types.js';
import { AccessDeniedError } from '../../control/errors.js';
import type { ClusterRegistry } from '../../oidc/cluster-registry.js';
import type { Store } from '../../store/store.js';
import {
  AgentResponse,
  EksAuthError,
  POD_IDENTITY_AUDIENCE,
  podIdentityCredentials,
  verifyPodToken,
  type PodIdentity,
} from '../pod-identity/agent.js';
import type { WorkloadCredentials, WorkloadIssuer } from '../workload-issuer.js';
import type { NodeCredentials } from './node-workloads.js';

export interface NodePodsOptions {
  clusters: ClusterRegistry;
  store: Store;
  issuer: WorkloadIssuer;
  region: string;
  accessLog?: AccessLogSink;
  now?: () => number;
  partition?: string;
}

export class NodePods {
  private readonly credentialsFor: (pod: PodIdentity) => Promise<WorkloadCredentials>;
  private readonly now: () => number;

  constructor(private readonly options: NodePodsOptions) {
    this.now = options.now ?? Date.now;
    this.credentialsFor = podIdentityCredentials({
      registry: options.clusters,
      store: options.store,
      issuer: options.issuer,
      now: this.now,
      ...(options.partition === undefined ? {} : { partition: options.partition }),
    });
  }

  /** The credentials for the pod behind `token`, which must be bound to `node`. */
  async credentials(node: string, token: string): Promise<NodeCredentials> {
    let pod: PodIdentity;
    try {
      pod = await verifyPodToken(token, this.options.clusters, this.now());
    } catch (error) {
      if (error instanceof AgentResponse)
        throw new EksAuthError('InvalidTokenException', 'The token failed basic claim validations', {
          status: 400,
        });
      throw error;
    }
    if (pod.nodeName !== node) {
      const message = `Node ${node} is not allowed the credentials of pod ${pod.namespace}/${pod.podName}.`;
      await this.options.accessLog?.commit(
        buildAccessEvent(
          deliveryRecord({
            servicePrincipal: POD_IDENTITY_AUDIENCE,
            accountId: pod.cluster.accountId,
            roleName: '',
            sessionName: pod.podName.slice(0, 64),
            durationSeconds: 0,
            region: this.options.region,
            eventTime: new Date(this.now()),
            decisions: [],
            error: { code: 'AccessDenied', message },
          }),
        ),
      );
      throw new AccessDeniedError(message);
    }
    const c = await this.credentialsFor(pod);
    return {
      code: 'Success',
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration: c.expiration.toISOString(),
      issuedAt: new Date(this.now()).toISOString(),
      accountId: c.accountId,
      roleArn: c.roleArn,
    };
  }
}
