/**
 * The one `Store` implementation, over Kysely, shared by SQLite and PostgreSQL. Each entity's
 * queries live in a module of its own under `sql/` (roles, managed policies, workloads, keys,
 * the access log, settings, ...), all working on one `SqlContext`; this class composes them.
 *
 * Every write runs in a transaction of its own (or, inside `transaction()`, in a savepoint of
 * the caller's transaction, so a failed step leaves the rest intact). Read-modify-write steps
 * first lock the row they depend on with an `UPDATE ... RETURNING`, which serializes concurrent
 * writers on PostgreSQL the same way SQLite's single writer does, without dialect branches.
 */
import { EventEmitter } from 'node:events';
import { newUniqueId } from '../crypto/ids.js';
import { withDatabaseErrors } from './database-errors.js';
import type { ChangeListener, Store } from './store.js';
import type { GenerationFeed, Leadership } from './coordination/types.js';
import type { LocalAccessEventInsert } from './sqlite-access-events.js';
import type { LocalGenerationRead } from './sqlite-generation.js';
import { AccountsSql } from './sql/accounts.js';
import { RolesSql } from './sql/roles.js';
import { ManagedPoliciesSql } from './sql/managed-policies.js';
import { InstanceProfilesSql } from './sql/instance-profiles.js';
import { OidcProvidersSql } from './sql/oidc-providers.js';
import { WorkloadsSql } from './sql/workloads.js';
import { AccessKeysSql } from './sql/access-keys.js';
import { MfaDevicesSql } from './sql/mfa-devices.js';
import { DeletionTasksSql } from './sql/deletion-tasks.js';
import { GroupsSql } from './sql/groups.js';
import { KeyRingSql } from './sql/key-ring.js';
import { SessionRevocationSql } from './sql/session-revocation.js';
import { SettingsSql } from './sql/settings.js';
import { AccessLogSql } from './sql/access-log.js';
import { SnapshotsSql } from './sql/snapshots.js';
import { NodesSql } from './sql/nodes.js';
import {
  advanceGeneration,
  CHANGE,
  GENERATION_QUERY,
  SqlContext,
  type Db,
  type SqlStoreOptions,
  type StoreCoordination,
  type TxState,
} from './sql/context.js';
import { SOLE_LEADER } from './coordination/types.js';

export { mergeTags } from './sql/tags.js';
export type { SqlStoreOptions } from './sql/context.js';

/**
 * Builds a `Store` over an open, migrated Kysely instance. `sqlite.ts` and `postgres.ts` call it.
 *
 * @example
 * const store = createSqlStore(db, { close: () => db.destroy() });
 */
export function createSqlStore(
  db: Db,
  options: SqlStoreOptions & {
    close: () => Promise<void>;
    notifySchema?: string;
    coordination?: StoreCoordination;
    readGeneration?: LocalGenerationRead;
    insertAccessEvent?: LocalAccessEventInsert;
  },
): Store {
  const events = new EventEmitter();
  events.setMaxListeners(0);
  return withDatabaseErrors(
    new SqlStore(db, {
      root: db,
      events,
      partition: options.partition ?? 'aws',
      newId: options.newId ?? newUniqueId,
      now: options.now ?? (() => new Date()),
      close: options.close,
      ...(options.notifySchema === undefined ? {} : { notifySchema: options.notifySchema }),
      coordination: options.coordination ?? ALONE,
      ...(options.readGeneration === undefined ? {} : { readGeneration: options.readGeneration }),
      ...(options.insertAccessEvent === undefined ? {} : { insertAccessEvent: options.insertAccessEvent }),
    }),
  );
}

/** One host, one server (SQLite): no feed (the per-request generation read suffices) and always the leader. */
const ALONE: StoreCoordination = {
  generationFeed: () => Promise.resolve(undefined),
  leadership: () => Promise.resolve(SOLE_LEADER),
};

