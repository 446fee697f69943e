/**
 * Access Analyzer's checks for two actions that hand out more than they seem to:
 * `iam:PassRole` (SECURITY_WARNING: whoever may pass any role may run code as any role) and
 * `iam:CreateServiceLinkedRole` (WARNING). Each Allow statement of an identity policy that grants
 * one of them on every resource gets one finding, named for how it does so: the action written out
 * or through a wildcard or a NotAction, on `"*"` (or every role) or through a NotResource.
 *
 * A statement that names `iam:PassedToService` in a condition limits which services get the role;
 * it is not reported for PassRole.
 */
import type { Statement } from '../../policy/ast.js';
import type { SourceLocation } from '../../policy/ast.js';
import type { Severity } from '../findings.js';
import type { CheckContext } from './context.js';
import { wildcardMatches } from './context.js';
import { covers, isUnresolved } from './patterns.js';
import { splitArn } from '../../policy/arn-syntax.js';

interface Sensitive {
  action: string;
  prefix: 'PASS_ROLE' | 'CREATE_SLR';
  severity: Severity;
  /** A condition key that makes broad grants acceptable. */
  narrowingKey?: string;
}

const SENSITIVE: Sensitive[] = [
  {
    action: 'iam:PassRole',
    prefix: 'PASS_ROLE',
    severity: 'SECURITY_WARNING',
    narrowingKey: 'iam:passedtoservice',
  },
  { action: 'iam:CreateServiceLinkedRole', prefix: 'CREATE_SLR', severity: 'WARNING' },
];

/**
 * @example
 * await checkSensitiveActions(ctx); // {"Action":"iam:PassRole","Resource":"*"} -> PASS_ROLE_WITH_STAR_IN_RESOURCE
 */
export function checkSensitiveActions(ctx: CheckContext): Promise<void> {
  if (ctx.kind !== 'identity') return Promise.resolve();
  for (const statement of ctx.document.statements) {
    if (statement.effect.value !== 'Allow') continue;
    for (const sensitive of SENSITIVE) checkStatement(ctx, statement, sensitive);
  }
  return Promise.resolve();
}

function checkStatement(ctx: CheckContext, statement: Statement, sensitive: Sensitive): void {
  const actions = statement.action;
  const resources = statement.resource;
  if (actions === undefined || resources === undefined) return;
  if (
    sensitive.narrowingKey !== undefined &&
    statement.conditions.some((c) => c.key.value.toLowerCase() === sensitive.narrowingKey)
  ) {
    return;
  }
  // How the action is granted: written out, through a wildcard, or through NotAction.
  let how: 'explicit' | 'star' | 'not-action' | undefined;
  let where: SourceLocation = actions.loc;
  if (actions.negated) {
    if (!actions.values.some((v) => wildcardMatches(v.value, sensitive.action) || isUnresolved(v.value))) {
      how = 'not-action';
    }
  } else {
    const explicit = actions.values.find((v) => v.value.toLowerCase() === sensitive.action.toLowerCase());
    const star = actions.values.find(
      (v) => /[*?]/.test(v.value) && wildcardMatches(v.value, sensitive.action),
    );
    if (explicit !== undefined) {
      how = 'explicit';
      where = explicit.loc;
    } else if (star !== undefined) {
      how = 'star';
      where = star.loc;
    }
  }
  if (how === undefined) return;
  let scope: 'star' | 'not-resource' | undefined;
  if (resources.negated) scope = 'not-resource';
  else if (resources.values.some((r) => coversEveryRole(r.value))) scope = 'star';
  if (scope === undefined) return;

  const code = `${sensitive.prefix}_WITH_${codeSuffix(how, scope)}`;
  const granted =
    how === 'explicit'
      ? sensitive.action
      : how === 'star'
        ? `${sensitive.action} (through a wildcard)`
        : `${sensitive.action} (through NotAction)`;
  const on = scope === 'star' ? 'on every resource' : 'on every resource but the NotResource ones';
  const advice =
    sensitive.prefix === 'PASS_ROLE'
      ? 'Name the role ARNs that may be passed, or add an iam:PassedToService condition.'
      : 'Name the service-linked role ARNs instead.';
  ctx.report(code, `This statement allows ${granted} ${on}. ${advice}`, where, {
    severity: sensitive.severity,
    details: { action: sensitive.action },
  });
}

function codeSuffix(how: 'explicit' | 'star' | 'not-action', scope: 'star' | 'not-resource'): string {
  if (scope === 'star') {
    if (how === 'explicit') return 'STAR_IN_RESOURCE';
    if (how === 'star') return 'STAR_IN_ACTION_AND_RESOURCE';
    return 'STAR_IN_RESOURCE_AND_NOT_ACTION';
  }
  if (how === 'explicit') return 'NOT_RESOURCE';
  if (how === 'star') return 'STAR_IN_ACTION_AND_NOT_RESOURCE';
  return 'NOT_ACTION_AND_NOT_RESOURCE';
}

/** `"*"`, or an IAM ARN pattern whose role name is `*` (`arn:aws:iam::123456789012:role/*`). */
function coversEveryRole(value: string): boolean {
  if (value === '*') return true;
  if (isUnresolved(value)) return false;
  const parts = splitArn(value);
  if (parts === undefined) return false;
  const [, partition, , , account] = parts;
  return covers(value, `arn:${partition}:iam::${account}:role/*`);
}
