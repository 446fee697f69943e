/**
 * The read model on the request path: for each role, its compiled trust, identity and boundary
 * policies and its revocation time; and the admin access keys with their secrets opened.
 *
 * Entries load on first use and are dropped synchronously by the store's change events, which fire
 * after each commit and before the write returns, so a request that follows a write in this process
 * always sees it. Writes by another process (`credplane revoke-sessions` or `credplane apply` beside
 * a running `credplane up`, a second replica) raise no event here, but every write of the model
 * advances the store generation in its own transaction: `refresh()` reads that one row and drops
 * everything when it moved, so such a change applies to the next request too. Every read through
 * `role`/`managedPolicy` refreshes first; `authenticate` refreshes once per request before it
 * looks up an admin key. Entries also expire after `maxAgeMs` (5 s by default), a backstop only.
 *
 * On a store with a generation feed (PostgreSQL: LISTEN/NOTIFY, see
 * `store/coordination/postgres-feed.ts`), other processes' writes arrive as notifications within
 * milliseconds of their commit and drop everything then, so while the feed is live `refresh()`
 * reads nothing: one database round trip less per request (measured on loopback PostgreSQL 15:
 * p50 0.26 ms, p99 7 ms under load, ~0.1 ms of client CPU, and a pooled connection held each
 * time). The price is that another replica's write is in force here within the notification's
 * delay (milliseconds; the feed's 1 s check bounds a lost one), not before this process's next
 * request. While the feed is down (its session reconnecting) `refresh()` reads the generation
 * again, as on SQLite, where the read stays: a prepared statement on the local file, about 5 µs
 * (`store/sqlite-generation.ts`).
 */
import { NoSuchEntityError } from '../iam/errors.js';
import type { AccessKey, Group, Role, User } from '../iam/types.js';
import type { CompiledPolicy, PolicyType } from '../policy/index.js';
import type { GenerationFeed, Store, StoreChange } from '../store/store.js';
import type { PolicyCache } from './policy-cache.js';

export interface RoleAuthz {
  role: Role;
  trust: CompiledPolicy;
  /** Inline and attached policies, plus the revocation Deny when sessions were revoked. */
  identity: CompiledPolicy[];
  boundary?: CompiledPolicy;
  revokedBefore?: Date;
}

/** A user's side of every decision: its own and its groups' policies, and its boundary. */
export interface UserAuthz {
  user: User;
  /** The user's inline and attached policies, then each group's inline and attached ones. */
  identity: CompiledPolicy[];
  boundary?: CompiledPolicy;
}

/** A group's policies, as the policy simulator reads them (a group is no principal). */
export interface GroupAuthz {
  group: Group;
  /** The group's inline policies, then its attached ones. */
  identity: CompiledPolicy[];
}

/** A long-term access key with its secret opened: the key of an IAM user. */
export interface AdminKey {
  accessKeyId: string;
  accountId: string;
  userName: string;
  secretAccessKey: string;
  active: boolean;
}

/** Finds the document of an AWS managed policy (`arn:aws:iam::aws:policy/...`). */
export type AwsManagedLookup = (arn: string) => { document: string } | undefined;

export interface AuthorizationViewOptions {
  store: Store;
  policies: PolicyCache;
  awsManaged: AwsManagedLookup;
  /** Opens a stored admin secret (sealed under the master key); without it no admin key is loaded. */
  openAdminSecret?: (key: AccessKey) => string;
  /** How long a loaded entry may serve before it is reloaded; 5000 ms by default. */
  maxAgeMs?: number;
  now?: () => number;
}

interface Cached<T> {
  value: Promise<T>;
  loadedAt: number;
}

/** Changes that concern one user (by name): its entry is dropped. */
const USER_SCOPED = new Set(['user', 'user-policy', 'user-attachment', 'user-permissions-boundary']);
/** Changes of a group reach each of its members: every user entry is dropped (they are cheap). */
const GROUP_SCOPED = new Set(['group', 'group-policy', 'group-attachment', 'group-membership']);

const ROLE_SCOPED = new Set([
  'role',
  'role-policy',
  'role-attachment',
  'role-permissions-boundary',
  'role-revocation',
]);

