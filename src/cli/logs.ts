/**
 * `credplane logs`: the access log (every gateway, STS, IAM and EC2 decision and every credential
 * delivery) as a table, NDJSON CloudTrail records, or CloudTrail log-file documents; `--follow`
 * keeps polling until interrupted; `--prune-before` applies retention.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { cloudTrailDocument, jsonLine, parseTimeSpec, tableHeader, tableRow } from '../audit/format.js';
import { AccessEventFollower, lastEvents, type EventFilter } from '../audit/tail.js';
import type { AccessEvent } from '../store/store.js';
import { accountId } from './options.js';
import { dataDirOption, openCliStore, storeOption, type StoreLocation } from './store-option.js';

type Format = 'table' | 'json' | 'cloudtrail';

function timeSpec(value: string): Date {
  try {
    return parseTimeSpec(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

interface LogsOptions extends StoreLocation {
  role?: string;
  since: Date;
  until?: Date;
  denied?: boolean;
  follow?: boolean;
  format: Format;
  limit: number;
  accountId?: string;
  pruneBefore?: Date;
  pollInterval: number;
}

function printer(format: Format, out: NodeJS.WritableStream): (events: readonly AccessEvent[]) => void {
  if (format === 'cloudtrail') {
    return (events) => {
      if (events.length > 0) out.write(`${cloudTrailDocument(events)}\n`);
    };
  }
  const line = format === 'json' ? jsonLine : tableRow;
  return (events) => {
    for (const event of events) out.write(`${line(event)}\n`);
  };
}

/** Resolves at SIGINT/SIGTERM; the listeners go away with it. */
function interrupted(): { promise: Promise<void>; done: () => boolean } {
  let stopped = false;
  const promise = new Promise<void>((resolve) => {
    const stop = (): void => {
      stopped = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return { promise, done: () => stopped };
}

async function logs(opts: LogsOptions): Promise<void> {
  const store = await openCliStore(opts, { create: false });
  try {
    if (opts.pruneBefore !== undefined) {
      const deleted = await store.pruneAccessEvents(opts.pruneBefore);
      process.stdout.write(
        `pruned ${deleted} access event(s) before ${opts.pruneBefore.toISOString()} (last-accessed data kept)\n`,
      );
      return;
    }
    const filter: EventFilter = {
      since: opts.since,
      ...(opts.until === undefined ? {} : { until: opts.until }),
      ...(opts.role === undefined ? {} : { roleName: opts.role }),
      ...(opts.accountId === undefined ? {} : { accountId: opts.accountId }),
      ...(opts.denied === true ? { deniedOnly: true } : {}),
    };
    const print = printer(opts.format, process.stdout);
    if (opts.format === 'table') process.stdout.write(`${tableHeader()}\n`);
    const initial = await lastEvents(store, filter, opts.limit);
    if (opts.format === 'cloudtrail' && !opts.follow) {
      process.stdout.write(`${cloudTrailDocument(initial)}\n`);
      return;
    }
    print(initial);
    if (!opts.follow) return;

    const follower = new AccessEventFollower(store, filter);
    follower.seen(initial);
    const signal = interrupted();
    while (!signal.done()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        signal.promise,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.pollInterval))),
      ]);
      clearTimeout(timer);
      if (signal.done()) break;
      print(await follower.poll());
    }
  } finally {
    await store.close();
  }
}

/**
 * Adds `credplane logs` to the program.
 *
 * @example
 * registerLogsCommand(program); // credplane logs --role web --since 2h --denied --format table
 */
export function registerLogsCommand(program: Command): void {
  program
    .command('logs')
    .description(
      'show the access log: gateway, STS, IAM and EC2 decisions and credential deliveries (CloudTrail records)',
    )
    .option('--role <name>', 'only events of this role (acted as, or credentials delivered for)')
    .option('--since <time>', 'from this ISO time or this long ago: 30s, 15m, 2h, 7d, 1w', timeSpec)
    .option('--until <time>', 'before this ISO time or this long ago', timeSpec)
    .option('--denied', 'only denied events (deny and audit-deny)')
    .option('-f, --follow', 'keep printing new events until interrupted (Ctrl-C)')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'cloudtrail'])
        .default('table'),
    )
    .option('--limit <n>', 'at most the last n events of the window', positive, 100)
    .option('--account-id <id>', 'only this account', accountId)
    .option(
      '--prune-before <time>',
      'delete events older than this (ISO time or 30d); aggregates stay',
      timeSpec,
    )
    .addOption(
      new Option('--poll-interval <ms>', 'how often --follow polls')
        .argParser(positive)
        .default(1000)
        .hideHelp(),
    )
    .addOption(dataDirOption())
    .addOption(storeOption())
    .action(async (opts: Omit<LogsOptions, 'since'> & { since?: Date }) => {
      // Without --since: the last hour, as `aws logs tail` looks back a short while by default.
      await logs({ ...opts, since: opts.since ?? parseTimeSpec('1h') });
    });
}
