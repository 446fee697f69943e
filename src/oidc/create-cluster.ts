/**
 * `credplane cluster create`: a cluster issuer with a fresh signing key, and the IAM OIDC provider
 * for it with client id `sts.amazonaws.com`, as `eksctl utils associate-iam-oidc-provider` sets up
 * on AWS. Either both exist afterwards or neither does.
 */
import type { Store } from '../store/store.js';
import type { Cluster, ClusterRegistry } from './cluster-registry.js';

export const STS_CLIENT_ID = 'sts.amazonaws.com';
export const CLUSTER_TAG = 'credplane:eks-cluster';

export interface CreateClusterInput {
  name: string;
  accountId: string;
  region: string;
  partition: string;
  /** Where credplane serves issuers: `http://127.0.0.1:<port>` of the control plane. */
  issuerBaseUrl: string;
}

/**
 * @example
 * const cluster = await createCluster(store, registry, { name: 'demo', accountId, region, partition: 'aws', issuerBaseUrl });
 */
export async function createCluster(
  store: Store,
  registry: ClusterRegistry,
  input: CreateClusterInput,
): Promise<Cluster> {
  const cluster = registry.create(input);
  try {
    await store.createOidcProvider(input.accountId, {
      // IAM keeps `host/path`; the issuer's own scheme stays in the token's `iss`.
      url: `https://${cluster.issuer.replace(/^https?:\/\//i, '')}`,
      clientIds: [STS_CLIENT_ID],
      thumbprints: [],
      tags: [{ key: CLUSTER_TAG, value: cluster.name }],
    });
  } catch (error) {
    registry.delete(cluster.name);
    throw error;
  }
  return cluster;
}
