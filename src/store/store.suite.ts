/**
 * The behaviour every `Store` implementation must have, registered once per implementation by
 * `sqlite.test.ts` and `postgres.test.ts`. One store is opened per suite; each test works in an
 * account of its own so tests stay independent without re-running migrations.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { Store } from './store.js';
import { describeRoles } from './test-support/suite/roles.js';
import { describeManagedPolicies } from './test-support/suite/managed-policies.js';
import { describeProfilesAndProviders } from './test-support/suite/profiles-and-providers.js';
import { describeWorkloads } from './test-support/suite/workloads.js';
import { describeKeys } from './test-support/suite/keys.js';
import { describeUsersAndGroups } from './test-support/suite/users-groups.js';
import { describeMfaDevices } from './test-support/suite/mfa-devices.js';
import { describeDeletionTasks } from './test-support/suite/deletion-tasks.js';
import { describeChanges } from './test-support/suite/changes.js';
import { describeAccountsAndSettings } from './test-support/suite/accounts-and-settings.js';
import { describeAccessLog } from './test-support/suite/access-log.js';
import { TRUST, type StoreSuite } from './test-support/suite/support.js';

export interface StoreSuiteOptions {
  /** Opens a fresh, empty store. */
  open: () => Promise<Store>;
}

let accountSeq = 0;

/** Registers the shared behavioural suite for one store implementation. */
export function describeStore(name: string, options: StoreSuiteOptions): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const newAccount = async (): Promise<string> => {
      accountSeq += 1;
      const accountId = String(100000000000 + accountSeq * 7919 + Math.floor(Math.random() * 7000)).slice(
        0,
        12,
      );
      await store.createAccount({ accountId });
      return accountId;
    };
    const role = (acct: string, roleName: string, extra: Record<string, unknown> = {}) =>
      store.createRole(acct, { roleName, assumeRolePolicyDocument: TRUST, ...extra });

    beforeAll(async () => {
      store = await options.open();
    });
    afterAll(async () => {
      await store?.close();
    });
    const suite: StoreSuite = {
      get store() {
        return store;
      },
      newAccount,
      role,
    };
    describeAccountsAndSettings(suite);
    describeRoles(suite);
    describeManagedPolicies(suite);
    describeProfilesAndProviders(suite);
    describeWorkloads(suite);
    describeKeys(suite);
    describeUsersAndGroups(suite);
    describeMfaDevices(suite);
    describeDeletionTasks(suite);
    describeChanges(suite);
    describeAccessLog(suite);
  });
}