/** The `Store`: each entity's methods come from its module under `sql/`, all over one handle. */
class SqlStore extends SqlContext implements Store {
  private readonly accounts = new AccountsSql(this.db, this.shared, this.tx);
  private readonly roles = new RolesSql(this.db, this.shared, this.tx);
  private readonly policies = new ManagedPoliciesSql(this.db, this.shared, this.tx);
  private readonly instanceProfiles = new InstanceProfilesSql(this.db, this.shared, this.tx);
  private readonly oidcProviders = new OidcProvidersSql(this.db, this.shared, this.tx);
  private readonly workloads = new WorkloadsSql(this.db, this.shared, this.tx);
  private readonly accessKeys = new AccessKeysSql(this.db, this.shared, this.tx);
  /** Users and groups (the groups module extends the users one). */
  private readonly principals = new GroupsSql(this.db, this.shared, this.tx);
  private readonly mfaDevices = new MfaDevicesSql(this.db, this.shared, this.tx);
  private readonly deletionTasks = new DeletionTasksSql(this.db, this.shared, this.tx);
  private readonly keyRing = new KeyRingSql(this.db, this.shared, this.tx);
  private readonly revocations = new SessionRevocationSql(this.db, this.shared, this.tx);
  private readonly settings = new SettingsSql(this.db, this.shared, this.tx);
  private readonly accessLog = new AccessLogSql(this.db, this.shared, this.tx);
  private readonly snapshots = new SnapshotsSql(this.db, this.shared, this.tx);
  private readonly nodes = new NodesSql(this.db, this.shared, this.tx);

  readonly createAccount: Store['createAccount'] = this.accounts.createAccount.bind(this.accounts);
  readonly getAccount: Store['getAccount'] = this.accounts.getAccount.bind(this.accounts);
  readonly listAccounts: Store['listAccounts'] = this.accounts.listAccounts.bind(this.accounts);

  readonly createRole: Store['createRole'] = this.roles.createRole.bind(this.roles);
  readonly getRole: Store['getRole'] = this.roles.getRole.bind(this.roles);
  readonly findRole: Store['findRole'] = this.roles.findRole.bind(this.roles);
  readonly getRoleById: Store['getRoleById'] = this.roles.getRoleById.bind(this.roles);
  readonly listRoles: Store['listRoles'] = this.roles.listRoles.bind(this.roles);
  readonly updateRole: Store['updateRole'] = this.roles.updateRole.bind(this.roles);
  readonly deleteRole: Store['deleteRole'] = this.roles.deleteRole.bind(this.roles);
  readonly tagRole: Store['tagRole'] = this.roles.tagRole.bind(this.roles);
  readonly untagRole: Store['untagRole'] = this.roles.untagRole.bind(this.roles);
  readonly listRoleTags: Store['listRoleTags'] = this.roles.listRoleTags.bind(this.roles);
  readonly putRolePermissionsBoundary: Store['putRolePermissionsBoundary'] =
    this.roles.putRolePermissionsBoundary.bind(this.roles);
  readonly deleteRolePermissionsBoundary: Store['deleteRolePermissionsBoundary'] =
    this.roles.deleteRolePermissionsBoundary.bind(this.roles);
  readonly putRolePolicy: Store['putRolePolicy'] = this.roles.putRolePolicy.bind(this.roles);
  readonly getRolePolicy: Store['getRolePolicy'] = this.roles.getRolePolicy.bind(this.roles);
  readonly listRolePolicies: Store['listRolePolicies'] = this.roles.listRolePolicies.bind(this.roles);
  readonly deleteRolePolicy: Store['deleteRolePolicy'] = this.roles.deleteRolePolicy.bind(this.roles);
  readonly attachRolePolicy: Store['attachRolePolicy'] = this.roles.attachRolePolicy.bind(this.roles);
  readonly detachRolePolicy: Store['detachRolePolicy'] = this.roles.detachRolePolicy.bind(this.roles);
  readonly listAttachedRolePolicies: Store['listAttachedRolePolicies'] =
    this.roles.listAttachedRolePolicies.bind(this.roles);
  readonly listRolesForPolicy: Store['listRolesForPolicy'] = this.roles.listRolesForPolicy.bind(this.roles);

