/**
 * The EKS commands of the `credplane` CLI:
 *
 *   credplane cluster create <name>            issuer + signing key + IAM OIDC provider (sts.amazonaws.com)
 *   credplane cluster apply <name> -f sa.yaml  ServiceAccount manifests with eks.amazonaws.com/* annotations
 *   credplane cluster rotate-keys <name>       new signing key; the old one stays published while its tokens live
 *   credplane cluster list
 *   credplane cluster webhook <name>           the IRSA mutating admission webhook (HTTPS, own CA)
 *   credplane run <cluster>/<namespace>/<serviceaccount> -- <command...>
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ClusterRegistry } from '../oidc/cluster-registry.js';
import { createCluster } from '../oidc/create-cluster.js';
import { loadMasterKey } from '../server/master-key.js';
import type { Store } from '../store/store.js';
import { runAsPod } from '../delivery/kubernetes/run-as-pod.js';
import {
  applyServiceAccounts,
  parseServiceAccountManifests,
} from '../delivery/kubernetes/service-accounts.js';
import { checkServiceAccountTrust } from '../delivery/kubernetes/trust-check.js';
import { ensureWebhookCertificates } from '../delivery/kubernetes/webhook/certificates.js';
import {
  mutatingWebhookConfiguration,
  startAdmissionWebhook,
} from '../delivery/kubernetes/webhook/server.js';
import { DEFAULT_ACCOUNT, port } from './options.js';
import { withCliStore, withStoreOptions, type StoreLocation } from './store-option.js';
import { credentialLifetime } from './credential-lifetime.js';

const DEFAULT_ENDPOINT = 'http://127.0.0.1:7300';

interface CommonOptions extends StoreLocation {
  accountId: string;
  region: string;
}

/** The control plane's URL from the AWS config `credplane up` writes, else the default port. */
export function controlPlaneUrl(dataDir: string): string {
  try {
    const text = fs.readFileSync(path.join(dataDir, 'aws', 'config'), 'utf8');
    return /^endpoint_url\s*=\s*(\S+)\s*$/m.exec(text)?.[1] ?? DEFAULT_ENDPOINT;
  } catch {
    return DEFAULT_ENDPOINT;
  }
}

function common(command: Command): Command {
  return withStoreOptions(command)
    .option('--account-id <id>', 'the account id', DEFAULT_ACCOUNT)
    .option('--region <region>', 'the region', 'us-east-1');
}

