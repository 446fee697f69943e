/**
 * `credplane run <cluster>/<namespace>/<serviceaccount> -- <command>`: run a command as a pod of
 * that service account. credplane mints the pod's projected token (from the cluster issuer's
 * current key), keeps the token file fresh at 80% of its lifetime while the command runs, sets
 * the variables the IRSA webhook injects, and points STS at credplane. A service account whose
 * role does not exist or does not trust it is refused before anything runs, with the reason.
 *
 * A service account with no IRSA declaration but an EKS Pod Identity association runs with a Pod
 * Identity agent of its own on 127.0.0.1 (this process plays the node's agent) and the container
 * credentials variables the Pod Identity webhook injects.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AwsError } from '../../errors.js';
import { ClusterRegistry, type Cluster } from '../../oidc/cluster-registry.js';
import { mintServiceAccountToken } from '../../oidc/service-account-token.js';
import { activeSigningKey } from '../../oidc/signing-keys.js';
import { TokenFileRefresher } from '../../oidc/token-file.js';
import type { Store } from '../../store/store.js';
import type { MasterKey } from '../../crypto/index.js';
import { findAwsManagedPolicy } from '../../catalog/aws-managed-policies.js';
import { openSecret } from '../../crypto/index.js';
import { KeyRingService } from '../../control/key-ring-service.js';
import { PolicyCache } from '../../control/policy-cache.js';
import { AuthorizationView } from '../../control/authorization-view.js';
import type { RunningServer } from '../../http/server.js';
import {
  createPodIdentityAgentServer,
  POD_IDENTITY_AUDIENCE,
  POD_IDENTITY_PATH,
} from '../pod-identity/agent.js';
import { AccessLogQueue } from '../../audit/queue.js';
import { createRefusalLog } from '../../audit/refusal-log.js';
import { partitionOf, podRefusalReporter } from '../pod-identity/refusals.js';
import { WorkloadIssuer } from '../workload-issuer.js';
import type { CredentialLifetime } from '../refreshing-source.js';
import { podEnvironment, podIdentityEnvironment } from './pod-environment.js';
import { serviceAccountOf, serviceAccountWorkloadName, type ServiceAccount } from './service-accounts.js';
import { checkServiceAccountTrust } from './trust-check.js';

export interface PodTarget {
  cluster: string;
  namespace: string;
  serviceAccount: string;
}

/** `<cluster>/<namespace>/<serviceaccount>`. */
export function parsePodTarget(text: string): PodTarget {
  const parts = text.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    throw new AwsError(
      'InvalidParameterException',
      `Expected <cluster>/<namespace>/<serviceaccount>, got '${text.slice(0, 200)}'`,
    );
  }
  return { cluster: parts[0]!, namespace: parts[1]!, serviceAccount: parts[2]! };
}

/** The webhook's default lifetime: 86400 s randomised down to 79200 s so that pods do not renew in step. */
export function tokenLifetime(sa: ServiceAccount): number {
  return sa.tokenExpirationSeconds ?? randomInt(79_200, 86_401);
}

export interface PreparedPod {
  mode: 'irsa' | 'pod-identity';
  cluster: Cluster;
  serviceAccount: ServiceAccount;
  podName: string;
  podUid: string;
  /** Printed to stderr before the command starts (warnings such as a trust policy without `:sub`). */
  notes: string[];
}

