/**
 * `credplane agent`: the node agent (docs/fleet-agent.md). Serves the instance placed on this node
 * at 169.254.169.254:80 — on a dummy interface it creates and removes on exit, or on the addresses
 * given with `--bind` — with credentials it fetches from the server over mutual TLS.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { startAgent } from '../delivery/fleet/agent/agent.js';
import {
  addLinkLocalAddresses,
  ECS_CREDENTIALS_ADDRESS,
  IMDS_ADDRESS,
} from '../delivery/fleet/agent/link-local.js';
import { socketTtlHelper } from '../delivery/imds/socket-ttl.js';
import { collect, port } from './options.js';

/**
 * @example
 * registerAgentCommand(program);
 */
export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description("the node agent: serve this node's instance metadata at 169.254.169.254")
    .requiredOption('--server <url>', 'the agent port of `credplane up`, https://host:port')
    .option(
      '--join-token <token>',
      'the token of `credplane node add` (first start; or CREDPLANE_JOIN_TOKEN)',
    )
    .requiredOption('--state-dir <dir>', "where the node's key and certificate are kept (0700)")
    .option(
      '--bind <address>',
      `serve on this address instead of adding ${IMDS_ADDRESS} itself (repeatable)`,
      collect,
    )
    .option(
      '--container-bind <address>',
      `serve the ECS credentials endpoint on this address instead of ${ECS_CREDENTIALS_ADDRESS} (repeatable)`,
      collect,
    )
    .option('--container-port <n>', 'the ECS credentials endpoint port', port, 80)
    .option('--interface <name>', 'the dummy interface to create for the address', 'credplane0')
    .option('--port <n>', 'the metadata port', port, 80)
    .option('--instance <id>', 'the instance to serve when several are placed on the node')
    .action(async (opts) => {
      const log = (message: string, fields: Record<string, unknown> = {}): void => {
        process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), message, ...fields })}\n`);
      };
      // Given addresses are bound as they are; otherwise the agent adds AWS's own on its interface.
      const given = opts.bind !== undefined || opts.containerBind !== undefined;
      const bind = (opts.bind as string[] | undefined) ?? (given ? [] : [IMDS_ADDRESS]);
      const containerBind =
        (opts.containerBind as string[] | undefined) ?? (given ? [] : [ECS_CREDENTIALS_ADDRESS]);
      const removeAddresses = given
        ? () => undefined
        : addLinkLocalAddresses(opts.interface, [...bind, ...containerBind]);
      // Token responses leave with IP TTL = the instance's hop limit, as in `credplane up`
      // (docs/imds.md, Hop limit); the helper is compiled once into the state directory.
      const socketTtl = socketTtlHelper(path.join(opts.stateDir as string, 'imds'));
      if ('reason' in socketTtl) log('IMDS hop limit not enforced on sockets', { reason: socketTtl.reason });
      let agent;
      try {
        agent = await startAgent({
          server: opts.server,
          stateDir: opts.stateDir,
          ...((opts.joinToken ?? process.env.CREDPLANE_JOIN_TOKEN)
            ? { joinToken: (opts.joinToken ?? process.env.CREDPLANE_JOIN_TOKEN) as string }
            : {}),
          bind,
          port: opts.port,
          containerBind,
          containerPort: opts.containerPort,
          ...(opts.instance === undefined ? {} : { instance: opts.instance }),
          ...('reason' in socketTtl ? {} : { setSocketTtl: socketTtl.set }),
          log,
        });
      } catch (error) {
        removeAddresses();
        throw error;
      }
      process.stdout.write(
        `credplane agent: node ${agent.node}, metadata at ${agent.endpoints.join(' ')}` +
          `, ECS credentials at ${agent.containerEndpoints.join(' ')}\n`,
      );
      const shutdown = (): void => {
        void agent.stop().finally(() => {
          removeAddresses();
          process.exit(0);
        });
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