  readonly createPolicy: Store['createPolicy'] = this.policies.createPolicy.bind(this.policies);
  readonly getPolicy: Store['getPolicy'] = this.policies.getPolicy.bind(this.policies);
  readonly listPolicies: Store['listPolicies'] = this.policies.listPolicies.bind(this.policies);
  readonly deletePolicy: Store['deletePolicy'] = this.policies.deletePolicy.bind(this.policies);
  readonly createPolicyVersion: Store['createPolicyVersion'] = this.policies.createPolicyVersion.bind(
    this.policies,
  );
  readonly getPolicyVersion: Store['getPolicyVersion'] = this.policies.getPolicyVersion.bind(this.policies);
  readonly listPolicyVersions: Store['listPolicyVersions'] = this.policies.listPolicyVersions.bind(
    this.policies,
  );
  readonly deletePolicyVersion: Store['deletePolicyVersion'] = this.policies.deletePolicyVersion.bind(
    this.policies,
  );
  readonly setDefaultPolicyVersion: Store['setDefaultPolicyVersion'] =
    this.policies.setDefaultPolicyVersion.bind(this.policies);

  readonly createInstanceProfile: Store['createInstanceProfile'] =
    this.instanceProfiles.createInstanceProfile.bind(this.instanceProfiles);
  readonly getInstanceProfile: Store['getInstanceProfile'] = this.instanceProfiles.getInstanceProfile.bind(
    this.instanceProfiles,
  );
  readonly listInstanceProfiles: Store['listInstanceProfiles'] =
    this.instanceProfiles.listInstanceProfiles.bind(this.instanceProfiles);
  readonly listInstanceProfilesForRole: Store['listInstanceProfilesForRole'] =
    this.instanceProfiles.listInstanceProfilesForRole.bind(this.instanceProfiles);
  readonly deleteInstanceProfile: Store['deleteInstanceProfile'] =
    this.instanceProfiles.deleteInstanceProfile.bind(this.instanceProfiles);
  readonly addRoleToInstanceProfile: Store['addRoleToInstanceProfile'] =
    this.instanceProfiles.addRoleToInstanceProfile.bind(this.instanceProfiles);
  readonly removeRoleFromInstanceProfile: Store['removeRoleFromInstanceProfile'] =
    this.instanceProfiles.removeRoleFromInstanceProfile.bind(this.instanceProfiles);

  readonly createOidcProvider: Store['createOidcProvider'] = this.oidcProviders.createOidcProvider.bind(
    this.oidcProviders,
  );
  readonly getOidcProvider: Store['getOidcProvider'] = this.oidcProviders.getOidcProvider.bind(
    this.oidcProviders,
  );
  readonly listOidcProviders: Store['listOidcProviders'] = this.oidcProviders.listOidcProviders.bind(
    this.oidcProviders,
  );
  readonly updateOidcProvider: Store['updateOidcProvider'] = this.oidcProviders.updateOidcProvider.bind(
    this.oidcProviders,
  );
  readonly deleteOidcProvider: Store['deleteOidcProvider'] = this.oidcProviders.deleteOidcProvider.bind(
    this.oidcProviders,
  );

  readonly putWorkload: Store['putWorkload'] = this.workloads.putWorkload.bind(this.workloads);
  readonly getWorkload: Store['getWorkload'] = this.workloads.getWorkload.bind(this.workloads);
  readonly listWorkloads: Store['listWorkloads'] = this.workloads.listWorkloads.bind(this.workloads);
  readonly deleteWorkload: Store['deleteWorkload'] = this.workloads.deleteWorkload.bind(this.workloads);

