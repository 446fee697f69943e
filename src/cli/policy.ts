/**
 * The `credplane policy` command group:
 *
 *   credplane policy generate <role> [--since T] [--include-denied] [--prefix-threshold N] [--format text|json]
 *   credplane policy tighten <role> [--since T] [--include-denied] [--prefix-threshold N] [--apply]
 *   credplane policy rollback <role> [--snapshot ID]
 *   credplane policy snapshots <role> [--format text|json]
 *   credplane policy simulate --role R --action A[,A...] [--resource ARN] [--context key=value ...]
 *                             [--session-policy FILE] [--resource-policy FILE]
 *                             [--principal ARN | --principal-service S | --web-identity-provider P]
 *   credplane policy validate <file> ...   (src/cli/policy-validate.ts)
 */
import fs from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { formatPlanJson, formatPlanText } from '../analyzer/generate/format.js';
import { DEFAULT_PREFIX_THRESHOLD } from '../analyzer/generate/resources.js';
import { DEFAULT_SINCE, parseSince } from '../analyzer/generate/since.js';
import { formatSimulationJson, formatSimulationText } from '../analyzer/simulate/format.js';
import { simulate, simulationSnapshot, type TrustPrincipal } from '../analyzer/simulate/simulate.js';
import { describeChange } from '../analyzer/tighten/changes.js';
import { connectIam } from '../analyzer/tighten/connect.js';
import { snapshotContent } from '../analyzer/tighten/snapshot.js';
import { applyTighten, planPolicy, rollbackPolicies, type PolicyPlan } from '../analyzer/tighten/tighten.js';
import type { Store } from '../store/store.js';
import { accountId, collect, DEFAULT_ACCOUNT } from './options.js';
import { registerPolicyValidate } from './policy-validate.js';
import { withCliStore, withStoreOptions, type StoreLocation } from './store-option.js';

interface StoreOptions extends StoreLocation {
  accountId: string;
}

interface PlanCliOptions extends StoreOptions {
  since: string;
  includeDenied?: boolean;
  prefixThreshold: number;
  format: 'text' | 'json';
}