export class AuthorizationView {
  private readonly roles = new Map<string, Cached<RoleAuthz | undefined>>();
  private readonly managed = new Map<string, Cached<CompiledPolicy | undefined>>();
  private readonly users = new Map<string, Cached<UserAuthz | undefined>>();
  private adminKeys = new Map<string, AdminKey>();
  private adminKeysLoadedAt = 0;
  /** Key reloads by start order: the last one started, and the one `adminKeys` comes from. */
  private keysLoadsStarted = 0;
  private keysLoadApplied = 0;
  private unsubscribe: (() => void) | undefined;
  private unfollow: (() => void) | undefined;
  private feed: GenerationFeed | undefined;
  private keysLoading: Promise<void> = Promise.resolve();
  /** The store generation the entries reflect. */
  private seen: number | undefined;
  /** The generation read in flight, and the one queued behind it (see `refresh`). */
  private checking: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthorizationViewOptions) {
    this.maxAgeMs = options.maxAgeMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.options.store.onChange((change) => this.invalidate(change));
    this.feed = await this.options.store.generationFeed();
    this.unfollow = this.feed?.subscribe((generation) => this.follow(generation));
    this.seen = await this.options.store.generation();
    this.keysLoading = this.loadAdminKeys();
    await this.keysLoading;
  }

  /**
   * Makes the entries current with the store: reads the store generation and, when a write this
   * process heard nothing of moved it, drops every entry and reloads the admin keys before
   * resolving. Concurrent callers share reads, but never one that began before they called (it
   * may predate the write they must see): they join the next read, queued behind it.
   */
  refresh(): Promise<void> {
    // Every other process's write reaches `follow` as it commits: nothing to read.
    if (this.feed?.live === true) return this.keysLoading.catch(() => undefined);
    if (this.checking === undefined) {
      this.checking = this.check().finally(() => {
        this.checking = undefined;
      });
      return this.checking;
    }
    this.queued ??= this.checking
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  private async check(): Promise<void> {
    let generation: number;
    try {
      generation = await this.options.store.generation();
    } catch {
      // The store is unreachable: serve what is loaded, as before this check existed (entries
      // still expire after `maxAgeMs`, and a load that needs the store fails on its own).
      return;
    }
    if (this.seen !== undefined && generation <= this.seen) {
      // An admin-key reload this process's own write started is part of being current.
      await this.keysLoading.catch(() => undefined);
      return;
    }
    this.roles.clear();
    this.managed.clear();
    this.users.clear();
    this.seen = generation;
    this.keysLoading = this.loadAdminKeys();
    await this.keysLoading;
  }

  /**
   * A generation the feed reports: when it is newer than the entries, another process wrote, and
   * everything is dropped at once (the admin keys reload; `refresh` waits for them).
   */
  private follow(generation: number): void {
    if (this.seen === undefined || !(generation > this.seen)) return;
    this.roles.clear();
    this.managed.clear();
    this.users.clear();
    this.seen = generation;
    this.keysLoading = this.loadAdminKeys();
    // Awaited by `refresh`; a failure here keeps the keys loaded before, as `adminKey` does.
    this.keysLoading.catch(() => undefined);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unfollow?.();
  }

  /** Waits for an admin-key reload triggered by a change to finish. */
  ready(): Promise<void> {
    return this.keysLoading;
  }

  /**
   * The admin key, synchronously (the SigV4 lookup is synchronous). A stale map triggers a
   * background reload; the answer is from the map as it is.
   */
  adminKey(accessKeyId: string): AdminKey | undefined {
    if (this.now() - this.adminKeysLoadedAt > this.maxAgeMs) {
      this.adminKeysLoadedAt = this.now();
      this.keysLoading = this.loadAdminKeys().catch(() => undefined);
    }
    return this.adminKeys.get(accessKeyId);
  }

  /** `refreshed`: the caller has just awaited `refresh()` for this request. */
  async role(
    accountId: string,
    roleName: string,
    options: { refreshed?: boolean } = {},
  ): Promise<RoleAuthz | undefined> {
    if (options.refreshed !== true) await this.refresh();
    return this.cached(this.roles, roleKey(accountId, roleName), () => this.loadRole(accountId, roleName));
  }

  /** A user's policies; `refreshed`: the caller has just awaited `refresh()` for this request. */
  async user(
    accountId: string,
    userName: string,
    options: { refreshed?: boolean } = {},
  ): Promise<UserAuthz | undefined> {
    if (options.refreshed !== true) await this.refresh();
    return this.cached(this.users, roleKey(accountId, userName), () => this.loadUser(accountId, userName));
  }

  /**
   * A group's policies, loaded for this call (nothing authorizes with a group's policies alone, so
   * they are not cached).
   */
  async group(accountId: string, groupName: string): Promise<GroupAuthz | undefined> {
    await this.refresh();
    const { store } = this.options;
    let group: Group;
    try {
      group = await store.getGroup(accountId, groupName);
    } catch (e) {
      if (e instanceof NoSuchEntityError) return undefined;
      throw e;
    }
    const identity: CompiledPolicy[] = [];
    await this.ownedPolicies(
      identity,
      `group/${group.groupName}`,
      (marker) => store.listGroupPolicies(accountId, group.groupName, { marker }),
      (marker) => store.listAttachedGroupPolicies(accountId, group.groupName, { marker }),
    );
    return { group, identity };
  }

  /** A managed policy's default version, compiled with `kind` (session policies use `session`). */
  async managedPolicy(
    arn: string,
    kind: PolicyType = 'identity',
    options: { refreshed?: boolean } = {},
  ): Promise<CompiledPolicy | undefined> {
    if (options.refreshed !== true) await this.refresh();
    return this.cachedManaged(arn, kind);
  }

  private cachedManaged(arn: string, kind: PolicyType): Promise<CompiledPolicy | undefined> {
    return this.cached(this.managed, `${kind}\u0000${arn}`, () => this.loadManaged(arn, kind));
  }

  private cached<T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const hit = map.get(key);
    const now = this.now();
    if (hit !== undefined && now - hit.loadedAt <= this.maxAgeMs) return hit.value;
    const entry: Cached<T> = { value: load(), loadedAt: now };
    map.set(key, entry);
    // A failed load must not stick: the next request tries again.
    entry.value.catch(() => {
      if (map.get(key) === entry) map.delete(key);
    });
    return entry.value;
  }

  private invalidate(change: StoreChange): void {
    // This process's own write: the targeted drop below covers it, unless another writer's
    // change came in between (a gap), which the next `refresh` finds and answers in full.
    if (change.generation !== undefined && this.seen !== undefined && change.generation === this.seen + 1) {
      this.seen = change.generation;
    }
    if (USER_SCOPED.has(change.entity)) {
      if (change.accountId !== undefined) this.users.delete(roleKey(change.accountId, change.key));
      else this.users.clear();
      // A renamed or deleted user's keys name another user now, or none.
      if (change.entity === 'user') this.keysLoading = this.loadAdminKeys();
    } else if (GROUP_SCOPED.has(change.entity)) {
      this.users.clear();
    } else if (ROLE_SCOPED.has(change.entity)) {
      if (change.accountId !== undefined) this.roles.delete(roleKey(change.accountId, change.key));
      else this.roles.clear();
    } else if (change.entity === 'managed-policy' || change.entity === 'policy-version') {
      // A policy version change reaches every role it is attached to; roles are cheap to reload.
      this.roles.clear();
      this.managed.clear();
      this.users.clear();
    } else if (change.entity === 'access-key' || change.entity === 'account') {
      this.keysLoading = this.loadAdminKeys();
    }
  }

  private async loadAdminKeys(): Promise<void> {
    const open = this.options.openAdminSecret;
    // A one-off reader (the simulator) authenticates nobody.
    if (open === undefined) return;
    const started = ++this.keysLoadsStarted;
    const next = new Map<string, AdminKey>();
    for (const account of await this.options.store.listAccounts()) {
      for (const key of await this.options.store.listAccessKeys(account.accountId)) {
        next.set(key.accessKeyId, {
          accessKeyId: key.accessKeyId,
          accountId: key.accountId,
          userName: key.userName,
          secretAccessKey: open(key),
          active: key.status === 'Active',
        });
      }
    }
    // Reloads overlap (a change's, the age check's, another change's) and may finish out of
    // order: one that began before a later one already applied read the store before it, so it
    // would put back a key deactivated or deleted in between. It is dropped.
    if (started < this.keysLoadApplied) return;
    this.keysLoadApplied = started;
    this.adminKeys = next;
    this.adminKeysLoadedAt = this.now();
  }

  private async loadRole(accountId: string, roleName: string): Promise<RoleAuthz | undefined> {
    const { store, policies } = this.options;
    const role = await store.findRole(accountId, roleName);
    if (role === undefined) return undefined;
    const prefix = `role/${role.roleName}`;
    const trust = policies.compile(role.assumeRolePolicyDocument, {
      id: `${prefix}/trust`,
      name: `${role.roleName} trust policy`,
      kind: 'trust',
    });
    const identity: CompiledPolicy[] = [];
    for await (const inline of pages((marker) =>
      store.listRolePolicies(accountId, role.roleName, { marker }),
    )) {
      identity.push(
        policies.compile(inline.document, {
          id: `${prefix}/inline/${inline.policyName}`,
          name: inline.policyName,
          kind: 'identity',
        }),
      );
    }
    for await (const attached of pages((marker) =>
      store.listAttachedRolePolicies(accountId, role.roleName, { marker }),
    )) {
      const compiled = await this.cachedManaged(attached.policyArn, 'identity');
      if (compiled !== undefined) identity.push(compiled);
    }
    const revocation = await store.getRoleRevocation(role.roleId);
    if (revocation !== undefined) {
      identity.push(
        policies.compile(revocationPolicy(revocation.revokedBefore), {
          id: `${prefix}/inline/AWSRevokeOlderSessions`,
          name: 'AWSRevokeOlderSessions',
          kind: 'identity',
        }),
      );
    }
    const boundary =
      role.permissionsBoundaryArn === undefined
        ? undefined
        : await this.cachedManaged(role.permissionsBoundaryArn, 'boundary');
    return {
      role,
      trust,
      identity,
      ...(boundary === undefined ? {} : { boundary }),
      ...(revocation === undefined ? {} : { revokedBefore: revocation.revokedBefore }),
    };
  }

  private async loadUser(accountId: string, userName: string): Promise<UserAuthz | undefined> {
    const { store } = this.options;
    const user = await store.findUser(accountId, userName);
    if (user === undefined) return undefined;
    const identity: CompiledPolicy[] = [];
    const owned = (
      prefix: string,
      inline: (marker: string | undefined) => ReturnType<Store['listUserPolicies']>,
      attached: (marker: string | undefined) => ReturnType<Store['listAttachedUserPolicies']>,
    ) => this.ownedPolicies(identity, prefix, inline, attached);
    await owned(
      `user/${user.userName}`,
      (marker) => store.listUserPolicies(accountId, user.userName, { marker }),
      (marker) => store.listAttachedUserPolicies(accountId, user.userName, { marker }),
    );
    for await (const group of pages((marker) =>
      store.listGroupsForUser(accountId, user.userName, { marker }),
    )) {
      await owned(
        `group/${group.groupName}`,
        (marker) => store.listGroupPolicies(accountId, group.groupName, { marker }),
        (marker) => store.listAttachedGroupPolicies(accountId, group.groupName, { marker }),
      );
    }
    const boundary =
      user.permissionsBoundaryArn === undefined
        ? undefined
        : await this.cachedManaged(user.permissionsBoundaryArn, 'boundary');
    return { user, identity, ...(boundary === undefined ? {} : { boundary }) };
  }

  /** Appends a user's or group's inline policies (ids under `prefix`), then its attached ones. */
  private async ownedPolicies(
    identity: CompiledPolicy[],
    prefix: string,
    inline: (marker: string | undefined) => ReturnType<Store['listUserPolicies']>,
    attached: (marker: string | undefined) => ReturnType<Store['listAttachedUserPolicies']>,
  ): Promise<void> {
    for await (const p of pages(inline)) {
      identity.push(
        this.options.policies.compile(p.document, {
          id: `${prefix}/inline/${p.policyName}`,
          name: p.policyName,
          kind: 'identity',
        }),
      );
    }
    for await (const a of pages(attached)) {
      const compiled = await this.cachedManaged(a.policyArn, 'identity');
      if (compiled !== undefined) identity.push(compiled);
    }
  }

  private async loadManaged(arn: string, kind: PolicyType): Promise<CompiledPolicy | undefined> {
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    if (arn.split(':')[4] === 'aws') {
      const found = this.options.awsManaged(arn);
      return found === undefined
        ? undefined
        : this.options.policies.compile(found.document, { id: arn, name, kind });
    }
    const { store } = this.options;
    const policy = await store.getPolicy(arn).catch(() => undefined);
    if (policy === undefined) return undefined;
    const version = await store.getPolicyVersion(arn, policy.defaultVersionId);
    return this.options.policies.compile(version.document, { id: `${arn}:${version.versionId}`, name, kind });
  }
}

/**
 * AWS's "Revoke active sessions" attaches this inline policy: every session whose token was issued
 * before the time is denied everything, through the ordinary explicit-deny path.
 */
export function revocationPolicy(revokedBefore: Date): string {
  // Tokens carry whole seconds: round up so that a session issued in the same second as the
  // revocation is revoked too (fail closed) rather than surviving by truncation.
  const cutoff = new Date(Math.ceil(revokedBefore.getTime() / 1000) * 1000);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AWSRevokeOlderSessions',
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff.toISOString().replace(/\.\d{3}Z$/, 'Z') } },
      },
    ],
  });
}

function roleKey(accountId: string, roleName: string): string {
  return `${accountId}/${roleName.toLowerCase()}`;
}

async function* pages<T>(
  fetch: (marker: string | undefined) => Promise<{ items: T[]; isTruncated: boolean; marker?: string }>,
): AsyncGenerator<T> {
  let marker: string | undefined;
  do {
    const page = await fetch(marker);
    yield* page.items;
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
}
