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
import { installedCatalog, type ActionCatalog } from './catalog.js';
import { matchesAction, matchesResource, readCurrentStatements } from './current-statements.js';
import { findWidening, type Widening } from './verify.js';
import { splitArn } from '../../iam/arn.js';
import { addDependentActions } from './dependent-actions.js';
import { Grants, narrowed } from './grants.js';
import { compareText } from './order.js';
import { groupStatements, keptDenyStatements } from './statements.js';

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
