/**
 * The shape of a mapper's operation table: per operation, the IAM actions it can need (the
 * coverage table and the catalogue test read them) and the function that turns one request into
 * its checks. Mappers are data first: one entry per operation, no per-operation classes.
 */
import type { JsonValue } from '../../../iam/types.js';
import type {
  AuthorizationCheck,
  GatewayRequest,
  MappedRequest,
  TrailResource,
  UnmappedRequest,
} from '../../types.js';
import { splitArn } from './arn.js';

export interface MappedParts {
  checks: AuthorizationCheck[];
  requestParameters?: { [key: string]: JsonValue } | undefined;
}

export interface OperationMapping<Input, Context = GatewayRequest> {
  /** Every IAM action a request of this operation can be checked against, in catalogue spelling. */
  actions: readonly string[];
  map(input: Input, context: Context): MappedParts;
}

export type OperationTable<Input, Context = GatewayRequest> = Readonly<
  Record<string, OperationMapping<Input, Context>>
>;

export interface ServiceNames {
  service: string;
  eventSource: string;
}

/**
 * Run `operation`'s entry of `table` on the input `input()` reads (only read, and so only
 * checked, for a mapped operation), or answer that the operation is not mapped (the proxy then
 * fails closed unless the service is in audit mode).
 *
 * @example
 * runOperation({ service: 'kms', eventSource: 'kms.amazonaws.com' }, table, 'Encrypt', () => input, request);
 */
export function runOperation<Input, Context>(
  names: ServiceNames,
  table: OperationTable<Input, Context>,
  operation: string | undefined,
  input: () => Input,
  context: Context,
): MappedRequest | UnmappedRequest {
  const entry = operation === undefined ? undefined : operationEntry(table, operation);
  if (operation === undefined || entry === undefined) {
    return { unmapped: true, ...names, ...(operation === undefined ? {} : { operation }) };
  }
  const parts = entry.map(input(), context);
  const resources = trailResources(parts.checks);
  return {
    ...names,
    operation,
    checks: parts.checks,
    ...(parts.requestParameters === undefined ? {} : { requestParameters: parts.requestParameters }),
    ...(resources.length === 0 ? {} : { resources }),
  };
}

/** Own properties only: an operation named `constructor` or `__proto__` is not mapped. */
export function operationEntry<Input, Context>(
  table: OperationTable<Input, Context>,
  operation: string,
): OperationMapping<Input, Context> | undefined {
  return Object.prototype.hasOwnProperty.call(table, operation) ? table[operation] : undefined;
}

function trailResources(checks: readonly AuthorizationCheck[]): TrailResource[] {
  const seen = new Set<string>();
  const out: TrailResource[] = [];
  for (const check of checks) {
    if (check.resource === '*' || seen.has(check.resource)) continue;
    seen.add(check.resource);
    const account = splitArn(check.resource)?.account;
    out.push({ ARN: check.resource, ...(account ? { accountId: account } : {}) });
  }
  return out;
}

/** Every operation of `table` with the actions it can need, for the coverage table. */
export function coverageOf<Input, Context>(
  table: OperationTable<Input, Context>,
): Readonly<Record<string, readonly string[]>> {
  return Object.fromEntries(Object.entries(table).map(([operation, entry]) => [operation, entry.actions]));
}
