/**
 * Service condition keys on actions that do not support them (IAM Access Analyzer's
 * `UNSUPPORTED_ACTION_FOR_CONDITION_KEY`): for those actions the condition is not evaluated, so a
 * statement such as `Allow s3:GetObject if s3:prefix = home/` does not do what it says. An action
 * supports a key when the Service Authorization Reference lists the key for the action or for one
 * of its resource types (the catalogue, `catalog/iam-actions.ts`).
 *
 * Only exact action names are judged (a wildcard's expansion would name actions the author did
 * not write), and only service keys: global `aws:` keys are in every request context.
 */
import type { CatalogAction, CatalogService } from '../../catalog/iam-actions.js';
import { loadService } from '../../catalog/iam-actions.js';
import type { CheckContext } from './context.js';
import { serviceKey } from './condition-keys.js';
import { isUnresolved, shown } from './patterns.js';

function supportedKeys(service: CatalogService, action: CatalogAction): Set<string> {
  const keys = new Set(action.conditionKeys.map((k) => k.toLowerCase()));
  for (const rt of action.resourceTypes) {
    for (const k of rt.conditionKeys) keys.add(k.toLowerCase());
    for (const k of service.resourceTypes.get(rt.name.toLowerCase())?.conditionKeys ?? []) {
      keys.add(k.toLowerCase());
    }
  }
  return keys;
}

/**
 * @example
 * await checkActionConditionKeys(ctx); // s3:prefix on s3:GetObject -> UNSUPPORTED_ACTION_FOR_CONDITION_KEY
 */
export async function checkActionConditionKeys(ctx: CheckContext): Promise<void> {
  for (const statement of ctx.document.statements) {
    if (statement.action === undefined || statement.action.negated) continue;
    const entries = (await ctx.actionEntries(statement)).filter(
      (e) => e.status === 'ok' && !/[*?]/.test(e.text) && e.actions.length === 1,
    );
    if (entries.length === 0) continue;
    for (const condition of statement.conditions) {
      const key = condition.key.value;
      const colon = key.indexOf(':');
      if (colon <= 0 || isUnresolved(key)) continue;
      const prefix = key.slice(0, colon).toLowerCase();
      if (prefix === 'aws' || /[./]/.test(prefix)) continue;
      const service = await loadService(prefix);
      const known = service === undefined ? undefined : serviceKey(service, key);
      if (service === undefined || known === undefined) continue; // condition-keys.ts reports it
      const unsupported: string[] = [];
      for (const entry of entries) {
        const action = entry.actions[0]!;
        if (action.service.toLowerCase() !== service.key.toLowerCase()) continue;
        if (!supportedKeys(service, action).has(known.key.toLowerCase())) unsupported.push(entry.text);
      }
      if (unsupported.length === 0) continue;
      ctx.report(
        'UNSUPPORTED_ACTION_FOR_CONDITION_KEY',
        `The following actions: ${unsupported.map(shown).join(', ')} are not supported by the condition key ${shown(key)}. The condition will not be evaluated for these actions. We recommend that you move these actions to a different statement without this condition key.`,
        condition.key.loc,
        { details: { key, actions: unsupported } },
      );
    }
  }
}
