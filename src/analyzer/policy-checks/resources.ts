/**
 * Actions and resources that cannot meet. Each action's resource types (from the catalogue) are
 * ARN templates; a statement's Resource ARNs are patterns. When no resource type of an action can
 * match any Resource, the statement does not apply to that action (RESOURCE_TYPE_MISMATCH; for a
 * pattern such as `s3:Get*`, only when none of its actions can). Actions that only support
 * `Resource: "*"` need `"*"` (WILDCARD_ONLY_ACTION_WITH_RESOURCE). A Resource no action can apply
 * to is dead weight (UNMATCHED_RESOURCE), and one that matches no resource type of its own service
 * is a typo (INVALID_ARN_RESOURCE).
 *
 * In an Allow these only grant less than intended (WARNING); in a Deny they deny less than
 * intended, so they are SECURITY_WARNINGs there. `NotAction`/`NotResource` statements are skipped.
 */
import type { CatalogAction, CatalogService } from '../../catalog/iam-actions.js';
import { loadService } from '../../catalog/iam-actions.js';
import { checkResourceArn, splitArn } from '../../policy/arn-syntax.js';
import type { Located, Statement } from '../../policy/ast.js';
import type { Severity } from '../findings.js';
import type { ActionEntry, CheckContext } from './context.js';
import { wildcardMatches } from './context.js';
import { arnTemplateTokens, isUnresolved, overlaps, policyPatternTokens, shown } from './patterns.js';

type Tokens = ReturnType<typeof policyPatternTokens>;

const templateTokens = new WeakMap<CatalogService, Map<string, Tokens>>();

/** The tokens of every resource type of a service, by lower-cased type key. */
function serviceTemplates(service: CatalogService): Map<string, Tokens> {
  let byType = templateTokens.get(service);
  if (byType === undefined) {
    const arns = [...service.resourceTypes.values()].map((t) => t.arn);
    byType = new Map();
    for (const [key, type] of service.resourceTypes) byType.set(key, arnTemplateTokens(type.arn, arns));
    templateTokens.set(service, byType);
  }
  return byType;
}

interface Resource {
  value: Located<string>;
  tokens: Tokens;
}

async function actionMatches(action: CatalogAction, resource: Resource): Promise<boolean> {
  if (resource.value.value === '*') return true;
  if (action.isWildcardOnly) return false;
  const service = await loadService(action.service);
  if (service === undefined) return true;
  const templates = serviceTemplates(service);
  return action.resourceTypes.some((rt) => {
    const tokens = templates.get(rt.name.toLowerCase());
    // A resource type the service does not describe cannot be ruled out.
    return tokens === undefined || overlaps(resource.tokens, tokens);
  });
}

/**
 * @example
 * await checkResources(ctx); // s3:ListBucket on arn:aws:s3:::bucket/* -> RESOURCE_TYPE_MISMATCH
 */
export async function checkResources(ctx: CheckContext): Promise<void> {
  for (const statement of ctx.document.statements) {
    const list = statement.resource;
    if (list === undefined || list.negated) continue;
    const resources: Resource[] = list.values.map((value) => ({
      value,
      tokens: policyPatternTokens(value.value),
    }));
    const invalid = await checkArnTypes(ctx, resources);
    if (statement.action === undefined || statement.action.negated) continue;
    if (resources.length === 0 || resources.some((r) => r.value.value === '*')) continue;
    const entries = await ctx.actionEntries(statement);
    if (entries.some((e) => e.status === 'star')) continue;
    const severity: Severity = statement.effect.value === 'Deny' ? 'SECURITY_WARNING' : 'WARNING';
    const matched = new Set<Resource>();
    for (const entry of entries) {
      if (entry.status !== 'ok') continue;
      await checkEntry(ctx, statement, entry, resources, matched, severity);
    }
    // An action the catalogue cannot name might match any resource. When no action matched
    // anything, the findings on the actions already say so.
    if (entries.some((e) => e.status !== 'ok') || matched.size === 0) continue;
    for (const resource of resources) {
      if (matched.has(resource) || invalid.has(resource) || isUnresolved(resource.value.value)) continue;
      ctx.report(
        'UNMATCHED_RESOURCE',
        `No action of ${statement.effect.value === 'Deny' ? 'this Deny statement' : 'this statement'} applies to "${shown(resource.value.value)}": ${statement.effect.value === 'Deny' ? 'it denies nothing there' : 'it grants nothing there'}.`,
        resource.value.loc,
        { severity, details: { resource: resource.value.value } },
      );
    }
  }
}

