/**
 * Actions the catalogue does not know: an unknown service prefix (INVALID_SERVICE_IN_ACTION) or an
 * unknown action or a pattern that matches no action (INVALID_ACTION), with a "did you mean" when a
 * close spelling exists. Malformed values are the grammar check's (also INVALID_ACTION).
 */
import { catalogServiceKeys, loadService } from '../../catalog/iam-actions.js';
import type { CheckContext } from './context.js';
import { shown } from './patterns.js';

/**
 * @example
 * await checkActions(ctx); // reports "s3:GetObjekt" as INVALID_ACTION, did you mean s3:GetObject
 */
export async function checkActions(ctx: CheckContext): Promise<void> {
  for (const statement of ctx.document.statements) {
    for (const entry of await ctx.actionEntries(statement)) {
      if (entry.status === 'unknown-service') {
        const service = entry.service ?? '';
        const guess = closest(service, [...(await catalogServiceKeys())]);
        ctx.report(
          'INVALID_SERVICE_IN_ACTION',
          `The service "${shown(service)}" in action "${shown(entry.text)}" does not exist.${guess ? ` Did you mean "${guess}"?` : ''}`,
          entry.loc,
          { details: { action: entry.text, service } },
        );
      } else if (entry.status === 'unknown-action') {
        const wildcard = /[*?]/.test(entry.text);
        let hint = '';
        if (!wildcard && entry.service !== undefined) {
          const service = await loadService(entry.service);
          const names = [...(service?.actions.values() ?? [])].map((a) => a.action);
          const guess = closest(entry.text, names);
          if (guess !== undefined) hint = ` Did you mean "${guess}"?`;
        }
        ctx.report(
          'INVALID_ACTION',
          wildcard
            ? `The action pattern "${shown(entry.text)}" matches no action of the catalogue; it grants nothing.`
            : `The action "${shown(entry.text)}" does not exist.${hint}`,
          entry.loc,
          { details: { action: entry.text } },
        );
      }
    }
  }
}

/** The candidate within a small edit distance (case-insensitive), if one stands out. */
function closest(word: string, candidates: string[]): string | undefined {
  const target = word.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(target.length / 4)));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - target.length) > limit) continue;
    const d = distance(target, candidate.toLowerCase(), limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning limit + 1) once every cell of a row exceeds `limit`. */
function distance(a: string, b: string, limit: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      row.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    previous = row;
  }
  return previous[b.length] ?? limit + 1;
}