/** Looks up the cluster and service account and checks the role's trust: refuses with why. */
export async function preparePod(
  store: Store,
  registry: ClusterRegistry,
  accountId: string,
  target: PodTarget,
): Promise<PreparedPod> {
  const cluster = registry.require(target.cluster);
  const name = serviceAccountWorkloadName(target.cluster, target.namespace, target.serviceAccount);
  const workload = await store.getWorkload(accountId, 'eks-service-account', name).catch(() => undefined);
  const association =
    workload === undefined
      ? await store.getWorkload(accountId, 'eks-pod-identity', name).catch(() => undefined)
      : undefined;
  if (association !== undefined) {
    // The agent checks the role's trust for pods.eks.amazonaws.com on every issue; nothing to pre-check
    // beyond what it answers.
    return {
      mode: 'pod-identity',
      cluster,
      serviceAccount: {
        cluster: target.cluster,
        namespace: target.namespace,
        name: target.serviceAccount,
        uid: randomUUID(),
        roleArn: association.roleArn ?? '',
        audience: POD_IDENTITY_AUDIENCE,
        stsRegionalEndpoints: false,
      },
      podName: `${target.serviceAccount}-${randomBytes(3).toString('hex').slice(0, 5)}`,
      podUid: randomUUID(),
      notes: [],
    };
  }
  if (workload === undefined) {
    throw new AwsError(
      'ResourceNotFoundException',
      `Service account ${target.namespace}/${target.serviceAccount} of cluster ${target.cluster} is not declared; ` +
        `apply a ServiceAccount manifest with 'credplane cluster apply ${target.cluster} -f <file>' ` +
        'or declare an AWS::EKS::PodIdentityAssociation',
      { status: 404 },
    );
  }
  const sa = serviceAccountOf(workload);
  const verdict = await checkServiceAccountTrust(store, cluster, sa);
  if (!verdict.ok) {
    throw new AwsError(
      'AccessDenied',
      `Refusing to run as ${target.namespace}/${target.serviceAccount}: ${verdict.reason}`,
      {
        status: 403,
      },
    );
  }
  const notes = verdict.anySubject
    ? [
        `warning: the trust policy of ${sa.roleArn} has no ${cluster.issuer.replace(/^https?:\/\//, '')}:sub condition; ` +
          'every service account of the cluster can assume it',
      ]
    : [];
  return {
    mode: 'irsa',
    cluster,
    serviceAccount: sa,
    podName: `${sa.name}-${randomBytes(3).toString('hex').slice(0, 5)}`,
    podUid: randomUUID(),
    notes,
  };
}

export interface RunAsPodOptions {
  store: Store;
  dataDir: string;
  masterKey: MasterKey;
  accountId: string;
  region: string;
  /** The control plane's URL (STS). */
  stsEndpoint: string;
  target: string;
  command: string[];
  env?: Readonly<Record<string, string | undefined>>;
  log?: (line: string) => void;
  /** The Pod Identity agent's session lifetime and refresh point (testing aid). */
  podIdentityLifetime?: CredentialLifetime;
}

/**
 * Runs the command; resolves its exit code (128 + n when killed by signal n).
 *
 * @example
 * process.exitCode = await runAsPod({ store, dataDir, masterKey, accountId, region, stsEndpoint, target: 'demo/payments/api', command: ['aws', 'sts', 'get-caller-identity'] });
 */
