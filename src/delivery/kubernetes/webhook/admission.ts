/**
 * The admission review: an `AdmissionReview` (admission.k8s.io/v1) for a Pod in, the review with
 * its response out. A pod whose service account is declared for IRSA gets the webhook's JSON Patch
 * — unless its role does not exist or does not trust it: then the pod is refused with the reason
 * (fail closed), or, if the user chose `failOpen`, admitted with the patch and a warning (the
 * failure then shows in the SDK as STS's own error).
 */
import type { Cluster } from '../../../oidc/cluster-registry.js';
import type { Store } from '../../../store/store.js';
import { serviceAccountOf, serviceAccountWorkloadName } from '../service-accounts.js';
import { checkServiceAccountTrust } from '../trust-check.js';
import { mutatePod, type Pod } from './mutate-pod.js';

export interface AdmissionOptions {
  cluster: Cluster;
  store: Store;
  region?: string;
  /** Admit pods whose role would refuse them (with a warning) instead of rejecting them. */
  failOpen?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string };
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** A review the webhook cannot read: answered with HTTP 400 (the API server then applies its failurePolicy). */
export class BadAdmissionReviewError extends Error {}

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * @example
 * const review = await reviewPodAdmission(JSON.parse(body), { cluster, store, region: 'us-east-1' });
 */
export async function reviewPodAdmission(
  input: unknown,
  options: AdmissionOptions,
): Promise<AdmissionReview> {
  const review = record(input);
  const request = record(review.request);
  if (review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') {
    throw new BadAdmissionReviewError('expected an admission.k8s.io/v1 AdmissionReview');
  }
  if (typeof request.uid !== 'string' || request.uid === '') {
    throw new BadAdmissionReviewError('the AdmissionReview has no request.uid');
  }
  const answer = (response: Omit<AdmissionResponse, 'uid'>): AdmissionReview => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: request.uid as string, ...response },
  });
  const kind = record(request.kind);
  if (kind.kind !== 'Pod' || request.operation !== 'CREATE') return answer({ allowed: true });
  const pod = record(request.object) as Pod;
  const namespace = typeof request.namespace === 'string' ? request.namespace : 'default';
  const saName = pod.spec?.serviceAccountName ?? 'default';
  const workload = await options.store
    .getWorkload(
      options.cluster.accountId,
      'eks-service-account',
      serviceAccountWorkloadName(options.cluster.name, namespace, saName),
    )
    .catch(() => undefined);
  if (workload === undefined) return answer({ allowed: true });
  const sa = serviceAccountOf(workload);
  const verdict = await checkServiceAccountTrust(options.store, options.cluster, sa);
  const podName = pod.metadata?.name ?? `${pod.metadata?.generateName ?? ''}<generated>`;
  const warnings: string[] = [];
  if (!verdict.ok) {
    const message = `credplane: pod ${namespace}/${podName} (service account ${saName}) cannot assume ${sa.roleArn}: ${verdict.reason}`;
    if (options.failOpen !== true) return answer({ allowed: false, status: { code: 403, message } });
    warnings.push(message);
  } else if (verdict.anySubject) {
    warnings.push(
      `credplane: the trust policy of ${sa.roleArn} has no :sub condition; every service account of cluster ${options.cluster.name} can assume it`,
    );
  }
  const patch = mutatePod(pod, sa, options.region === undefined ? {} : { region: options.region });
  return answer({
    allowed: true,
    ...(patch.length === 0
      ? {}
      : { patchType: 'JSONPatch' as const, patch: Buffer.from(JSON.stringify(patch)).toString('base64') }),
    ...(warnings.length === 0 ? {} : { warnings }),
  });
}
