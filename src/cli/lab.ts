/**
 * `credplane lab ...`: runnable lessons. `credplane lab ssrf` attacks a deliberately vulnerable
 * app through SSRF and shows what IMDSv2 stops.
 */
import type { Command } from 'commander';
import { formatLabReport } from '../delivery/imds/lab/report.js';
import { runSsrfLab } from '../delivery/imds/lab/ssrf.js';
import { startControlPlane } from '../server/start.js';

/**
 * @example
 * registerLabCommands(program);
 */
export function registerLabCommands(program: Command): void {
  const lab =
    program.commands.find((c) => c.name() === 'lab') ??
    program.command('lab').description('runnable lessons');
  lab
    .command('ssrf')
    .description(
      'attack a deliberately vulnerable app through SSRF, scenario by scenario, and show what IMDSv2 stops',
    )
    .option('--json', 'print the report as JSON')
    .option('--no-netns', 'skip the hop-limit scenario (network namespaces)')
    .action(async (opts: { json?: boolean; netns: boolean }) => {
      const report = await runSsrfLab({ startPlane: startControlPlane, netns: opts.netns });
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatLabReport(report));
      if (!report.ok) process.exitCode = 1;
    });
}
