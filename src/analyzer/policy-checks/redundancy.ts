/**
 * What a policy says twice. REDUNDANT_ACTION: an Action/NotAction entry whose catalogue actions
 * the other entries of the statement already name (`s3:GetObject` beside `s3:Get*`). Like Access
 * Analyzer, an entry counts only when all of it is covered: `iam:*CredentialReport` is not
 * redundant beside `iam:Get*`. REDUNDANT_RESOURCE: a Resource ARN another ARN of the statement
 * covers. REDUNDANT_STATEMENT: a statement another statement of the same effect covers — its
 * actions, resources and principals within the other's, and at least the other's conditions.
 * Of two identical entries or statements, the later one is reported.
 */
import type { ConditionEntry, PatternList, PrincipalBlock, Statement } from '../../policy/ast.js';
import type { ActionEntry, CheckContext } from './context.js';
import { statementName } from './context.js';
import { covers, isUnresolved, shown } from './patterns.js';

/**
 * How much comparing one document may cost, in steps: a statement pair, an action of a set against
 * another entry, a character of one pattern against a character of another. The checks compare
 * entries pairwise, so a document of thousands of entries (far beyond any IAM size quota) could
 * otherwise keep the check busy for hours; past the budget the redundancy findings found so far
 * are kept and the rest is not looked for (they are suggestions).
 */
const COMPARISON_BUDGET = 50_000_000;

class OverBudget extends Error {}

/** Charges `steps` to the document's budget; throws `OverBudget` once it is spent. */
type Charge = (steps: number) => void;

function budget(): Charge {
  let left = COMPARISON_BUDGET;
  return (steps) => {
    left -= steps;
    if (left < 0) throw new OverBudget();
  };
}

/** `covers`, charged for the characters it compares. */
function coversCharged(charge: Charge, outer: string, inner: string): boolean {
  charge((outer.length + 1) * (inner.length + 1));
  return covers(outer, inner);
}

/** A set of catalogue actions, or every action. */
type ActionSet = 'all' | ReadonlySet<string>;

function actionSet(entry: ActionEntry): ActionSet | undefined {
  if (entry.status === 'star') return 'all';
  if (entry.status !== 'ok') return undefined;
  return new Set(entry.actions.map((a) => a.action.toLowerCase()));
}

function coveredBy(charge: Charge, set: ActionSet, others: ActionSet[]): boolean {
  charge(others.length * (set === 'all' ? 1 : set.size + 1));
  if (others.includes('all')) return true;
  if (set === 'all') return false;
  for (const action of set) {
    if (!others.some((o) => o !== 'all' && o.has(action))) return false;
  }
  return true;
}

/**
 * @example
 * await checkRedundancy(ctx); // ["s3:Get*", "s3:GetObject"] -> REDUNDANT_ACTION on s3:GetObject
 */
export async function checkRedundancy(ctx: CheckContext): Promise<void> {
  try {
    await findRedundancy(ctx, budget());
  } catch (error) {
    if (!(error instanceof OverBudget)) throw error;
  }
}

async function findRedundancy(ctx: CheckContext, charge: Charge): Promise<void> {
  const statements = ctx.document.statements;
  for (const statement of statements) {
    await checkActions(ctx, statement, charge);
    checkResourceList(ctx, statement.resource, charge);
  }
  const redundant = new Set<Statement>();
  for (let b = statements.length - 1; b >= 0; b--) {
    const inner = statements[b] as Statement;
    for (const outer of statements) {
      if (outer === inner || redundant.has(outer)) continue;
      charge(1);
      if (await statementCovers(ctx, outer, inner, charge)) {
        redundant.add(inner);
        ctx.report(
          'REDUNDANT_STATEMENT',
          `${capitalise(statementName(inner))} is redundant: ${statementName(outer)} already ${inner.effect.value === 'Deny' ? 'denies' : 'allows'} all of it. Remove one of them.`,
          inner.loc,
          { details: { statement: inner.index, coveredBy: outer.index } },
        );
        break;
      }
    }
  }
}

