/**
 * IRSA posture for `credplane up`: roles whose trust policy admits *every* service account of a
 * cluster (a `Federated` statement for the cluster's provider without a `<issuer>:sub` condition)
 * are the classic IRSA over-grant. Each role's trust policy is evaluated for a subject no
 * service account has; if the evaluator allows it, the role is flagged.
 */
import { compilePolicy, createRequestContext, evaluate, parsePolicy } from '../../policy/index.js';
import type { Store } from '../../store/store.js';
import type { ClusterRegistry } from '../../oidc/cluster-registry.js';

const PROBE_SUBJECT = 'system:serviceaccount:credplane-probe:no-such-service-account';

/**
 * One line per (cluster, role) pair that trusts any service account.
 *
 * @example
 * for (const line of await irsaTrustWarnings(store, registry, accountId)) console.log(line);
 */
export async function irsaTrustWarnings(
  store: Store,
  registry: ClusterRegistry,
  accountId: string,
): Promise<string[]> {
  const clusters = registry.list().filter((c) => c.accountId === accountId);
  if (clusters.length === 0) return [];
  const warnings: string[] = [];
  let marker: string | undefined;
  do {
    const page = await store.listRoles(accountId, marker === undefined ? {} : { marker });
    for (const role of page.items) {
      let trust;
      try {
        trust = compilePolicy(parsePolicy(role.assumeRolePolicyDocument), { id: role.arn, kind: 'trust' });
      } catch {
        continue;
      }
      for (const cluster of clusters) {
        const hostPath = cluster.issuer.replace(/^https?:\/\//i, '');
        const decision = evaluate(
          {
            principal: { type: 'WebIdentity', federatedProvider: cluster.providerArn },
            action: 'sts:AssumeRoleWithWebIdentity',
            resource: role.arn,
            resourceAccount: accountId,
            context: createRequestContext({
              'aws:FederatedProvider': cluster.providerArn,
              [`${hostPath}:sub`]: PROBE_SUBJECT,
              [`${hostPath}:aud`]: 'sts.amazonaws.com',
            }),
          },
          { resource: trust },
        );
        if (decision.decision === 'Allow') {
          warnings.push(
            `role ${role.roleName} trusts every service account of cluster ${cluster.name} (no ${hostPath}:sub condition narrows it)`,
          );
        }
      }
    }
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return warnings;
}
