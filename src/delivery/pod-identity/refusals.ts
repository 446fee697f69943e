/**
 * The Pod Identity agent's refusals as access-log refusal events (`audit/refusal-log.ts`): a
 * verified pod is named by its cluster's ARN and its UID, which get a caller nothing; the account
 * and region are the cluster's, the partition its OIDC provider's.
 */
import type { RefusalReport } from '../../audit/refusal-log.js';
import type { PodRefusal } from './agent.js';

/**
 * @example
 * createPodIdentityAgentServer({ ..., onRefused: podRefusalReporter(createRefusalLog({ accessLog, accountId, region, partition })) });
 */
export function podRefusalReporter(refused: (r: RefusalReport) => void): (refusal: PodRefusal) => void {
  return ({ reason, status, sourceIp, pod }) => {
    const cluster = pod?.cluster;
    refused({
      channel: 'pod-identity',
      reason,
      status,
      sourceIp,
      ...(cluster === undefined || pod === undefined
        ? {}
        : {
            accountId: cluster.accountId,
            region: cluster.region,
            resource: {
              ARN: `arn:${partitionOf(cluster.providerArn)}:eks:${cluster.region}:${cluster.accountId}:cluster/${cluster.name}`,
              type: 'AWS::EKS::Cluster',
            },
            ids: { podUid: pod.podUid },
          }),
    });
  };
}

/** The partition of an ARN (`arn:<partition>:…`). */
export function partitionOf(arn: string): string {
  return arn.split(':', 3)[1] ?? 'aws';
}
