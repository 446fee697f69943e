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
 * - Never broader than the current policies: every generated Allow comes from a current Allow
 *   statement that grants the (action, resource) — decided by the policy engine — and carries that
 *   statement's Condition block. Statements are grouped by condition block, so several granting
 *   statements give the union of their grants, never more. A narrowed resource (folded prefix,
 *   dependent-action template, `*`) is used only when the granting statement's resource element
 *   provably covers it; else the exact ARNs, else that statement's own resource element.
 *   Accesses no current statement grants (a resource policy allowed them, or the policies have
 *   changed since) are left out. Explicit `Deny` statements are carried over verbatim: tightening
 *   never removes a guard rail. Finally the result is checked with the engine over a generated
 *   request set (`verify.ts`); `widening` lists any request it would allow that the current
 *   policies refuse, and `applyTighten` refuses such a policy.
 * - Access records that are not use of the role's permissions are left out: `sts:GetCallerIdentity`
 *   (no permission needed on AWS) and `sts:AssumeRole*`/`TagSession`/`SetSourceIdentity` on the
 *   role's own ARN (the role being assumed, decided by its trust policy).
 * - Output is deterministic: actions, resources and statements sorted; Sids derived from content.
 */
import type { LastAccessed } from '../../store/store.js';
import type { Finding } from '../findings.js';
import { checkPolicy } from '../policy-checks/index.js';
import { installedCatalog, sidServiceName, type ActionCatalog } from './catalog.js';
import { hasWildcard, resourcePatternCovers } from './covers.js';
import {
  matchesAction,
  matchesResource,
  readCurrentStatements,
  type CurrentStatement,
} from './current-statements.js';
import { generaliseResources } from './resources.js';
import { findWidening, type Widening } from './verify.js';
import { splitArn } from '../../iam/arn.js';

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
  role: { roleName: string; arn: string; accountId: string; roleId?: string };
  /** The role's last-accessed aggregates for the period (`store.listLastAccessed`). */
  accesses: readonly LastAccessed[];
  /**
   * The role's current identity policies: the generated policy grants nothing they do not, under
   * their conditions, and keeps their Deny statements.
   */
  current: readonly CurrentPolicy[];
}

export interface GeneratedStatement {
  sid: string;
  actions: string[];
  /** The `Resource` list, or with `notResource` the `NotResource` list carried over. */
  resources: string[];
  notResource?: boolean;
  /** The Condition block of the current statement(s) that granted these. */
  condition?: Record<string, unknown>;
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
  /** How many requests the no-broader check evaluated, and any the new policy allows but the current ones do not. */
  verification: { requests: number; widening: Widening[] };
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
  const partition = options.partition ?? splitArn(input.role.arn)?.partition ?? 'aws';
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

  const currentPolicies = [...input.current].sort(
    (a, b) => compareText(a.source, b.source) || compareText(a.arn ?? a.name, b.arn ?? b.name),
  );
  const current = readCurrentStatements(currentPolicies);
  const allows = current.filter((s) => !s.deny);
  const grants = new Grants();
  const fold = { prefixThreshold: options.prefixThreshold };
  const ungranted: string[] = [];
  for (const [action, recorded] of byAction) {
    const resources = [...recorded].sort(compareText);
    const granted = new Set<string>();
    for (const statement of allows) {
      if (!matchesAction(statement, action)) continue;
      const mine = resources.filter((r) => matchesResource(statement, r));
      if (mine.length === 0) continue;
      for (const r of mine) granted.add(r);
      grants.add(statement, action, narrowed(statement, mine, fold));
    }
    for (const r of resources) if (!granted.has(r)) ungranted.push(`${action} on ${r}`);
  }
  if (ungranted.length > 0) {
    notes.push(
      `not granted by the current policies, so left out (a resource-based policy may have allowed it, ` +
        `or the policies changed since): ${ungranted.join(', ')}`,
    );
  }

  const dependentActions = await addDependentActions(
    grants,
    allows,
    catalog,
    input.role.accountId,
    partition,
    notes,
  );

  const statements = await groupStatements(grants, catalog);
  const { statements: denies, kept } = keptDenyStatements(current, statements);