export async function runAsPod(options: RunAsPodOptions): Promise<number> {
  const [file, ...args] = options.command;
  if (file === undefined) throw new AwsError('InvalidParameterException', 'No command to run');
  const registry = new ClusterRegistry({ dataDir: options.dataDir, masterKey: options.masterKey });
  const pod = await preparePod(options.store, registry, options.accountId, parsePodTarget(options.target));
  for (const note of pod.notes) options.log?.(note);
  const sa = pod.serviceAccount;

  const runDir = path.join(options.dataDir, 'run', pod.podUid);
  const tokenFile =
    pod.mode === 'irsa'
      ? path.join(runDir, 'eks.amazonaws.com', 'serviceaccount', 'token')
      : path.join(runDir, 'pods.eks.amazonaws.com', 'serviceaccount', 'eks-pod-identity-token');
  const emptyAwsConfigFile = path.join(runDir, 'aws-config');
  // A home of the pod's own: the AWS CLI's session cache (~/.aws/cli/cache) is then per pod.
  const home = path.join(runDir, 'home');
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(home, { mode: 0o700 });
  fs.writeFileSync(emptyAwsConfigFile, '', { mode: 0o600 });
  const refresher = new TokenFileRefresher({
    file: tokenFile,
    mint: async () => {
      const now = Math.floor(Date.now() / 1000);
      const { token, expiresAt } = await mintServiceAccountToken(
        activeSigningKey(registry.signingKeys(sa.cluster)),
        {
          issuer: pod.cluster.issuer,
          namespace: sa.namespace,
          serviceAccount: { name: sa.name, uid: sa.uid },
          pod: { name: pod.podName, uid: pod.podUid },
          audiences: [sa.audience],
          expirationSeconds: tokenLifetime(sa),
          now,
        },
      );
      return { token, issuedAt: now, expiresAt };
    },
    onError: (error) =>
      options.log?.(`token renewal failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  let agent: { server: RunningServer; stop: () => void } | undefined;
  try {
    await refresher.start();
    let env: Record<string, string>;
    if (pod.mode === 'irsa') {
      env = podEnvironment(options.env ?? process.env, {
        roleArn: sa.roleArn,
        tokenFile,
        stsEndpoint: options.stsEndpoint,
        region: options.region,
        stsRegionalEndpoints: sa.stsRegionalEndpoints,
        emptyAwsConfigFile,
        home,
      });
    } else {
      agent = await startPodIdentityAgent(options, registry, pod.cluster);
      env = podIdentityEnvironment(options.env ?? process.env, {
        credentialsUri: `${agent.server.url}${POD_IDENTITY_PATH}`,
        tokenFile,
        stsEndpoint: options.stsEndpoint,
        region: options.region,
        emptyAwsConfigFile,
        home,
      });
    }
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(file, args, { env, stdio: 'inherit' });
      const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
      const onInt = forward('SIGINT');
      const onTerm = forward('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      const done = (): void => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
      child.once('error', (error) => {
        done();
        reject(error);
      });
      child.once('exit', (code, signal) => {
        done();
        resolve(code ?? 128 + (signal === null ? 0 : signalNumber(signal)));
      });
    });
  } finally {
    if (agent !== undefined) {
      await agent.server.close();
      await agent.stop();
    }
    refresher.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

/** A Pod Identity agent for this pod, issuing through the same key ring and policies as `credplane up`. */
async function startPodIdentityAgent(
  options: RunAsPodOptions,
  registry: ClusterRegistry,
  cluster: Cluster,
): Promise<{ server: RunningServer; stop: () => Promise<void> }> {
  // Pod Identity deliveries go to the same access log as `credplane up`'s, through the store.
  const accessLog = new AccessLogQueue({ store: options.store });
  const keyRing = new KeyRingService({ store: options.store, masterKey: options.masterKey });
  await keyRing.start();
  const snapshot = new AuthorizationView({
    store: options.store,
    policies: new PolicyCache(),
    awsManaged: findAwsManagedPolicy,
    openAdminSecret: (key) => openSecret(key.sealedSecret, key.accessKeyId, options.masterKey),
  });
  try {
    await snapshot.start();
    const server = await createPodIdentityAgentServer({
      registry,
      store: options.store,
      issuer: new WorkloadIssuer({ snapshot, keyRing: keyRing.current, accessLog, region: options.region }),
      ...(options.podIdentityLifetime === undefined ? {} : { lifetime: options.podIdentityLifetime }),
      // Refused tokens too (missing, invalid, expired, for no association), as `credplane up`'s endpoints.
      onRefused: podRefusalReporter(
        createRefusalLog({
          accessLog,
          accountId: options.accountId,
          region: options.region,
          partition: partitionOf(cluster.providerArn),
          onError: (error) => options.log?.(`refusal not logged: ${(error as Error).message}`),
        }),
      ),
    });
    return {
      server,
      stop: async () => {
        snapshot.stop();
        keyRing.stop();
        await accessLog.close();
      },
    };
  } catch (error) {
    snapshot.stop();
    keyRing.stop();
    throw error;
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1;
}
