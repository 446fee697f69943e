/**
 * Grants wider than they look: `Action: "*"` on `Resource: "*"` (full administrator access),
 * Allow with NotAction or NotResource (everything but a list, including what AWS adds later),
 * and the 2008-10-17 language version (no policy variables).
 */
import type { CheckContext } from './context.js';

/**
 * @example
 * await checkBroadAccess(ctx); // {"Effect":"Allow","Action":"*","Resource":"*"} -> ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES
 */
export function checkBroadAccess(ctx: CheckContext): Promise<void> {
  const version = ctx.document.version;
  if (version?.value === '2008-10-17') {
    ctx.report(
      'OUTDATED_VERSION',
      'Version "2008-10-17" reads policy variables such as ${aws:username} as literal text; use "2012-10-17".',
      version.loc,
    );
  }
  // Boundaries and SCPs cap permissions: wide Allows are how they are written.
  if (ctx.kind === 'boundary' || ctx.kind === 'scp') return Promise.resolve();
  for (const statement of ctx.document.statements) {
    if (statement.effect.value !== 'Allow') continue;
    const actions = statement.action;
    const resources = statement.resource;
    if (ctx.kind === 'identity' && actions?.negated === false && resources?.negated === false) {
      const star = actions.values.find((v) => v.value === '*');
      if (star !== undefined && resources.values.some((r) => r.value === '*')) {
        ctx.report(
          'ALLOW_ALL_ACTIONS_ON_ALL_RESOURCES',
          `This statement allows every action on every resource (full administrator access)${statement.conditions.length > 0 ? ', within its conditions' : ''}. Grant the actions the workload uses.`,
          star.loc,
        );
      }
    }
    if (actions?.negated === true) {
      ctx.report(
        'ALLOW_WITH_NOT_ACTION',
        'Allow with NotAction grants every action except the listed ones, including actions AWS adds later. List the allowed actions instead.',
        actions.loc,
      );
    }
    if (resources?.negated === true) {
      ctx.report(
        'ALLOW_WITH_NOT_RESOURCE',
        'Allow with NotResource grants every resource except the listed ones. List the allowed resources instead.',
        resources.loc,
      );
    }
  }
  return Promise.resolve();
}
