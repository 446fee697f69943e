/**
 * `credplane agent`: the node agent (docs/fleet-agent.md). Serves the instance placed on this node
 * at 169.254.169.254:80 (and [fd00:ec2::254] with HttpProtocolIpv6), its ECS tasks at
 * 169.254.170.2:80 and its pods' EKS Pod Identity at 169.254.170.23:80 / [fd00:ec2::23]:80 — on a
 * dummy interface it creates and removes on exit, or on the addresses given with `--bind`,
 * `--container-bind`, `--pod-identity-bind` — with credentials it fetches from the server over
 * mutual TLS.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { startAgent } from '../delivery/fleet/agent/agent.js';
import {
  addLinkLocalAddresses,
  ECS_CREDENTIALS_ADDRESS,
  IMDS_ADDRESS,
  IMDS_ADDRESS_V6,
  POD_IDENTITY_ADDRESS,
  POD_IDENTITY_ADDRESS_V6,
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
    .description(
      "the node agent: serve this node's instance metadata, ECS task credentials and EKS Pod Identity at AWS's addresses",
    )
    .requiredOption('--server <url>', 'the agent port of `credplane up`, https://host:port')
    .option(
      '--join-token <token>',
      'the token of `credplane node add` (first start; or CREDPLANE_JOIN_TOKEN)',
    )
    .requiredOption('--state-dir <dir>', "where the node's key and certificate are kept (0700)")
    .option(
      '--bind <address>',
      `serve the metadata service on this address instead of adding ${IMDS_ADDRESS} itself (repeatable; an IPv6 one follows HttpProtocolIpv6)`,
      collect,
    )
    .option('--port <n>', 'the metadata port', port, 80)
    .option(
      '--container-bind <address>',
      `serve the ECS credentials endpoint on this address instead of ${ECS_CREDENTIALS_ADDRESS} (repeatable)`,
      collect,
    )
    .option('--container-port <n>', 'the ECS credentials endpoint port', port, 80)
    .option(
      '--pod-identity-bind <address>',
      `serve EKS Pod Identity on this address instead of ${POD_IDENTITY_ADDRESS} and [${POD_IDENTITY_ADDRESS_V6}] (repeatable)`,
      collect,
    )
    .option('--pod-identity-port <n>', 'the EKS Pod Identity port', port, 80)
    .option('--interface <name>', 'the dummy interface to create for the addresses', 'credplane0')
    .option('--instance <id>', 'the instance to serve when several are placed on the node')
    .action(async (opts) => {
      const log = (message: string, fields: Record<string, unknown> = {}): void => {
        process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), message, ...fields })}\n`);
      };
      // Given addresses are bound as they are; otherwise the agent adds AWS's own on its interface
      // (IPv6 ones where the host has IPv6).
      const given =
        opts.bind !== undefined || opts.containerBind !== undefined || opts.podIdentityBind !== undefined;
      const pick = (value: unknown, defaults: string[]): string[] =>
        (value as string[] | undefined) ?? (given ? [] : defaults);
      const imds = pick(opts.bind, [IMDS_ADDRESS, IMDS_ADDRESS_V6]);
      const containerBind = pick(opts.containerBind, [ECS_CREDENTIALS_ADDRESS]);
      let podIdentityBind = pick(opts.podIdentityBind, [POD_IDENTITY_ADDRESS, POD_IDENTITY_ADDRESS_V6]);
      let bindV6 = imds.filter((a) => a.includes(':'));
      let removeAddresses = (): void => undefined;
      if (!given) {
        const added = addLinkLocalAddresses(opts.interface, [...imds, ...containerBind, ...podIdentityBind]);
        removeAddresses = added.remove;
        if (added.skipped.length > 0) log('IPv6 unavailable: not serving', { addresses: added.skipped });
        bindV6 = bindV6.filter((a) => !added.skipped.includes(a));
        podIdentityBind = podIdentityBind.filter((a) => !added.skipped.includes(a));
      }
      // Removed however the agent ends: on SIGINT/SIGTERM after a clean stop, and on any other exit.
      process.once('exit', () => removeAddresses());
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
          bind: imds.filter((a) => !a.includes(':')),
          bindV6,
          port: opts.port,
          containerBind,
          containerPort: opts.containerPort,
          podIdentityBind,
          podIdentityPort: opts.podIdentityPort,
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
          `, ECS credentials at ${agent.containerEndpoints.join(' ')}` +
          `, Pod Identity at ${agent.podIdentityEndpoints.join(' ')}\n`,
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
