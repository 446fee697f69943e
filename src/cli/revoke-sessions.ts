/**
 * `credplane revoke-sessions <role>`: AWS's "revoke active sessions" for a role, recorded in the
 * store; a running credplane applies it to its next request.
 */
import type { Command } from 'commander';
import { accountId, DEFAULT_ACCOUNT } from './options.js';
import { dataDirOption, storeOption, withCliStore } from './store-option.js';

/**
 * @example
 * registerRevokeSessionsCommand(program);
 */
export function registerRevokeSessionsCommand(program: Command): void {
  program
    .command('revoke-sessions')
    .description('invalidate every session of a role issued before now (AWS\'s "revoke active sessions")')
    .argument('<role-name>')
    .addOption(dataDirOption())
    .addOption(storeOption())
    .option('--account-id <id>', 'the account id', accountId, DEFAULT_ACCOUNT)
    .action(async (roleName: string, opts) => {
      const revocation = await withCliStore(opts, { create: true, accountId: opts.accountId }, (store) =>
        store.revokeRoleSessions(opts.accountId, roleName, new Date()),
      );
      process.stdout.write(
        `sessions of role ${roleName} issued before ${revocation.revokedBefore.toISOString()} are revoked ` +
          '(a running credplane applies it to its next request)\n',
      );
    });
}