  readonly createAccessKey: Store['createAccessKey'] = this.accessKeys.createAccessKey.bind(this.accessKeys);
  readonly getAccessKey: Store['getAccessKey'] = this.accessKeys.getAccessKey.bind(this.accessKeys);
  readonly findAccessKey: Store['findAccessKey'] = this.accessKeys.findAccessKey.bind(this.accessKeys);
  readonly listAccessKeys: Store['listAccessKeys'] = this.accessKeys.listAccessKeys.bind(this.accessKeys);
  readonly updateAccessKeyStatus: Store['updateAccessKeyStatus'] = this.accessKeys.updateAccessKeyStatus.bind(
    this.accessKeys,
  );
  readonly deleteAccessKey: Store['deleteAccessKey'] = this.accessKeys.deleteAccessKey.bind(this.accessKeys);

  readonly createUser: Store['createUser'] = this.principals.createUser.bind(this.principals);
  readonly getUser: Store['getUser'] = this.principals.getUser.bind(this.principals);
  readonly findUser: Store['findUser'] = this.principals.findUser.bind(this.principals);
  readonly listUsers: Store['listUsers'] = this.principals.listUsers.bind(this.principals);
  readonly updateUser: Store['updateUser'] = this.principals.updateUser.bind(this.principals);
  readonly deleteUser: Store['deleteUser'] = this.principals.deleteUser.bind(this.principals);
  readonly tagUser: Store['tagUser'] = this.principals.tagUser.bind(this.principals);
  readonly untagUser: Store['untagUser'] = this.principals.untagUser.bind(this.principals);
  readonly listUserTags: Store['listUserTags'] = this.principals.listUserTags.bind(this.principals);
  readonly putUserPermissionsBoundary: Store['putUserPermissionsBoundary'] =
    this.principals.putUserPermissionsBoundary.bind(this.principals);
  readonly deleteUserPermissionsBoundary: Store['deleteUserPermissionsBoundary'] =
    this.principals.deleteUserPermissionsBoundary.bind(this.principals);
  readonly putUserPolicy: Store['putUserPolicy'] = this.principals.putUserPolicy.bind(this.principals);
  readonly getUserPolicy: Store['getUserPolicy'] = this.principals.getUserPolicy.bind(this.principals);
  readonly listUserPolicies: Store['listUserPolicies'] = this.principals.listUserPolicies.bind(
    this.principals,
  );
  readonly deleteUserPolicy: Store['deleteUserPolicy'] = this.principals.deleteUserPolicy.bind(
    this.principals,
  );
  readonly attachUserPolicy: Store['attachUserPolicy'] = this.principals.attachUserPolicy.bind(
    this.principals,
  );
  readonly detachUserPolicy: Store['detachUserPolicy'] = this.principals.detachUserPolicy.bind(
    this.principals,
  );
  readonly listAttachedUserPolicies: Store['listAttachedUserPolicies'] =
    this.principals.listAttachedUserPolicies.bind(this.principals);
  readonly createGroup: Store['createGroup'] = this.principals.createGroup.bind(this.principals);
  readonly getGroup: Store['getGroup'] = this.principals.getGroup.bind(this.principals);
  readonly listGroups: Store['listGroups'] = this.principals.listGroups.bind(this.principals);
  readonly updateGroup: Store['updateGroup'] = this.principals.updateGroup.bind(this.principals);
  readonly deleteGroup: Store['deleteGroup'] = this.principals.deleteGroup.bind(this.principals);
  readonly addUserToGroup: Store['addUserToGroup'] = this.principals.addUserToGroup.bind(this.principals);
  readonly removeUserFromGroup: Store['removeUserFromGroup'] = this.principals.removeUserFromGroup.bind(
    this.principals,
  );
  readonly listGroupsForUser: Store['listGroupsForUser'] = this.principals.listGroupsForUser.bind(
    this.principals,
  );
  readonly listUsersInGroup: Store['listUsersInGroup'] = this.principals.listUsersInGroup.bind(
    this.principals,
  );
  readonly putGroupPolicy: Store['putGroupPolicy'] = this.principals.putGroupPolicy.bind(this.principals);
  readonly getGroupPolicy: Store['getGroupPolicy'] = this.principals.getGroupPolicy.bind(this.principals);
  readonly listGroupPolicies: Store['listGroupPolicies'] = this.principals.listGroupPolicies.bind(
    this.principals,
  );
  readonly deleteGroupPolicy: Store['deleteGroupPolicy'] = this.principals.deleteGroupPolicy.bind(
    this.principals,
  );
  readonly attachGroupPolicy: Store['attachGroupPolicy'] = this.principals.attachGroupPolicy.bind(
    this.principals,
  );
  readonly detachGroupPolicy: Store['detachGroupPolicy'] = this.principals.detachGroupPolicy.bind(
    this.principals,
  );
  readonly listAttachedGroupPolicies: Store['listAttachedGroupPolicies'] =
    this.principals.listAttachedGroupPolicies.bind(this.principals);
  readonly listPrincipalsForPolicy: Store['listPrincipalsForPolicy'] =
    this.principals.listPrincipalsForPolicy.bind(this.principals);
  readonly createVirtualMfaDevice: Store['createVirtualMfaDevice'] =
    this.mfaDevices.createVirtualMfaDevice.bind(this.mfaDevices);
  readonly findMfaDevice: Store['findMfaDevice'] = this.mfaDevices.findMfaDevice.bind(this.mfaDevices);
  readonly listVirtualMfaDevices: Store['listVirtualMfaDevices'] = this.mfaDevices.listVirtualMfaDevices.bind(
    this.mfaDevices,
  );
  readonly enableMfaDevice: Store['enableMfaDevice'] = this.mfaDevices.enableMfaDevice.bind(this.mfaDevices);
  readonly deactivateMfaDevice: Store['deactivateMfaDevice'] = this.mfaDevices.deactivateMfaDevice.bind(
    this.mfaDevices,
  );
  readonly deleteVirtualMfaDevice: Store['deleteVirtualMfaDevice'] =
    this.mfaDevices.deleteVirtualMfaDevice.bind(this.mfaDevices);
  readonly useMfaStep: Store['useMfaStep'] = this.mfaDevices.useMfaStep.bind(this.mfaDevices);
  readonly resyncMfaDevice: Store['resyncMfaDevice'] = this.mfaDevices.resyncMfaDevice.bind(this.mfaDevices);

