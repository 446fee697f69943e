/**
 * `credplane node add|remove|list|place`: the fleet's nodes (docs/fleet-agent.md). They work on the
 * store directly, as `revoke-sessions` does; a running server honours the change on the next
 * agent request.
 */
import type { Command } from 'commander';
import { adminEndpoint, adminRequest } from '../admin-api/client.js';
import type { StartedTask } from '../delivery/container/admin-routes.js';
import { ECS_CREDENTIALS_ADDRESS } from '../delivery/fleet/agent/link-local.js';
import { randomUUID } from 'node:crypto';
import { NodeCa } from '../delivery/fleet/ca.js';
import { POD_IDENTITY_AUDIENCE } from '../delivery/pod-identity/agent.js';
import { ClusterRegistry } from '../oidc/cluster-registry.js';
import { mintServiceAccountToken } from '../oidc/service-account-token.js';
import { activeSigningKey } from '../oidc/signing-keys.js';
import { DEFAULT_JOIN_TOKEN_SECONDS, NodeRegistry } from '../delivery/fleet/nodes.js';
import { loadMasterKey } from '../server/master-key.js';
import { parseDuration } from '../time-spec.js';
import { instanceIdOf } from '../workloads/index.js';
import { accountId, DEFAULT_ACCOUNT } from './options.js';
import { dataDirOption, storeOption, withCliStore } from './store-option.js';

/**
 * @example
 * registerNodeCommands(program);
 */
