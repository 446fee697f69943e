/**
 * Requests on many items at once that the service answers item by item (S3 `DeleteObjects`): when
 * policy denies some items, the gateway serves the allowed ones and answers the denied ones in the
 * service's per-item shape, instead of refusing the whole request. Every check's decision stays in
 * the access log record, so each denied item is logged as a denial.
 */
import type { DecisionKind } from '../policy/index.js';
import type { MappedRequest, UnmappedRequest } from './types.js';

/** What the gateway does instead of refusing the whole request. */
export type PerItemPlan =
  | {
      kind: 'forward';
      body: Buffer;
      headers: Record<string, string | undefined>;
      /** Rewrites the backend's successful answer to include the denied items. */
      mergeResponse(backendBody: Buffer): Buffer;
    }
  | { kind: 'answer'; status: number; headers: Record<string, string>; body: string };

interface DeniedOutcome {
  decision: 'allow' | 'deny' | 'audit-deny';
  decisions: readonly { decision: { decision: DecisionKind } }[];
  error?: unknown;
  errorMessage?: string;
}

/**
 * The plan for a denied request that can be served in part, `undefined` when it cannot: it has no
 * per-item form, it was not denied (or only in audit mode), or a check outside every item was
 * denied. A plan turns `outcome` into the request's real outcome: `allow` when some items go to
 * the backend, `deny` without an error (the answer is a 200) when none do.
 *
 * @example
 * const plan = planPerItem(mapped, outcome); // { kind: 'forward', body, headers, mergeResponse }
 */
export function planPerItem(
  mapped: MappedRequest | UnmappedRequest,
  outcome: DeniedOutcome,
): PerItemPlan | undefined {
  if ('unmapped' in mapped || mapped.perItem === undefined || outcome.decision !== 'deny') return undefined;
  const perItem = mapped.perItem;
  if (outcome.decisions.length !== mapped.checks.length) return undefined;
  const allows = (check: number): boolean => outcome.decisions[check]?.decision.decision === 'Allow';
  const covered = new Set(perItem.items.flat());
  for (let check = 0; check < mapped.checks.length; check++) {
    if (!covered.has(check) && !allows(check)) return undefined;
  }
  const allowed: number[] = [];
  const denied: number[] = [];
  perItem.items.forEach((checks, item) => (checks.every(allows) ? allowed : denied).push(item));
  delete outcome.error;
  delete outcome.errorMessage;
  if (allowed.length === 0) return { kind: 'answer', ...perItem.allDenied(denied) };
  outcome.decision = 'allow';
  const { body, headers } = perItem.rewrite(allowed);
  return {
    kind: 'forward',
    body,
    headers,
    mergeResponse: (backendBody) => perItem.mergeResponse(backendBody, denied),
  };
}