  readonly recordDeletionTask: Store['recordDeletionTask'] = this.deletionTasks.recordDeletionTask.bind(
    this.deletionTasks,
  );
  readonly findDeletionTask: Store['findDeletionTask'] = this.deletionTasks.findDeletionTask.bind(
    this.deletionTasks,
  );
  readonly recordAccessKeyUse: Store['recordAccessKeyUse'] = this.accessKeys.recordAccessKeyUse.bind(
    this.accessKeys,
  );

  readonly getKeyRing: Store['getKeyRing'] = this.keyRing.getKeyRing.bind(this.keyRing);
  readonly putKeyRing: Store['putKeyRing'] = this.keyRing.putKeyRing.bind(this.keyRing);

  readonly revokeRoleSessions: Store['revokeRoleSessions'] = this.revocations.revokeRoleSessions.bind(
    this.revocations,
  );
  readonly getRoleRevocation: Store['getRoleRevocation'] = this.revocations.getRoleRevocation.bind(
    this.revocations,
  );

  readonly getAccountSetting: Store['getAccountSetting'] = this.settings.getAccountSetting.bind(
    this.settings,
  );
  readonly putAccountSetting: Store['putAccountSetting'] = this.settings.putAccountSetting.bind(
    this.settings,
  );

  readonly appendAccessEvents: Store['appendAccessEvents'] = this.accessLog.appendAccessEvents.bind(
    this.accessLog,
  );
  readonly listAccessEvents: Store['listAccessEvents'] = this.accessLog.listAccessEvents.bind(this.accessLog);
  readonly listLastAccessed: Store['listLastAccessed'] = this.accessLog.listLastAccessed.bind(this.accessLog);
  readonly pruneAccessEvents: Store['pruneAccessEvents'] = this.accessLog.pruneAccessEvents.bind(
    this.accessLog,
  );

