/**
 * `credplane apply -f template.yaml`: apply a CloudFormation template to the store (no running
 * server needed): print the plan, then make the changes.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { applyTemplate } from '../stacks/apply.js';
import { accountId, DEFAULT_ACCOUNT, resolveAccountId } from './options.js';
import { parameterOption, type TemplateParameters } from './parameters.js';
import { dataDirOption, openCliStore, storeOption } from './store-option.js';

/**
 * @example
 * registerApplyCommand(program);
 */
export function registerApplyCommand(program: Command): void {
  program
    .command('apply')
    .description('apply a CloudFormation template to the store: print the plan, then make the changes')
    .requiredOption('-f, --file <file>', 'template file (YAML or JSON)')
    .option('--dry-run', 'print the plan only')
    .addOption(dataDirOption())
    .addOption(storeOption())
    .option(
      '--account-id <id>',
      `the account id (default: the template's Metadata.Credplane.AccountId, else ${DEFAULT_ACCOUNT})`,
      accountId,
    )
    .option('--region <region>', 'region for ARNs', 'us-east-1')
    .option('--stack-name <name>', 'stack name', 'credplane')
    .addOption(parameterOption())
    .action(async (opts) => {
      const account = resolveAccountId(opts.accountId, opts.file);
      const store = await openCliStore(opts, { create: true, accountId: account });
      try {
        const text = fs.readFileSync(opts.file, 'utf8');
        const print = (plan: string): void => {
          process.stdout.write(plan.endsWith('\n') ? plan : `${plan}\n`);
        };
        let printed = false;
        const result = await applyTemplate(store, text, {
          accountId: account,
          region: opts.region,
          partition: 'aws',
          stackName: opts.stackName,
          parameters: (opts.parameter as TemplateParameters | undefined) ?? {},
          dryRun: Boolean(opts.dryRun),
          // The plan is shown before the first write.
          onPlan: (_plan, planText) => {
            print(planText);
            printed = true;
          },
        });
        if (!printed) print(result.text);
        process.stdout.write(
          opts.dryRun ? 'dry run: nothing changed.\n' : result.applied ? 'applied.\n' : 'no changes.\n',
        );
      } finally {
        await store.close();
      }
    });
}