async function checkActions(ctx: CheckContext, statement: Statement, charge: Charge): Promise<void> {
  const entries = await ctx.actionEntries(statement);
  const sets = entries.map(actionSet);
  const marked = new Set<number>();
  for (let i = entries.length - 1; i >= 0; i--) {
    const set = sets[i];
    if (set === undefined) continue;
    const others: ActionSet[] = [];
    sets.forEach((s, j) => {
      if (j !== i && s !== undefined && !marked.has(j)) others.push(s);
    });
    if (others.length === 0 || !coveredBy(charge, set, others)) continue;
    marked.add(i);
    const entry = entries[i] as ActionEntry;
    ctx.report(
      'REDUNDANT_ACTION',
      `"${shown(entry.text)}" is redundant: other entries of this ${statement.action?.negated ? 'NotAction' : 'Action'} already name ${set === 'all' ? 'every action' : 'its actions'}. Remove it.`,
      entry.loc,
      { details: { action: entry.text } },
    );
  }
}

function checkResourceList(ctx: CheckContext, list: PatternList | undefined, charge: Charge): void {
  if (list === undefined) return;
  const marked = new Set<number>();
  for (let i = list.values.length - 1; i >= 0; i--) {
    const inner = list.values[i];
    if (inner === undefined) continue;
    const outer = list.values.find(
      (o, j) =>
        j !== i && !marked.has(j) && usableAsOuter(o.value) && coversCharged(charge, o.value, inner.value),
    );
    if (outer === undefined) continue;
    marked.add(i);
    ctx.report(
      'REDUNDANT_RESOURCE',
      `"${shown(inner.value)}" is redundant: "${shown(outer.value)}" already covers it. Remove it.`,
      inner.loc,
      { details: { resource: inner.value, coveredBy: outer.value } },
    );
  }
}

/** A variable or an unresolved value stands for one unknown value, not for every value. */
function usableAsOuter(value: string): boolean {
  return !value.includes('${') && !isUnresolved(value);
}

async function statementCovers(
  ctx: CheckContext,
  outer: Statement,
  inner: Statement,
  charge: Charge,
): Promise<boolean> {
  if (outer.effect.value !== inner.effect.value) return false;
  if (principalKey(outer.principal) !== principalKey(inner.principal)) return false;
  charge(outer.conditions.length + inner.conditions.length);
  if (!conditionsWithin(outer.conditions, inner.conditions)) return false;
  if (!listCovers(outer.resource, inner.resource, charge)) return false;
  return actionsCover(ctx, outer, inner, charge);
}

async function actionsCover(
  ctx: CheckContext,
  outer: Statement,
  inner: Statement,
  charge: Charge,
): Promise<boolean> {
  const o = outer.action;
  const i = inner.action;
  if (o === undefined || i === undefined) return false;
  if (o.negated || i.negated) return negatedCovers(o, i);
  const outerSets = (await ctx.actionEntries(outer)).map(actionSet).filter((s) => s !== undefined);
  const innerSets = (await ctx.actionEntries(inner)).map(actionSet);
  if (innerSets.length === 0) return false;
  return innerSets.every((s) => s !== undefined && coveredBy(charge, s, outerSets));
}

/** Resource lists (Resource, NotResource, or none in trust policies). */
function listCovers(outer: PatternList | undefined, inner: PatternList | undefined, charge: Charge): boolean {
  if (outer === undefined || inner === undefined) return outer === inner;
  if (outer.negated || inner.negated) return negatedCovers(outer, inner);
  if (inner.values.length === 0) return false;
  return inner.values.every((v) =>
    outer.values.some((o) => usableAsOuter(o.value) && coversCharged(charge, o.value, v.value)),
  );
}

/** `Not*` lists: the outer one excludes less (its entries are among the inner one's), or is `*`. */
function negatedCovers(outer: PatternList, inner: PatternList): boolean {
  if (!outer.negated) return outer.values.some((v) => v.value === '*');
  if (!inner.negated) return false;
  const innerValues = new Set(inner.values.map((v) => v.value.toLowerCase()));
  return outer.values.every((v) => innerValues.has(v.value.toLowerCase()));
}

/** The outer statement's conditions all appear in the inner one (which may add more). */
function conditionsWithin(outer: ConditionEntry[], inner: ConditionEntry[]): boolean {
  const innerKeys = new Set(inner.map(conditionKey));
  return outer.every((c) => innerKeys.has(conditionKey(c)));
}

function conditionKey(c: ConditionEntry): string {
  const values = c.values.map((v) => v.value).sort();
  return JSON.stringify([c.operator.text, c.key.value.toLowerCase(), values]);
}

function principalKey(p: PrincipalBlock | undefined): string {
  if (p === undefined) return '';
  const entries = p.entries
    .map((e) => [e.type, e.values.map((v) => v.value).sort()] as const)
    .sort((a, b) => a[0].localeCompare(b[0]));
  return JSON.stringify([p.negated, p.wildcard && p.entries.length === 0, entries]);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