  readonly saveRolePolicySnapshot: Store['saveRolePolicySnapshot'] =
    this.snapshots.saveRolePolicySnapshot.bind(this.snapshots);
  readonly listRolePolicySnapshots: Store['listRolePolicySnapshots'] =
    this.snapshots.listRolePolicySnapshots.bind(this.snapshots);
  readonly deleteRolePolicySnapshot: Store['deleteRolePolicySnapshot'] =
    this.snapshots.deleteRolePolicySnapshot.bind(this.snapshots);

  readonly createNode: Store['createNode'] = this.nodes.createNode.bind(this.nodes);
  readonly getNode: Store['getNode'] = this.nodes.getNode.bind(this.nodes);
  readonly listNodes: Store['listNodes'] = this.nodes.listNodes.bind(this.nodes);
  readonly useJoinToken: Store['useJoinToken'] = this.nodes.useJoinToken.bind(this.nodes);
  readonly deleteNode: Store['deleteNode'] = this.nodes.deleteNode.bind(this.nodes);
  readonly addNodeCertificate: Store['addNodeCertificate'] = this.nodes.addNodeCertificate.bind(this.nodes);
  readonly findNodeCertificate: Store['findNodeCertificate'] = this.nodes.findNodeCertificate.bind(
    this.nodes,
  );
  readonly getNodeCa: Store['getNodeCa'] = this.nodes.getNodeCa.bind(this.nodes);
  readonly putNodeCaIfAbsent: Store['putNodeCaIfAbsent'] = this.nodes.putNodeCaIfAbsent.bind(this.nodes);

  // ---------------------------------------------------------------- transactions, changes, lifecycle

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    // Nested calls join the enclosing transaction.
    if (this.tx !== undefined) return fn(withDatabaseErrors(this));
    const trx = await this.shared.root.startTransaction().execute();
    const state: TxState = { trx, events: [], savepoints: 0 };
    let result: T;
    let generation: number | undefined;
    try {
      result = await fn(withDatabaseErrors(new SqlStore(trx, this.shared, state)));
      if (state.events.length > 0) generation = await advanceGeneration(trx, this.shared.notifySchema);
    } catch (error) {
      // A failed rollback (e.g. a dropped connection) must not hide why the transaction failed.
      await trx
        .rollback()
        .execute()
        .catch(() => undefined);
      throw error;
    }
    await trx.commit().execute();
    this.publish(state.events, generation);
    return result;
  }

  onChange(listener: ChangeListener): () => void {
    this.shared.events.on(CHANGE, listener);
    return () => this.shared.events.off(CHANGE, listener);
  }

  async generation(): Promise<number> {
    // On the request path (`AuthorizationView.refresh`). Inside `transaction()` the caller's transaction answers.
    const local = this.tx === undefined ? this.shared.readGeneration?.() : undefined;
    if (local !== undefined) return local;
    // Compiled once, not built per call.
    const result = await this.db.executeQuery(GENERATION_QUERY);
    const row = result.rows[0];
    if (row === undefined) throw new Error('store_generation has no row');
    return Number(row.generation);
  }

  generationFeed(): Promise<GenerationFeed | undefined> {
    return this.shared.coordination.generationFeed();
  }

  leadership(): Promise<Leadership> {
    return this.shared.coordination.leadership();
  }

  async close(): Promise<void> {
    this.shared.events.removeAllListeners();
    await this.shared.close();
  }
}
