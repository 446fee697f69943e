/**
 * Least-privilege policy generation (IAM Access Analyzer's "generate policy", done from
 * credplane's own access log): the actions a role's sessions were allowed to perform in the
 * tracking period, on the resources they touched, grouped into readable statements.
 *
 * Decisions:
 * - What a workload *needs* is what it did: only accesses that were allowed count, unless
 *   `includeDenied` (then attempts that were denied count too — what a workload in audit mode, or
 *   one being migrated onto a new role, tried to do).
 * - Resources are the exact ARNs recorded, with many S3 objects under one directory folded into a
 *   prefix (`resources.ts`); `*` only where the catalogue says the action takes no resource (or the
 *   log recorded `*`, which the gateway does for exactly those actions).
 * - The catalogue's dependent actions are added; their resource is the catalogue's ARN format of
 *   the action's resource type with this account filled in and the rest wildcarded.
 * - Explicit `Deny` statements of the role's current identity policies are carried over verbatim:
 *   tightening never removes a guard rail.
 * - Access records that are not use of the role's permissions are left out: `sts:GetCallerIdentity`
 *   (no permission needed on AWS) and `sts:AssumeRole*`/`TagSession`/`SetSourceIdentity` on the
 *   role's own ARN (the role being assumed, decided by its trust policy).
 * - Output is deterministic: actions, resources and statements sorted; Sids derived from content.
 */
import type { LastAccessed } from '../../store/store.js';
import type { Finding } from '../findings.js';
import { checkPolicy } from '../policy-checks/index.js';
import { installedCatalog, sidServiceName, type ActionCatalog } from './catalog.js';
import { generaliseResources } from './resources.js';

/** One of the role's current permission policies (inline or attached), as text. */
export interface CurrentPolicy {
  /** `inline` policies by name; managed ones by ARN. */
  source: 'inline' | 'managed';
  name: string;
  arn?: string;
  document: string;
}

export interface GenerateOptions {
  /** Count denied attempts as needed too (default: only allowed accesses). */
  includeDenied?: boolean;
  /** See `GeneraliseOptions.prefixThreshold`. */
  prefixThreshold?: number;
  partition?: string;
  catalog?: ActionCatalog;
}

export interface GenerateInput {
  role: { roleName: string; arn: string; accountId: string };
  /** The role's last-accessed aggregates for the period (`store.listLastAccessed`). */
  accesses: readonly LastAccessed[];
  /** The role's current identity policies: their Deny statements are kept. */
  current?: readonly CurrentPolicy[];
}

export interface GeneratedStatement {
  sid: string;
  actions: string[];
  resources: string[];
}

export interface DependentAction {
  action: string;
  requiredBy: string[];
  resources: string[];
}

export interface PolicyStatementJson {
  [key: string]: unknown;
}

export interface PolicyDocumentJson {
  Version: '2012-10-17';
  Statement: PolicyStatementJson[];
}

export interface GenerationResult {
  document: PolicyDocumentJson;
  /** The document, pretty-printed (two spaces), with a final newline. */
  text: string;
  statements: GeneratedStatement[];
  /** Every action the generated Allow statements grant, sorted (catalogue spelling). */
  allowedActions: string[];
  dependentActions: DependentAction[];
  /** Deny statements carried over, by the policy they came from. */
  keptDenies: { policy: string; sid?: string }[];
  /** The accesses the policy was generated from (after the filters above). */
  used: { action: string; resource: string; allowedCount: number; deniedCount: number; lastAccessed: Date }[];
  /** Accesses left out and why, dependent actions that could not be added, ... */
  notes: string[];
  /** `checkPolicy` findings of the generated document (empty when it grants nothing). */
  findings: Finding[];
}

/** AWS needs no permission for it ("No permissions are required to perform this operation"). */
const NO_PERMISSION_NEEDED = new Set(['sts:getcalleridentity']);
const TRUST_SIDE =
  /^sts:(assumerole|assumerolewithwebidentity|assumerolewithsaml|tagsession|setsourceidentity)$/;

const LEVEL_ORDER = ['Read', 'List', 'Write', 'Tagging', 'Permissions management'];

/**
 * Generates the least-privilege policy for one role.
 *
 * @example
 * const accesses = await store.listLastAccessed(account, { roleName: 'web', since: parseSince('90d') });
 * const result = await generatePolicy({ role, accesses });
 * console.log(result.text);
 */
