/**
 * The parameters of an AWS Query protocol request (SNS, and SQS from older clients): the form body
 * of a POST, or the URL query of a GET, with the list encodings both styles use — `Name.member.N`
 * (SNS) and the flattened `Name.N` (SQS).
 */
import { AwsError } from '../../../errors.js';
import { readQueryParameters, type QueryReadOptions } from '../../../protocol/query.js';
import type { GatewayRequest } from '../../types.js';

/** A bound that keeps a hostile body from costing more than a legitimate one. */
const MAX_PARAMETERS = 2000;

const GATEWAY_READ: QueryReadOptions = {
  repeated: 'refuse',
  maxParameters: MAX_PARAMETERS,
  tooMany: () =>
    new AwsError('MalformedQueryString', `The request has more than ${MAX_PARAMETERS} parameters.`, {
      status: 400,
    }),
};

export class QueryInput {
  constructor(private readonly values: ReadonlyMap<string, string>) {}

  /** Every parameter once, in arrival order: what the gateway forwards (`gateway/forwarded-request.ts`). */
  entries(): IterableIterator<[string, string]> {
    return this.values.entries();
  }

  get action(): string | undefined {
    return this.values.get('Action');
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** A required parameter; a missing one is the Query services' `MissingParameter`. */
  require(name: string): string {
    const value = this.values.get(name);
    if (value === undefined || value === '') {
      throw new AwsError('MissingParameter', `The request must contain the parameter ${name}.`, {
        status: 400,
      });
    }
    return value;
  }

  /** The entries `<prefix>1<suffix>`, `<prefix>2<suffix>`, ... in index order. */
  indexed(prefix: string, suffix = ''): { index: number; value: string }[] {
    const out: { index: number; value: string }[] = [];
    for (const [key, value] of this.values) {
      if (!key.startsWith(prefix) || !key.endsWith(suffix)) continue;
      const digits = key.slice(prefix.length, key.length - suffix.length);
      if (/^[1-9]\d{0,4}$/.test(digits)) out.push({ index: Number(digits), value });
    }
    return out.sort((a, b) => a.index - b.index);
  }

  /** A string list: `Name.member.N` (`member` true) or flattened `Name.N`. */
  list(name: string, member: boolean): string[] {
    return this.indexed(member ? `${name}.member.` : `${name}.`).map((entry) => entry.value);
  }

  /** A list of key/value structures (`Tags.member.N.Key` or flattened `Tag.N.Key`). */
  pairs(
    name: string,
    member: boolean,
    keyField = 'Key',
    valueField = 'Value',
  ): { key: string; value: string }[] {
    const prefix = member ? `${name}.member.` : `${name}.`;
    return this.indexed(prefix, `.${keyField}`).map(({ index, value }) => ({
      key: value,
      value: this.values.get(`${prefix}${index}.${valueField}`) ?? '',
    }));
  }
}

/**
 * The request's Query parameters: the URL query's and a form body's together. A name given twice
 * (in the URL, the body, or both) with different values is refused: backends differ on which one
 * wins (first, last, URL or body), so the mapper cannot know which one it would be authorizing.
 *
 * @example
 * queryInput(request).action; // 'Publish'
 */
export function queryInput(request: GatewayRequest): QueryInput {
  // Read once per request: the mapper decides on it and the forwarder re-encodes the same values.
  const known = parsedRequests.get(request);
  if (known !== undefined) return known;
  const body = request.body !== undefined && request.body.length > 0 ? request.body.toString('utf8') : '';
  const input = new QueryInput(readQueryParameters(body, GATEWAY_READ, request.query).values);
  parsedRequests.set(request, input);
  return input;
}

const parsedRequests = new WeakMap<GatewayRequest, QueryInput>();
