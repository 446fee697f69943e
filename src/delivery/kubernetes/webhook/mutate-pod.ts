/**
 * What the EKS pod identity webhook does to a Pod in IRSA mode (aws/amazon-eks-pod-identity-webhook;
 * Amazon EKS User Guide, IAM roles for service accounts), as
 * an RFC 6902 JSON Patch: into every container and init container not listed in the pod's
 * `eks.amazonaws.com/skip-containers` annotation, add the variables it does not already set
 * (`AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_STS_REGIONAL_ENDPOINTS` when annotated,
 * `AWS_REGION` and `AWS_DEFAULT_REGION` when a region is configured and neither is set) and the
 * read-only mount of the `aws-iam-token` projected volume, which is added to the pod too.
 * Pure: the service account (already looked up) in, the patch or a refusal out.
 */
import {
  MAX_TOKEN_SECONDS,
  MIN_TOKEN_SECONDS,
  TOKEN_EXPIRATION_ANNOTATION,
  type ServiceAccount,
} from '../service-accounts.js';

export const TOKEN_VOLUME = 'aws-iam-token';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/eks.amazonaws.com/serviceaccount';
export const TOKEN_PATH = 'token';
export const SKIP_CONTAINERS_ANNOTATION = 'eks.amazonaws.com/skip-containers';
/** credplane's own opt-out for a whole pod (the upstream webhook has none): value `disabled`. */
export const POD_OPT_OUT_ANNOTATION = 'credplane.dev/irsa-injection';
const DEFAULT_TOKEN_SECONDS = 86_400;

export type JsonPatchOp = { op: 'add'; path: string; value: unknown };

interface EnvVar {
  name: string;
  value?: string;
}
interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
interface Container {
  name: string;
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
}
export interface Pod {
  metadata?: { name?: string; generateName?: string; annotations?: Record<string, string> };
  spec?: {
    serviceAccountName?: string;
    containers?: Container[];
    initContainers?: Container[];
    volumes?: { name: string }[];
  };
}

export interface MutateOptions {
  /** When set, injected as `AWS_REGION`/`AWS_DEFAULT_REGION` into containers setting neither. */
  region?: string;
}

/** The token lifetime: the pod's annotation over the service account's, bounded as the webhook bounds it. */
export function tokenExpirationSeconds(pod: Pod, sa: ServiceAccount): number {
  const fromPod = Number(pod.metadata?.annotations?.[TOKEN_EXPIRATION_ANNOTATION]);
  const chosen =
    Number.isInteger(fromPod) && fromPod > 0 ? fromPod : (sa.tokenExpirationSeconds ?? DEFAULT_TOKEN_SECONDS);
  return Math.min(MAX_TOKEN_SECONDS, Math.max(MIN_TOKEN_SECONDS, chosen));
}

/**
 * The patch for `pod` (empty when nothing is to be done).
 *
 * @example
 * const patch = mutatePod(pod, serviceAccount, { region: 'us-east-1' });
 */
export function mutatePod(pod: Pod, sa: ServiceAccount, options: MutateOptions = {}): JsonPatchOp[] {
  const annotations = pod.metadata?.annotations ?? {};
  if (annotations[POD_OPT_OUT_ANNOTATION] === 'disabled') return [];
  const skip = new Set(
    (annotations[SKIP_CONTAINERS_ANNOTATION] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );
  const patch: JsonPatchOp[] = [];
  const wanted = (c: Container): EnvVar[] => {
    const has = new Set((c.env ?? []).map((e) => e.name));
    const vars: EnvVar[] = [
      { name: 'AWS_ROLE_ARN', value: sa.roleArn },
      { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: `${TOKEN_MOUNT_PATH}/${TOKEN_PATH}` },
    ];
    if (sa.stsRegionalEndpoints) vars.push({ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' });
    if (options.region !== undefined && !has.has('AWS_REGION') && !has.has('AWS_DEFAULT_REGION')) {
      vars.push(
        { name: 'AWS_DEFAULT_REGION', value: options.region },
        { name: 'AWS_REGION', value: options.region },
      );
    }
    return vars.filter((v) => !has.has(v.name));
  };
  let mounted = false;
  for (const field of ['initContainers', 'containers'] as const) {
    for (const [i, c] of (pod.spec?.[field] ?? []).entries()) {
      if (skip.has(c.name)) continue;
      mounted = true;
      const base = `/spec/${field}/${i}`;
      const env = wanted(c);
      if (c.env === undefined) {
        if (env.length > 0) patch.push({ op: 'add', path: `${base}/env`, value: env });
      } else {
        for (const v of env) patch.push({ op: 'add', path: `${base}/env/-`, value: v });
      }
      const mount: VolumeMount = { name: TOKEN_VOLUME, mountPath: TOKEN_MOUNT_PATH, readOnly: true };
      if (c.volumeMounts === undefined) {
        patch.push({ op: 'add', path: `${base}/volumeMounts`, value: [mount] });
      } else if (!c.volumeMounts.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) {
        patch.push({ op: 'add', path: `${base}/volumeMounts/-`, value: mount });
      }
    }
  }
  const volumes = pod.spec?.volumes;
  if (mounted && !(volumes ?? []).some((v) => v.name === TOKEN_VOLUME)) {
    const volume = {
      name: TOKEN_VOLUME,
      projected: {
        sources: [
          {
            serviceAccountToken: {
              audience: sa.audience,
              expirationSeconds: tokenExpirationSeconds(pod, sa),
              path: TOKEN_PATH,
            },
          },
        ],
      },
    };
    patch.push(
      volumes === undefined
        ? { op: 'add', path: '/spec/volumes', value: [volume] }
        : { op: 'add', path: `/spec/volumes/-`, value: volume },
    );
  }
  return patch;
}