export async function generatePolicy(
  input: GenerateInput,
  options: GenerateOptions = {},
): Promise<GenerationResult> {
  const catalog = options.catalog ?? installedCatalog;
  const partition = options.partition ?? input.role.arn.split(':')[1] ?? 'aws';
  const notes: string[] = [];
  const used: GenerationResult['used'] = [];

  // action (catalogue spelling) -> resources it was used on
  const byAction = new Map<string, Set<string>>();
  let deniedOnly = 0;
  for (const access of sortAccesses(input.accesses)) {
    const lower = access.action.toLowerCase();
    if (NO_PERMISSION_NEEDED.has(lower)) continue;
    if (TRUST_SIDE.test(lower) && access.resource.toLowerCase() === input.role.arn.toLowerCase()) continue;
    if (access.allowedCount === 0 && !options.includeDenied) {
      deniedOnly++;
      continue;
    }
    const entry = await catalog.findAction(access.action);
    const action = entry?.action ?? access.action;
    if (entry === undefined) notes.push(`${access.action} is not in the action catalogue; kept as recorded`);
    let resources = byAction.get(action);
    if (resources === undefined) byAction.set(action, (resources = new Set()));
    resources.add(entry?.isWildcardOnly ? '*' : access.resource);
    used.push({
      action,
      resource: access.resource,
      allowedCount: access.allowedCount,
      deniedCount: access.deniedCount,
      lastAccessed: access.lastAccessed,
    });
  }
  if (deniedOnly > 0) {
    notes.push(
      `${deniedOnly} (action, resource) pair(s) were only ever denied and are left out (--include-denied adds them)`,
    );
  }

  const granted = new Map<string, string[]>();
  for (const [action, resources] of byAction) {
    granted.set(action, generaliseResources([...resources], { prefixThreshold: options.prefixThreshold }));
  }

  const dependentActions = await addDependentActions(
    granted,
    catalog,
    input.role.accountId,
    partition,
    notes,
  );

  const statements = await groupStatements(granted, catalog);
  const { statements: denies, kept } = keptDenyStatements(input.current ?? [], statements, notes);

  const document: PolicyDocumentJson = {
    Version: '2012-10-17',
    Statement: [
      ...statements.map((s) => ({
        Sid: s.sid,
        Effect: 'Allow',
        Action: s.actions.length === 1 ? s.actions[0] : s.actions,
        Resource: s.resources.length === 1 ? s.resources[0] : s.resources,
      })),
      ...denies,
    ],
  };
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const findings = document.Statement.length === 0 ? [] : await checkPolicy(text, { kind: 'identity' });
  return {
    document,
    text,
    statements,
    allowedActions: [...granted.keys()].sort(compareText),
    dependentActions,
    keptDenies: kept,
    used,
    notes: [...new Set(notes)],
    findings,
  };
}

function sortAccesses(accesses: readonly LastAccessed[]): LastAccessed[] {
  return [...accesses].sort((a, b) => compareText(a.action, b.action) || compareText(a.resource, b.resource));
}

/** Code-unit order: the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function addDependentActions(
  granted: Map<string, string[]>,
  catalog: ActionCatalog,
  accountId: string,
  partition: string,
  notes: string[],
): Promise<DependentAction[]> {
  const requiredBy = new Map<string, Set<string>>();
  for (const action of [...granted.keys()].sort(compareText)) {
    const entry = await catalog.findAction(action);
    if (entry === undefined) continue;
    const names = [...entry.dependentActions, ...entry.resourceTypes.flatMap((r) => r.dependentActions)];
    for (const name of names) {
      const dependency = await catalog.findAction(name);
      const spelled = dependency?.action ?? name;
      if (dependency === undefined) {
        notes.push(`${action} depends on ${name}, which the catalogue does not know: not added`);
        continue;
      }
      let set = requiredBy.get(spelled);
      if (set === undefined) requiredBy.set(spelled, (set = new Set()));
      set.add(action);
    }
  }
  const out: DependentAction[] = [];
  for (const [action, by] of [...requiredBy].sort(([a], [b]) => compareText(a, b))) {
    if (granted.has(action)) continue; // already used: its observed resources stand
    const entry = (await catalog.findAction(action))!;
    const resources = entry.isWildcardOnly
      ? ['*']
      : await templateResources(action, catalog, accountId, partition);
    if (resources.length === 0) {
      notes.push(
        `${action} (needed by ${[...by].join(', ')}) has no resource format in the catalogue: not added`,
      );
      continue;
    }
    granted.set(action, resources);
    out.push({ action, requiredBy: [...by].sort(compareText), resources });
  }
  return out;
}

/** The ARN format of the action's (first required) resource type, account filled, the rest `*`. */
async function templateResources(
  action: string,
  catalog: ActionCatalog,
  accountId: string,
  partition: string,
): Promise<string[]> {
  const entry = (await catalog.findAction(action))!;
  const type = entry.resourceTypes.find((r) => r.required) ?? entry.resourceTypes[0];
  if (type === undefined) return [];
  const service = await catalog.loadService(entry.service);
  const format = service?.resourceTypes.get(type.name.toLowerCase())?.arn;
  if (format === undefined) return [];
  const arn = format.replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
    if (name === 'Partition') return partition;
    if (name === 'Account') return accountId;
    return '*';
  });
  return [arn];
}