  const document: PolicyDocumentJson = {
    Version: '2012-10-17',
    Statement: [
      ...statements.map((s) => ({
        Sid: s.sid,
        Effect: 'Allow',
        Action: s.actions.length === 1 ? s.actions[0] : s.actions,
        [s.notResource === true ? 'NotResource' : 'Resource']:
          s.resources.length === 1 ? s.resources[0] : s.resources,
        ...(s.condition === undefined ? {} : { Condition: s.condition }),
      })),
      ...denies,
    ],
  };
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const findings = document.Statement.length === 0 ? [] : await checkPolicy(text, { kind: 'identity' });
  // An empty document grants nothing, so it cannot be broader (and is not a parsable policy).
  const verification =
    document.Statement.length === 0
      ? { requests: 0, widening: [] }
      : await findWidening({
          current: currentPolicies,
          generated: text,
          role: input.role,
          used,
          catalog,
        });
  if (verification.widening.length > 0) {
    notes.push(
      `the generated policy allows ${verification.widening.length} checked request(s) the current policies refuse: ` +
        'it must not be applied',
    );
  }
  return {
    document,
    text,
    statements,
    allowedActions: grants.actions(),
    dependentActions,
    keptDenies: kept,
    used,
    notes: [...new Set(notes)],
    findings,
    verification,
  };
}

function sortAccesses(accesses: readonly LastAccessed[]): LastAccessed[] {
  return [...accesses].sort((a, b) => compareText(a.action, b.action) || compareText(a.resource, b.resource));
}

/** Code-unit order: the same on every machine and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Whether the current statement's resource element matches every resource `resource` stands for
 * (one ARN, or a pattern in the generated policy). Exact ARNs are decided by the engine; patterns
 * only by provable containment in a plain `Resource` element without policy variables.
 */
function covers(statement: CurrentStatement, resource: string): boolean {
  if (statement.resourceVariables) return false;
  if (statement.resourceElement === undefined) return true;
  if (!hasWildcard(resource)) return matchesResource(statement, resource);
  if (statement.resourceElement === 'NotResource') return false;
  return statement.resources.some((p) => resourcePatternCovers(p, resource));
}

/**
 * The resources to grant for what one current statement granted: folded prefixes when the
 * statement covers them, else the exact ARNs, else (`null`) the statement's own resource element.
 */
function narrowed(
  statement: CurrentStatement,
  granted: readonly string[],
  fold: { prefixThreshold: number | undefined },
): string[] | null {
  const folded = generaliseResources(granted, fold);
  if (folded.every((r) => covers(statement, r))) return folded;
  if (granted.every((r) => covers(statement, r))) return [...granted];
  return null;
}

/** Grants by condition block (and, for carried-over resource elements, by that element). */
interface GrantGroup {
  conditionKey: string;
  condition: Record<string, unknown> | undefined;
  /** A resource element carried over as it is (then every action of the group shares it). */
  element?: { notResource: boolean; resources: string[] };
  byAction: Map<string, Set<string>>;
}

class Grants {
  readonly groups = new Map<string, GrantGroup>();

