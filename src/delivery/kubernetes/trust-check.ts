/**
 * Would STS let this service account assume its role? The role's trust policy is evaluated by the
 * one policy engine exactly as `AssumeRoleWithWebIdentity` will evaluate it, so a pod is refused
 * up front, with the reason, instead of failing later inside the SDK. A second evaluation with
 * another subject finds trust policies that admit *every* service account of the cluster (no
 * `:sub` condition) — the classic IRSA over-grant.
 *
 * Before the trust policy, what STS checks of the token itself and can be known in advance: the
 * cluster's IAM OIDC provider is registered in the role's account, and the service account's
 * audience is one of its client ids (STS answers `InvalidIdentityToken: Incorrect token audience`
 * otherwise, AWS STS API Reference, AssumeRoleWithWebIdentity).
 */
import { isAwsError } from '../../errors.js';
import { createRequestContext, evaluate, parsePolicy, compilePolicy } from '../../policy/index.js';
import type { Store } from '../../store/store.js';
import { parseRoleArn } from '../../iam/arn.js';
import type { Cluster } from '../../oidc/cluster-registry.js';
import { serviceAccountSubject } from '../../oidc/service-account-token.js';
import type { ServiceAccountSpec } from './service-accounts.js';

export type TrustVerdict = { ok: true; anySubject: boolean } | { ok: false; reason: string };

/**
 * @example
 * const verdict = await checkServiceAccountTrust(store, cluster, sa);
 * if (!verdict.ok) throw new Error(verdict.reason);
 */
export async function checkServiceAccountTrust(
  store: Store,
  cluster: Cluster,
  sa: ServiceAccountSpec,
): Promise<TrustVerdict> {
  const target = parseRoleArn(sa.roleArn);
  const role = await store.findRole(target.accountId, target.roleName);
  if (role === undefined || role.arn !== sa.roleArn) {
    return { ok: false, reason: `role ${sa.roleArn} does not exist` };
  }
  if (target.accountId !== cluster.accountId) {
    return { ok: false, reason: `role ${sa.roleArn} is not in the cluster's account ${cluster.accountId}` };
  }
  const hostPath = cluster.issuer.replace(/^https?:\/\//i, '');
  // The role is in the cluster's account (checked above), so the provider STS looks up for the
  // token's issuer in the role's account is the cluster's.
  const providerArn = cluster.providerArn;
  let clientIds: readonly string[];
  try {
    clientIds = (await store.getOidcProvider(providerArn)).clientIds;
  } catch (error) {
    if (isAwsError(error) && error.code === 'NoSuchEntity') {
      return {
        ok: false,
        reason: `STS would refuse the token: no IAM OIDC provider ${providerArn} is registered for the cluster's issuer`,
      };
    }
    throw error;
  }
  if (!clientIds.includes(sa.audience)) {
    return {
      ok: false,
      reason:
        `STS would refuse the token (Incorrect token audience): the service account's audience ${sa.audience} ` +
        `is not a client id of ${providerArn} (${clientIds.join(', ') || 'none'}); ` +
        `add it with 'aws iam add-client-id-to-open-id-connect-provider' or change eks.amazonaws.com/audience`,
    };
  }
  let trust;
  try {
    trust = compilePolicy(parsePolicy(role.assumeRolePolicyDocument), {
      id: `${role.arn}/trust`,
      kind: 'trust',
    });
  } catch {
    return { ok: false, reason: `the trust policy of ${sa.roleArn} does not parse` };
  }
  const allows = (subject: string): boolean =>
    evaluate(
      {
        principal: { type: 'WebIdentity', federatedProvider: cluster.providerArn },
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: role.arn,
        resourceAccount: target.accountId,
        context: createRequestContext({
          'aws:FederatedProvider': cluster.providerArn,
          [`${hostPath}:sub`]: subject,
          [`${hostPath}:aud`]: sa.audience,
        }),
      },
      { resource: trust },
    ).decision === 'Allow';
  const subject = serviceAccountSubject(sa.namespace, sa.name);
  if (!allows(subject)) {
    return {
      ok: false,
      reason:
        `the trust policy of ${sa.roleArn} does not allow sts:AssumeRoleWithWebIdentity for ${subject} ` +
        `(Federated ${cluster.providerArn}, ${hostPath}:aud = ${sa.audience})`,
    };
  }
  return { ok: true, anySubject: allows('system:serviceaccount:credplane-probe:not-this-service-account') };
}