export function registerNodeCommands(program: Command): void {
  const node = program.command('node').description('the fleet: hosts that run `credplane agent`');
  node
    .command('add')
    .description('record a node and print its one-time join token')
    .argument('<name>', 'the node name (lowercase letters, digits, hyphens)')
    .option(
      '--ttl <duration>',
      'how long the token can be used, e.g. 15m, 1h',
      `${DEFAULT_JOIN_TOKEN_SECONDS}s`,
    )
    .addOption(dataDirOption())
    .addOption(storeOption())
    .option('--account-id <id>', 'the account id', accountId, DEFAULT_ACCOUNT)
    .action(async (name: string, opts) => {
      const ttlSeconds = Math.ceil(parseDuration(opts.ttl as string) / 1000);
      const token = await withCliStore(opts, { create: true, accountId: opts.accountId }, async (store) => {
        const ca = await NodeCa.load(store, loadMasterKey({ dataDir: opts.dataDir }).key);
        return new NodeRegistry({ store, ca }).add(name, ttlSeconds);
      });
      process.stderr.write(`node ${name} added; its join token works once, for ${opts.ttl}:\n`);
      process.stdout.write(`${token}\n`);
    });
  node
    .command('remove')
    .description('remove a node: the server refuses its certificates from the next request')
    .argument('<name>')
    .addOption(dataDirOption())
    .addOption(storeOption())
    .action(async (name: string, opts) => {
      await withCliStore(opts, { create: false }, (store) => store.deleteNode(name));
      process.stdout.write(`node ${name} removed\n`);
    });
  node
    .command('list')
    .description('the nodes and whether they have joined')
    .addOption(dataDirOption())
    .addOption(storeOption())
    .action(async (opts) => {
      const nodes = await withCliStore(opts, { create: false }, (store) => store.listNodes());
      for (const n of nodes) {
        process.stdout.write(
          `${n.name}\t${n.joinTokenUsedAt === undefined ? 'not joined' : `joined ${n.joinTokenUsedAt.toISOString()}`}\n`,
        );
      }
    });
  node
    .command('place')
    .description("place an EC2 instance on a node: only that node's agent gets its credentials")
    .argument('<node>')
    .argument('<instance>', 'instance id or workload name')
    .addOption(dataDirOption())
    .addOption(storeOption())
    .option('--account-id <id>', 'the account id', accountId, DEFAULT_ACCOUNT)
    .action(async (nodeName: string, key: string, opts) => {
      const placed = await withCliStore(opts, { create: false }, async (store) => {
        if ((await store.getNode(nodeName)) === undefined)
          throw new Error(`no node ${nodeName} (credplane node add)`);
        const all = await store.listWorkloads(opts.accountId as string, { kind: 'ec2-instance' });
        const w = all.find((x) => x.name === key || instanceIdOf(x) === key);
        if (w === undefined) throw new Error(`no instance ${key}`);
        await store.putWorkload(opts.accountId as string, {
          ...w,
          settings: { ...w.settings, node: nodeName },
        });
        return instanceIdOf(w);
      });
      process.stdout.write(`instance ${placed} placed on node ${nodeName}\n`);
    });
  node
    .command('run-task')
    .description(
      "start an ECS task placed on a node (running credplane up): print the variables ECS gives the task's containers",
    )
    .argument('<node>')
    .argument('<task-definition>', 'family, family:revision or task definition ARN')
    .addOption(dataDirOption())
    .action(async (nodeName: string, taskDefinition: string, opts) => {
      const answer = (await adminRequest(
        adminEndpoint(opts.dataDir as string),
        'ecs',
        'POST',
        '/credplane/ecs/run-task',
        {
          taskDefinition,
          node: nodeName,
        },
      )) as { tasks: StartedTask[] };
      const task = answer.tasks[0]!;
      process.stderr.write(`task ${task.taskArn} placed on node ${nodeName}\n`);
      // What the ECS agent sets (Amazon ECS Developer Guide, Task IAM role; Task metadata endpoint v4):
      // the SDKs add the relative URI to http://169.254.170.2, which the node's agent serves.
      const base = `http://${ECS_CREDENTIALS_ADDRESS}`;
      const env: Record<string, string> = {
        ...task.environment,
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: task.credentialsRelativeUri!,
        ECS_CONTAINER_METADATA_URI_V4: `${base}/v4/${task.metadataUri.split('/v4/')[1]}`,
        ECS_CONTAINER_METADATA_URI: `${base}/v3/${task.metadataUriV3.split('/v3/')[1]}`,
      };
      for (const [k, v] of Object.entries(env)) process.stdout.write(`${k}=${v}\n`);
    });
  node
    .command('pod-token')
    .description(
      "the projected token of a pod on a node (the kubelet's TokenRequest: pod- and node-bound, audience pods.eks.amazonaws.com), for AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    )
    .argument('<node>')
    .argument('<target>', '<cluster>/<namespace>/<serviceaccount>')
    .option('--pod <name>', 'the pod name (default: <serviceaccount>-<random>)')
    .option('--ttl <duration>', 'token lifetime (the kubelet asks for 24h and rotates at 80%)', '24h')
    .addOption(dataDirOption())
    .action(async (nodeName: string, target: string, opts) => {
      const [clusterName, namespace, serviceAccount, extra] = target.split('/');
      if (!clusterName || !namespace || !serviceAccount || extra !== undefined)
        throw new Error('give <cluster>/<namespace>/<serviceaccount>');
      const registry = new ClusterRegistry({
        dataDir: opts.dataDir as string,
        masterKey: loadMasterKey({ dataDir: opts.dataDir }).key,
      });
      const cluster = registry.require(clusterName);
      const podName = (opts.pod as string | undefined) ?? `${serviceAccount}-${randomUUID().slice(0, 5)}`;
      const { token } = await mintServiceAccountToken(activeSigningKey(registry.signingKeys(clusterName)), {
        issuer: cluster.issuer,
        namespace,
        serviceAccount: { name: serviceAccount, uid: randomUUID() },
        pod: { name: podName, uid: randomUUID() },
        node: { name: nodeName, uid: randomUUID() },
        audiences: [POD_IDENTITY_AUDIENCE],
        expirationSeconds: Math.ceil(parseDuration(opts.ttl as string) / 1000),
        now: Math.floor(Date.now() / 1000),
      });
      process.stdout.write(token);
    });
}