  /** `resources` null: the statement's own resource element. */
  add(statement: CurrentStatement, action: string, resources: readonly string[] | null): void {
    const element =
      resources === null
        ? {
            notResource: statement.resourceElement === 'NotResource',
            resources:
              statement.resourceElement === undefined ? ['*'] : [...statement.resources].sort(compareText),
          }
        : undefined;
    const key = `${statement.conditionKey}\u0000${element === undefined ? '' : JSON.stringify(element)}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = {
        conditionKey: statement.conditionKey,
        condition: statement.condition,
        ...(element === undefined ? {} : { element }),
        byAction: new Map(),
      };
      this.groups.set(key, group);
    }
    let set = group.byAction.get(action);
    if (set === undefined) group.byAction.set(action, (set = new Set()));
    for (const r of resources ?? group.element!.resources) set.add(r);
  }

  has(action: string): boolean {
    for (const g of this.groups.values()) if (g.byAction.has(action)) return true;
    return false;
  }

  /** The resources granted for an action in narrowed groups. */
  resources(action: string): string[] {
    const out = new Set<string>();
    for (const g of this.groups.values()) {
      if (g.element === undefined) for (const r of g.byAction.get(action) ?? []) out.add(r);
    }
    return [...out].sort(compareText);
  }

  actions(): string[] {
    const out = new Set<string>();
    for (const g of this.groups.values()) for (const a of g.byAction.keys()) out.add(a);
    return [...out].sort(compareText);
  }
}

async function addDependentActions(
  grants: Grants,
  allows: readonly CurrentStatement[],
  catalog: ActionCatalog,
  accountId: string,
  partition: string,
  notes: string[],
): Promise<DependentAction[]> {
  const requiredBy = new Map<string, Set<string>>();
  for (const action of grants.actions()) {
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
    if (grants.has(action)) continue; // already used: its observed resources stand
    const entry = (await catalog.findAction(action))!;
    const templates = entry.isWildcardOnly
      ? ['*']
      : await templateResources(action, catalog, accountId, partition);
    const needed = `${action} (needed by ${[...by].join(', ')})`;
    if (templates.length === 0) {
      notes.push(`${needed} has no resource format in the catalogue: not added`);
      continue;
    }
    const template = templates[0]!;
    // Within the template and within what a current statement grants: the template itself when the
    // statement covers it, else the statement's own resources that lie inside the template.
    for (const statement of allows) {
      if (!matchesAction(statement, action)) continue;
      if (covers(statement, template)) grants.add(statement, action, [template]);
      else if (statement.resourceElement === 'Resource' && !statement.resourceVariables) {
        const inside = statement.resources.filter((p) => resourcePatternCovers(template, p));
        if (inside.length > 0) grants.add(statement, action, inside);
      }
    }
    if (!grants.has(action)) {
      notes.push(`${needed} is not granted by the current policies within ${template}: not added`);
      continue;
    }
    out.push({ action, requiredBy: [...by].sort(compareText), resources: grants.resources(action) });
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

/**
 * Statements per grant group: unconditional groups first, then by condition block; within a
 * group, actions with identical resource lists share a statement (never a cross product of
 * different actions' resources).
 */
async function groupStatements(grants: Grants, catalog: ActionCatalog): Promise<GeneratedStatement[]> {
  const groups = [...grants.groups.values()].sort(
    (a, b) =>
      compareText(a.conditionKey, b.conditionKey) ||
      Number(a.element !== undefined) - Number(b.element !== undefined) ||
      compareText(JSON.stringify(a.element ?? null), JSON.stringify(b.element ?? null)),
  );
  const taken = new Map<string, number>();
  const out: GeneratedStatement[] = [];
  for (const group of groups) {
    const byResources = new Map<string, { actions: string[]; resources: string[] }>();
    for (const [action, set] of group.byAction) {
      const resources = [...set].sort(compareText);
      const key = resources.join('\n');
      const entry = byResources.get(key);
      if (entry === undefined) byResources.set(key, { actions: [action], resources });
      else entry.actions.push(action);
    }
    const ordered = [...byResources.values()]
      .map((g) => ({ actions: g.actions.sort(compareText), resources: g.resources }))
      .sort(
        (a, b) =>
          compareText(a.actions[0]!, b.actions[0]!) ||
          compareText(a.resources.join('\n'), b.resources.join('\n')),
      );
    for (const entry of ordered) {
      const base = await sidFor(entry.actions, catalog);
      const n = (taken.get(base) ?? 0) + 1;
      taken.set(base, n);
      out.push({
        sid: n === 1 ? base : `${base}${n}`,
        ...entry,
        ...(group.element?.notResource === true ? { notResource: true } : {}),
        ...(group.condition === undefined ? {} : { condition: group.condition }),
      });
    }
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
  current: readonly CurrentStatement[],
  generated: readonly GeneratedStatement[],
): { statements: PolicyStatementJson[]; kept: { policy: string; sid?: string }[] } {
  const sids = new Set(generated.map((s) => s.sid));
  const statements: PolicyStatementJson[] = [];
  const kept: { policy: string; sid?: string }[] = [];
  for (const statement of current) {
    if (!statement.deny) continue;
    const copy: PolicyStatementJson = { ...statement.json };
    let sid = typeof copy.Sid === 'string' && copy.Sid.length > 0 ? copy.Sid : 'KeptDeny';
    for (let n = 2; sids.has(sid); n++) sid = `${sid.replace(/\d+$/, '')}${n}`;
    sids.add(sid);
    statements.push({ Sid: sid, ...withoutSid(copy) });
    kept.push({ policy: statement.policy, sid });
  }
  return { statements, kept };
}

function withoutSid(statement: PolicyStatementJson): PolicyStatementJson {
  const { Sid: _sid, ...rest } = statement;
  return rest;
}