async function withState<T>(
  opts: CommonOptions,
  work: (store: Store, registry: ClusterRegistry, dataDir: string) => Promise<T>,
): Promise<T> {
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const masterKey = loadMasterKey({ dataDir }).key;
  return withCliStore({ ...opts, dataDir }, { create: true, accountId: opts.accountId }, (store) =>
    work(store, new ClusterRegistry({ dataDir, masterKey }), dataDir),
  );
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * @example
 * registerClusterCommands(program);
 */
export function registerClusterCommands(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('EKS clusters: OIDC issuers and IRSA service accounts');

  common(cluster.command('create').argument('<name>'))
    .description('create a cluster: its OIDC issuer (served by credplane) and the IAM OIDC provider for it')
    .option('--issuer-base-url <url>', "where credplane serves issuers (default: the control plane's URL)")
    .action(async (name: string, opts: CommonOptions & { issuerBaseUrl?: string }) => {
      await withState(opts, async (store, registry, dataDir) => {
        const created = await createCluster(store, registry, {
          name,
          accountId: opts.accountId,
          region: opts.region,
          partition: 'aws',
          issuerBaseUrl: opts.issuerBaseUrl ?? controlPlaneUrl(dataDir),
        });
        out(`cluster ${created.name}`);
        out(`  issuer:        ${created.issuer}`);
        out(`  OIDC provider: ${created.providerArn} (client id sts.amazonaws.com)`);
      });
    });

  common(cluster.command('apply').argument('<name>'))
    .description('declare ServiceAccounts (Kubernetes YAML with eks.amazonaws.com/role-arn annotations)')
    .requiredOption('-f, --file <file>', 'ServiceAccount manifests (multi-document YAML)')
    .action(async (name: string, opts: CommonOptions & { file: string }) => {
      await withState(opts, async (store, registry) => {
        const target = registry.require(name);
        const specs = parseServiceAccountManifests(fs.readFileSync(opts.file, 'utf8'), name);
        for (const sa of await applyServiceAccounts(store, opts.accountId, specs)) {
          const verdict = await checkServiceAccountTrust(store, target, sa);
          const status = !verdict.ok
            ? `REFUSED: ${verdict.reason}`
            : verdict.anySubject
              ? 'WARNING: the trust policy has no :sub condition (any service account of the cluster may assume the role)'
              : 'ok';
          out(`serviceaccount ${sa.namespace}/${sa.name} -> ${sa.roleArn}: ${status}`);
        }
      });
    });

  common(cluster.command('rotate-keys').argument('<name>'))
    .description('rotate the issuer signing key (the old key stays in the JWKS while its tokens can live)')
    .action(async (name: string, opts: CommonOptions) => {
      await withState(opts, async (_store, registry) => {
        const keys = registry.rotateKeys(name);
        out(
          `cluster ${name}: signing key ${keys.keys[0]!.kid}; published: ${keys.keys.map((k) => k.kid).join(', ')}`,
        );
      });
    });

  common(cluster.command('list'))
    .description('list clusters')
    .action(async (opts: CommonOptions) => {
      await withState(opts, async (_store, registry) => {
        for (const c of registry.list()) out(`${c.name}\t${c.issuer}\t${c.providerArn}`);
      });
    });

  common(cluster.command('webhook').argument('<name>'))
    .description(
      'serve the IRSA mutating admission webhook over HTTPS and print its MutatingWebhookConfiguration',
    )
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', port, 0)
    .option(
      '--fail-open',
      'admit pods whose role would refuse them (with a warning) instead of rejecting them',
    )
    .option('--inject-region', 'inject AWS_REGION/AWS_DEFAULT_REGION into containers that set neither')
    .action(
      async (
        name: string,
        opts: CommonOptions & { port: number; failOpen?: boolean; injectRegion?: boolean },
      ) => {
        await withState(opts, async (store, registry, dataDir) => {
          const tls = ensureWebhookCertificates(path.join(dataDir, 'oidc', 'webhook'));
          const webhook = await startAdmissionWebhook({
            cluster: registry.require(name),
            store,
            tls,
            port: opts.port,
            ...(opts.failOpen === true ? { failOpen: true } : {}),
            ...(opts.injectRegion === true ? { region: opts.region } : {}),
          });
          out(
            `# credplane IRSA webhook for cluster ${name} on ${webhook.url}; install with kubectl apply -f -`,
          );
          out(mutatingWebhookConfiguration(webhook.url, tls.caCert));
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await webhook.close();
        });
      },
    );

  common(
    program
      .command('run-pod')
      .argument('<target>', '<cluster>/<namespace>/<serviceaccount>')
      .argument('<command...>'),
  )
    .description(
      'run a command as a pod of a service account (IRSA): token file, AWS_ROLE_ARN, STS at credplane',
    )
    .option('--endpoint-url <url>', "credplane's URL for STS (default: from <data-dir>/aws/config)")
    .action(async (target: string, command: string[], opts: CommonOptions & { endpointUrl?: string }) => {
      const code = await withState(opts, (store, _registry, dataDir) =>
        runAsPod({
          store,
          dataDir,
          masterKey: loadMasterKey({ dataDir }).key,
          accountId: opts.accountId,
          region: opts.region,
          stsEndpoint: opts.endpointUrl ?? controlPlaneUrl(dataDir),
          target,
          command,
          log: (line) => process.stderr.write(`credplane: ${line}\n`),
          podIdentityLifetime: credentialLifetime(process.env, 'POD_IDENTITY'),
        }),
      );
      process.exitCode = code;
    });
}