async function groupStatements(
  granted: Map<string, string[]>,
  catalog: ActionCatalog,
): Promise<GeneratedStatement[]> {
  const groups = new Map<string, { actions: string[]; resources: string[] }>();
  for (const [action, resources] of granted) {
    const key = resources.join('\n');
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { actions: [action], resources });
    else group.actions.push(action);
  }
  const ordered = [...groups.values()]
    .map((g) => ({ actions: g.actions.sort(compareText), resources: g.resources }))
    .sort(
      (a, b) =>
        compareText(a.actions[0]!, b.actions[0]!) ||
        compareText(a.resources.join('\n'), b.resources.join('\n')),
    );
  const taken = new Map<string, number>();
  const out: GeneratedStatement[] = [];
  for (const group of ordered) {
    const base = await sidFor(group.actions, catalog);
    const n = (taken.get(base) ?? 0) + 1;
    taken.set(base, n);
    out.push({ sid: n === 1 ? base : `${base}${n}`, ...group });
  }
  return out;
}

/** `S3Read`, `DynamoDBReadWrite`, `KeyManagementServiceS3Read`: services then access levels. */
async function sidFor(actions: readonly string[], catalog: ActionCatalog): Promise<string> {
  const services = new Set<string>();
  const levels = new Set<string>();
  for (const action of actions) {
    const service = action.slice(0, action.indexOf(':'));
    services.add(service);
    const level = (await catalog.findAction(action))?.accessLevel;
    if (level !== undefined) levels.add(level);
  }
  let sid = '';
  for (const service of [...services].sort(compareText)) {
    sid += sidServiceName(service, (await catalog.loadService(service))?.name);
  }
  for (const level of LEVEL_ORDER) {
    if (levels.has(level)) sid += level.replace(/\s+(\w)/g, (_m, c: string) => c.toUpperCase());
  }
  return sid.replace(/[^A-Za-z0-9]/g, '') || 'Statement';
}

function keptDenyStatements(
  current: readonly CurrentPolicy[],
  generated: readonly GeneratedStatement[],
  notes: string[],
): { statements: PolicyStatementJson[]; kept: { policy: string; sid?: string }[] } {
  const sids = new Set(generated.map((s) => s.sid));
  const statements: PolicyStatementJson[] = [];
  const kept: { policy: string; sid?: string }[] = [];
  const ordered = [...current].sort(
    (a, b) => compareText(a.source, b.source) || compareText(a.arn ?? a.name, b.arn ?? b.name),
  );
  for (const policy of ordered) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(policy.document);
    } catch {
      notes.push(
        `current policy ${policy.arn ?? policy.name} is not JSON: its statements are not carried over`,
      );
      continue;
    }
    const raw = (parsed as { Statement?: unknown }).Statement;
    const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    for (const statement of list as PolicyStatementJson[]) {
      if (statement === null || typeof statement !== 'object' || statement.Effect !== 'Deny') continue;
      const copy: PolicyStatementJson = { ...statement };
      let sid = typeof copy.Sid === 'string' && copy.Sid.length > 0 ? copy.Sid : 'KeptDeny';
      for (let n = 2; sids.has(sid); n++) sid = `${sid.replace(/\d+$/, '')}${n}`;
      sids.add(sid);
      statements.push({ Sid: sid, ...withoutSid(copy) });
      kept.push({ policy: policy.arn ?? policy.name, sid });
    }
  }
  return { statements, kept };
}

function withoutSid(statement: PolicyStatementJson): PolicyStatementJson {
  const { Sid: _sid, ...rest } = statement;
  return rest;
}