async function checkEntry(
  ctx: CheckContext,
  statement: Statement,
  entry: ActionEntry,
  resources: Resource[],
  matched: Set<Resource>,
  severity: Severity,
): Promise<void> {
  let any = false;
  for (const action of entry.actions) {
    for (const resource of resources) {
      if (await actionMatches(action, resource)) {
        any = true;
        matched.add(resource);
      }
    }
  }
  if (any) return;
  const verb = statement.effect.value === 'Deny' ? 'denied' : 'granted';
  if (entry.actions.every((a) => a.isWildcardOnly)) {
    ctx.report(
      'WILDCARD_ONLY_ACTION_WITH_RESOURCE',
      `"${shown(entry.text)}" supports only "Resource": "*"; with these resources it is never ${verb}. Put it in a statement with "Resource": "*".`,
      entry.loc,
      { severity, details: { action: entry.text } },
    );
    return;
  }
  const formats = await resourceFormats(entry.actions);
  ctx.report(
    'RESOURCE_TYPE_MISMATCH',
    `"${shown(entry.text)}" applies to ${formats.join(', ')}; none of the statement's resources can match, so it is never ${verb} by this statement.`,
    entry.loc,
    { severity, details: { action: entry.text, resourceTypes: formats } },
  );
}

async function resourceFormats(actions: CatalogAction[]): Promise<string[]> {
  const formats = new Set<string>();
  for (const action of actions) {
    const service = await loadService(action.service);
    for (const rt of action.resourceTypes) {
      const arn = service?.resourceTypes.get(rt.name.toLowerCase())?.arn;
      if (arn !== undefined) formats.add(arn);
      if (formats.size >= 4) return [...formats, '...'];
    }
  }
  return [...formats];
}

/** An ARN of a known service that matches none of that service's resource types. */
async function checkArnTypes(ctx: CheckContext, resources: Resource[]): Promise<Set<Resource>> {
  const invalid = new Set<Resource>();
  for (const resource of resources) {
    const value = resource.value.value;
    if (value === '*' || checkResourceArn(value) !== undefined) continue;
    const parts = splitArn(value);
    if (parts === undefined || isUnresolved(parts[2])) continue;
    const service = await loadService(parts[2]);
    if (service === undefined || service.resourceTypes.size === 0) continue;
    if (fieldNotAllowed(ctx, resource, parts, service)) {
      invalid.add(resource);
      continue;
    }
    const templates = [...serviceTemplates(service).values()];
    if (templates.some((t) => overlaps(resource.tokens, t))) continue;
    invalid.add(resource);
    ctx.report(
      'INVALID_ARN_RESOURCE',
      `"${shown(value)}" matches no resource type of ${service.key}; check the resource part against the service's ARN formats.`,
      resource.value.loc,
      { details: { resource: value, service: service.key } },
    );
  }
  return invalid;
}

/**
 * A Region or account in the ARN of a service none of whose resource types has one (IAM Access
 * Analyzer's `ARN_REGION_NOT_ALLOWED` and `ARN_ACCOUNT_NOT_ALLOWED`): S3 buckets have neither, IAM
 * resources have no Region. Such an ARN matches no resource, so the statement does nothing for it.
 */
function fieldNotAllowed(
  ctx: CheckContext,
  resource: Resource,
  parts: readonly string[],
  service: { key: string; resourceTypes: ReadonlyMap<string, { arn: string }> },
): boolean {
  // The resource types the ARN's resource part can be: judged on those only (S3 access points have
  // a Region and an account, buckets and objects do not).
  const resourcePart = parts.slice(5).join(':');
  const formats = [...service.resourceTypes.values()]
    .map((rt) => rt.arn.split(':'))
    .filter((f) =>
      wildcardMatches(
        f
          .slice(5)
          .join(':')
          .replace(/\$\{[^}]*\}/g, '*'),
        resourcePart,
      ),
    );
  const given = (i: number): boolean => {
    const v = parts[i] ?? '';
    return v !== '' && v !== '*' && !isUnresolved(v) && !v.includes('${');
  };
  const never = (i: number): boolean => formats.length > 0 && formats.every((f) => (f[i] ?? '') === '');
  const value = resource.value.value;
  if (given(3) && never(3)) {
    ctx.report(
      'ARN_REGION_NOT_ALLOWED',
      `The service ${service.key} does not support specifying a Region in the resource ARN ("${shown(value)}").`,
      resource.value.loc,
      { details: { resource: value, service: service.key } },
    );
    return true;
  }
  if (given(4) && never(4)) {
    ctx.report(
      'ARN_ACCOUNT_NOT_ALLOWED',
      `The service ${service.key} does not support specifying an account ID in the resource ARN ("${shown(value)}").`,
      resource.value.loc,
      { details: { resource: value, service: service.key } },
    );
    return true;
  }
  return false;
}
