/**
 * The AWS Query protocol's request side: `Action=...&Version=...` parameters from a form body
 * (or the URL query for GET), with lists as `Name.member.N` and structures as `Name.member.N.Field`.
 *
 * Both SDKs serialize an empty list as `Name=`; that must read as an empty list, not a value.
 */
import { AwsError } from '../errors.js';

/** Parameter names are case-sensitive in the Query protocol; values are already percent-decoded. */
export class QueryParams {
  private readonly values: ReadonlyMap<string, string>;
  /** Every decoded pair in arrival order, a repeated name included (what the access log records). */
  readonly pairs: readonly (readonly [string, string])[];

  constructor(values: ReadonlyMap<string, string>, pairs: readonly (readonly [string, string])[] = []) {
    this.values = values;
    this.pairs = pairs;
  }

  get action(): string | undefined {
    return this.values.get('Action');
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** A required string parameter; IAM and STS answer a missing one with `ValidationError`-shaped errors. */
  require(name: string, apiName = lowerFirst(name)): string {
    const value = this.values.get(name);
    if (value === undefined) {
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value null at '${apiName}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return value;
  }

  /** An optional integer parameter; a non-integer is a `ValidationError`. */
  integer(name: string): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined || raw === '') return undefined;
    if (!/^-?\d{1,15}$/.test(raw)) {
      throw new AwsError(
        'ValidationError',
        `Value '${truncate(raw)}' for parameter ${name} is not a valid integer`,
      );
    }
    return Number(raw);
  }

  boolean(name: string): boolean | undefined {
    const raw = this.values.get(name);
    if (raw === undefined || raw === '') return undefined;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new AwsError(
      'ValidationError',
      `Value '${truncate(raw)}' for parameter ${name} is not a valid boolean`,
    );
  }

  /** `Name.member.1`, `Name.member.2`, ... as a string list, in index order. */
  list(name: string): string[] {
    return this.indexed(`${name}.member.`, (prefix) => this.values.get(prefix.slice(0, -1)));
  }

  /** `Name.member.N.Field` structures as records of their fields. */
  structList(name: string, fields: readonly string[]): Record<string, string | undefined>[] {
    return this.indexed(`${name}.member.`, (prefix) => {
      const entry: Record<string, string | undefined> = {};
      let any = false;
      for (const field of fields) {
        const value = this.values.get(prefix + field);
        if (value !== undefined) any = true;
        entry[field] = value;
      }
      return any ? entry : undefined;
    });
  }

  private indexed<T>(prefix: string, read: (memberPrefix: string) => T | undefined): T[] {
    const indexes = new Set<number>();
    for (const key of this.values.keys()) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const dot = rest.indexOf('.');
      const digits = dot === -1 ? rest : rest.slice(0, dot);
      if (/^[1-9]\d{0,4}$/.test(digits)) indexes.add(Number(digits));
    }
    const out: T[] = [];
    for (const index of [...indexes].sort((a, b) => a - b)) {
      const value = read(`${prefix}${index}.`);
      if (value !== undefined) out.push(value);
    }
    return out;
  }
}

/**
 * What a name given more than once means. `first`: the first value wins, as on AWS's own Query
 * APIs. `refuse`: a second, different value is `MalformedQueryString` (the gateway: backends differ
 * on which one wins, so it could not know which one it would be authorizing).
 */
export type RepeatedNames = 'first' | 'refuse';

export interface QueryReadOptions {
  repeated: RepeatedNames;
  /** At most this many non-empty pairs in the text (a hostile body must cost no more than a legitimate one). */
  maxParameters: number;
  /** The error for more. */
  tooMany: () => AwsError;
}

export interface QueryParameters {
  /** One value per name, under the repeated-name policy, in arrival order. */
  values: Map<string, string>;
  /** Every pair in arrival order, repeats included. */
  pairs: [string, string][];
}

/**
 * The one reader of the Query protocol's wire form: `decoded` pairs (a URL query already split
 * and decoded) followed by `text`, an `application/x-www-form-urlencoded` body or raw URL query,
 * split on `&`, each pair at its first `=`, percent-decoded as UTF-8 with `+` as a space (the
 * WHATWG URL standard's `application/x-www-form-urlencoded` parsing, except that a malformed
 * percent-encoding is refused rather than kept). Only the pairs of `text` count against the bound.
 *
 * @example
 * readQueryParameters('Action=Publish&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At', {
 *   repeated: 'refuse', maxParameters: 2000, tooMany: () => new AwsError('MalformedQueryString', 'too many'),
 * }).values.get('TopicArn'); // 'arn:aws:sns:us-east-1:1:t'
 */
export function readQueryParameters(
  text: string,
  options: QueryReadOptions,
  decoded: Iterable<readonly [string, string]> = [],
): QueryParameters {
  const values = new Map<string, string>();
  const pairs: [string, string][] = [];
  const take = (name: string, value: string): void => {
    pairs.push([name, value]);
    const existing = values.get(name);
    if (existing === undefined) values.set(name, value);
    else if (options.repeated === 'refuse' && existing !== value) {
      throw new AwsError(
        'MalformedQueryString',
        `The parameter ${name.slice(0, 64)} is given more than once with different values.`,
        { status: 400 },
      );
    }
  };
  for (const [name, value] of decoded) take(name, value);
  if (text.length === 0) return { values, pairs };
  let count = 0;
  for (const pair of text.split('&')) {
    if (pair.length === 0) continue;
    if (++count > options.maxParameters) throw options.tooMany();
    const eq = pair.indexOf('=');
    take(
      decodeComponent(eq === -1 ? pair : pair.slice(0, eq)),
      eq === -1 ? '' : decodeComponent(pair.slice(eq + 1)),
    );
  }
  return { values, pairs };
}

/** Bounds that keep a hostile body from costing more than a legitimate one. */
const MAX_PARAMS = 1000;

const API_READ: QueryReadOptions = {
  repeated: 'first',
  maxParameters: MAX_PARAMS,
  tooMany: () => new AwsError('ValidationError', `Request has more than ${MAX_PARAMS} parameters`),
};

/**
 * Parse an `application/x-www-form-urlencoded` body (or a URL query string) for credplane's own
 * Query APIs (STS, IAM, EC2).
 *
 * @example
 * const params = parseQuery('Action=GetCallerIdentity&Version=2011-06-15');
 * params.action; // 'GetCallerIdentity'
 */
export function parseQuery(text: string): QueryParams {
  const { values, pairs } = readQueryParameters(text, API_READ);
  return new QueryParams(values, pairs);
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new AwsError('MalformedQueryString', 'The query string contains an invalid percent-encoding.', {
      status: 400,
    });
  }
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}...` : value;
}
