/**
 * What every console endpoint receives: the request, the caller it acts as, and the plane's store
 * and key ring; and the reads several endpoints share.
 */
import type { AuthenticatedCaller } from '../../control/authenticate.js';
import type { KeyRing } from '../../crypto/index.js';
import type { ApiRequest } from '../../http/types.js';
import type { Role } from '../../iam/types.js';
import type { AccessEvent, AccessEventFilter, Store } from '../../store/store.js';
import type { Arns } from '../authorization.js';
import type { Channel } from '../contract.js';
import type { WorkloadKind } from '../../iam/types.js';
import type { PostureCache } from './posture-cache.js';

export interface ApiContext {
  request: ApiRequest;
  /** The request's query parameters. */
  query: URLSearchParams;
  auth: AuthenticatedCaller;
  store: Store;
  ring: KeyRing;
  /** The caller's account, partition and the plane's region. */
  arns: Arns;
  now: () => number;
  posture: PostureCache;
}

/** Every role of the account, page by page (1000 a page: IAM's largest). */
export async function allRoles(store: Store, accountId: string): Promise<Role[]> {
  const out: Role[] = [];
  let marker: string | undefined;
  do {
    const page = await store.listRoles(accountId, {
      maxItems: 1000,
      ...(marker === undefined ? {} : { marker }),
    });
    out.push(...page.items);
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return out;
}

/** Every event matching `filter` (oldest first), a page at a time. */
export async function* eachEvent(
  store: Store,
  filter: Omit<AccessEventFilter, 'after' | 'limit'>,
  pageSize = 5000,
): AsyncGenerator<AccessEvent> {
  let after: AccessEventFilter['after'];
  for (;;) {
    const page = await store.listAccessEvents({ ...filter, limit: pageSize, ...(after ? { after } : {}) });
    yield* page;
    if (page.length < pageSize) return;
    const last = page[page.length - 1]!;
    after = { eventTime: last.eventTime, eventId: last.eventId };
  }
}

export const CHANNEL_OF_KIND: Readonly<Record<WorkloadKind, Channel>> = {
  'ec2-instance': 'instance',
  'ecs-task-definition': 'task',
  'lambda-function': 'function',
  'eks-service-account': 'pod',
  'eks-pod-identity': 'pod',
};

/** The access log's delivery channels (`audit/delivery-record.ts`) by the console's channel. */
export const CHANNEL_OF_LOG: Readonly<Record<string, Channel>> = {
  imds: 'instance',
  container: 'task',
  lambda: 'function',
  'pod-identity': 'pod',
};

export const HOUR_MS = 3_600_000;

/** The 24 hour buckets ending with the current hour, oldest first, as ISO 8601. */
export function last24Hours(now: number): { hours: string[]; start: number } {
  const current = Math.floor(now / HOUR_MS) * HOUR_MS;
  const start = current - 23 * HOUR_MS;
  const hours = Array.from({ length: 24 }, (_, i) => new Date(start + i * HOUR_MS).toISOString());
  return { hours, start };
}