function since(value: string): string {
  try {
    parseSince(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

function threshold(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number, 1 or more');
  return n;
}

function withStore(command: Command): Command {
  return withStoreOptions(command).option('--account-id <id>', 'the account id', accountId, DEFAULT_ACCOUNT);
}

function withPlanOptions(command: Command): Command {
  return withStore(command)
    .option(
      '--since <time>',
      'start of the tracking period: ISO date/time or a duration (15m, 7d)',
      since,
      DEFAULT_SINCE,
    )
    .option(
      '--include-denied',
      'also grant what the workload tried and was denied (default: only what was allowed)',
    )
    .option(
      '--prefix-threshold <n>',
      'fold S3 objects into dir/* when more than N share a directory',
      threshold,
      DEFAULT_PREFIX_THRESHOLD,
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'));
}

function withExistingStore<T>(opts: StoreOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  return withCliStore(opts, { create: false }, fn);
}

function plan(store: Store, roleName: string, opts: PlanCliOptions): Promise<PolicyPlan> {
  return planPolicy(store, opts.accountId, roleName, {
    since: parseSince(opts.since),
    includeDenied: Boolean(opts.includeDenied),
    prefixThreshold: opts.prefixThreshold,
  });
}

/** ERROR findings, or a generated policy that allows something the current ones refuse. */
function hasErrors(plan: PolicyPlan): boolean {
  return (
    plan.generated.findings.some((f) => f.severity === 'ERROR') ||
    plan.generated.verification.widening.length > 0
  );
}

const out = (text: string): void => {
  process.stdout.write(text);
};

/**
 * @example
 * registerPolicyCommands(program);
 */
export function registerPolicyCommands(program: Command): void {
  const policy = program
    .command('policy')
    .description('least privilege: generate, tighten and roll back role policies; simulate; validate');

  withPlanOptions(policy.command('generate'))
    .description("a least-privilege policy from what the access log shows the role's sessions did")
    .argument('<role>', 'the role name')
    .action(async (roleName: string, opts: PlanCliOptions) => {
      await withExistingStore(opts, async (store) => {
        const p = await plan(store, roleName, opts);
        out(opts.format === 'json' ? formatPlanJson(p) : formatPlanText(p));
        if (hasErrors(p)) process.exitCode = 1;
      });
    });

  withPlanOptions(policy.command('tighten'))
    .description("replace the role's permission policies with the generated one (keeps a snapshot)")
    .argument('<role>', 'the role name')
    .option('--apply', 'make the change (default: print the plan)')
    .option('--allow-empty', 'apply even when the role used nothing in the period (removes every permission)')
    .action(async (roleName: string, opts: PlanCliOptions & { apply?: boolean; allowEmpty?: boolean }) => {
      await withExistingStore(opts, async (store) => {
        const p = await plan(store, roleName, opts);
        if (!opts.apply) {
          out(opts.format === 'json' ? formatPlanJson(p) : formatPlanText(p));
          if (opts.format === 'text') out(`\nplan only: run with --apply to make the change.\n`);
          return;
        }
        if (hasErrors(p)) {
          out(formatPlanText(p));
          throw new Error(
            p.generated.verification.widening.length > 0
              ? 'the generated policy would allow requests the current policies refuse: nothing applied'
              : 'the generated policy has ERROR findings: nothing applied',
          );
        }
        // An empty log more often means the workload's calls did not go through credplane than
        // that it needs nothing: removing every permission takes an explicit yes.
        if (p.generated.statements.length === 0 && !opts.allowEmpty) {
          throw new Error(
            `the access log shows no use by role ${p.current.role.roleName} since ${p.since.toISOString()}: ` +
              'nothing applied (--allow-empty removes all its permission policies)',
          );
        }
        const via = await connectIam(opts.dataDir, p.current.role.roleName);
        const snapshot = await applyTighten(store, p, via);
        if (opts.format === 'json') {
          out(
            `${JSON.stringify({ snapshotId: snapshot.snapshotId, via: via.kind, changes: p.changes.map(describeChange), policy: p.generated.document }, null, 2)}\n`,
          );
          return;
        }
        out(formatPlanText(p));
        out(
          `\napplied ${p.changes.length} change(s) ${via.description}.\n` +
            `previous policies kept in snapshot ${snapshot.snapshotId}: 'credplane policy rollback ${p.current.role.roleName}' restores them.\n`,
        );
      });
    });

  withStore(policy.command('rollback'))
    .description(
      "restore the role's policies from its newest (or a given) snapshot, then delete the snapshot",
    )
    .argument('<role>', 'the role name')
    .option('--snapshot <id>', 'the snapshot to restore (default: the newest)')
    .action(async (roleName: string, opts: StoreOptions & { snapshot?: string }) => {
      await withExistingStore(opts, async (store) => {
        const role = await store.getRole(opts.accountId, roleName);
        const via = await connectIam(opts.dataDir, role.roleName);
        const result = await rollbackPolicies(store, opts.accountId, role.roleName, via, opts.snapshot);
        for (const change of result.changes) out(`  ${describeChange(change)}\n`);
        out(
          `restored role ${role.roleName} from snapshot ${result.snapshot.snapshotId} ` +
            `(${result.snapshot.createdAt.toISOString()}) ${via.description}; the snapshot is deleted.\n`,
        );
      });
    });

  withStore(policy.command('snapshots'))
    .description("list the role's policy snapshots, newest first")
    .argument('<role>', 'the role name')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (roleName: string, opts: StoreOptions & { format: 'text' | 'json' }) => {
      await withExistingStore(opts, async (store) => {
        const role = await store.getRole(opts.accountId, roleName);
        const snapshots = await store.listRolePolicySnapshots(opts.accountId, role.roleName);
        if (opts.format === 'json') {
          out(
            `${JSON.stringify(
              snapshots.map((s) => ({ ...s, createdAt: s.createdAt.toISOString() })),
              null,
              2,
            )}\n`,
          );
          return;
        }
        if (snapshots.length === 0) out(`role ${role.roleName} has no policy snapshots\n`);
        for (const s of snapshots) {
          const c = snapshotContent(s);
          const what = [
            ...c.inline.map((p) => `inline ${p.policyName}`),
            ...c.attached.map((a) => `attached ${a.policyArn}`),
          ];
          out(
            `${s.snapshotId}\t${s.createdAt.toISOString()}\t${s.reason}\t${what.join(', ') || '(no policies)'}\n`,
          );
        }
      });
    });

  withStore(policy.command('simulate'))
    .description(
      "IAM's policy simulator over the stored policies, with the full explanation; also for trust policies",
    )
    .requiredOption(
      '--role <name>',
      'the role whose session is simulated (or whose trust policy, with a principal)',
    )
    .requiredOption('--action <actions>', 'action(s) to simulate, comma-separated (repeatable)', collect)
    .option('--resource <arn>', 'the resource ARN (default: * ; the role ARN for trust simulation)')
    .option('--context <key=value>', 'a condition key (repeat a key for a multivalued key)', collect)
    .option('--session-policy <file>', 'a session policy (JSON) the session was created with')
    .option('--resource-policy <file>', 'a resource-based policy (JSON) of the resource')
    .option(
      '--principal <arn>',
      'trust: an IAM principal (role, user, session or account root ARN) assuming the role',
    )
    .option('--principal-service <service>', 'trust: a service principal, e.g. ec2.amazonaws.com')
    .option('--web-identity-provider <provider>', 'trust: an OIDC provider ARN or issuer URL')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(
      async (
        opts: StoreOptions & {
          role: string;
          action: string[];
          resource?: string;
          context?: string[];
          sessionPolicy?: string;
          resourcePolicy?: string;
          principal?: string;
          principalService?: string;
          webIdentityProvider?: string;
          format: 'text' | 'json';
        },
      ) => {
        const actions = opts.action
          .flatMap((a) => a.split(','))
          .map((a) => a.trim())
          .filter((a) => a !== '');
        const context: Record<string, string[]> = {};
        for (const pair of opts.context ?? []) {
          const eq = pair.indexOf('=');
          if (eq <= 0) throw new InvalidArgumentError(`--context ${pair}: expected key=value`);
          (context[pair.slice(0, eq)] ??= []).push(pair.slice(eq + 1));
        }
        const principals: TrustPrincipal[] = [
          ...(opts.principal === undefined ? [] : [{ kind: 'aws' as const, arn: opts.principal }]),
          ...(opts.principalService === undefined
            ? []
            : [{ kind: 'service' as const, service: opts.principalService }]),
          ...(opts.webIdentityProvider === undefined
            ? []
            : [{ kind: 'web-identity' as const, provider: opts.webIdentityProvider }]),
        ];
        if (principals.length > 1) {
          throw new InvalidArgumentError(
            'give at most one of --principal, --principal-service, --web-identity-provider',
          );
        }
        await withExistingStore(opts, async (store) => {
          const results = await simulate(
            { store, ...simulationSnapshot(store), accountId: opts.accountId },
            {
              roleName: opts.role,
              actions,
              ...(opts.resource === undefined ? {} : { resource: opts.resource }),
              context,
              ...(opts.sessionPolicy === undefined
                ? {}
                : { sessionPolicy: fs.readFileSync(opts.sessionPolicy, 'utf8') }),
              ...(opts.resourcePolicy === undefined
                ? {}
                : { resourcePolicy: fs.readFileSync(opts.resourcePolicy, 'utf8') }),
              ...(principals[0] === undefined ? {} : { principal: principals[0] }),
            },
          );
          out(opts.format === 'json' ? formatSimulationJson(results) : formatSimulationText(results));
        });
      },
    );

  registerPolicyValidate(policy);
}
