/**
 * The request context: the condition keys of one request with typed values, and the principal who
 * makes it. Every channel (SigV4 gateway, STS, IMDS) builds one of these and hands it to
 * `evaluate` — no channel has its own notion of "allowed" (ARCHITECTURE.md, Decisions: one request context).
 *
 * Keys are stored lower-cased: IAM key names are case-insensitive, including the tag part of
 * `aws:PrincipalTag/Team`. A value given as an array makes a multivalued key (`aws:TagKeys`,
 * `aws:CalledVia`); anything else is single-valued. Each value keeps its text (what the string
 * operators compare) and parses itself lazily, once, for the numeric, date, IP, binary and ARN
 * operators.
 */
import { decodeBase64Value } from './conditions/binary.js';
import { parseDateValue } from './conditions/date.js';
import { parseIpAddress } from './conditions/ip.js';
import type { IpAddressValue } from './conditions/ip.js';
import { parseNumericValue } from './conditions/numeric.js';
import { parseArnValue } from './match.js';
import type { ParsedArn } from './match.js';

/** A single context value as a caller may give it. Dates become ISO-8601 text; numbers their decimal text. */
export type ContextScalar = string | number | boolean | Date | Uint8Array;
/** A key's value: one scalar (single-valued key) or an array (multivalued key, possibly empty). */
export type ContextInput = ContextScalar | readonly ContextScalar[];

const UNPARSED = -0.5; // a sentinel that no parse produces for the cached number/date slots

/** One typed value of a context key. */
export class ContextValue {
  /** The text the String, Bool and ARN operators compare. */
  readonly text: string;
  private lowerText: string | undefined;
  private number = UNPARSED;
  private dateMs = UNPARSED;
  private ip: IpAddressValue | null | undefined;
  private bytes: Uint8Array | null | undefined;
  private arn: ParsedArn | undefined;

  constructor(raw: ContextScalar) {
    if (typeof raw === 'string') {
      this.text = raw;
    } else if (typeof raw === 'number') {
      this.text = String(raw);
      this.number = raw;
      // A number in a date context is epoch seconds, as `aws:EpochTime` is.
      this.dateMs = raw * 1000;
    } else if (typeof raw === 'boolean') {
      this.text = raw ? 'true' : 'false';
    } else if (raw instanceof Date) {
      this.dateMs = raw.getTime();
      this.text = Number.isNaN(this.dateMs) ? 'Invalid Date' : raw.toISOString();
    } else {
      this.bytes = raw;
      this.text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
    }
  }

  /** The text lower-cased (for `…IgnoreCase` and `Bool`), computed once. */
  get lower(): string {
    return (this.lowerText ??= this.text.toLowerCase());
  }

  /** The value as a number; `NaN` when it is not one. */
  asNumber(): number {
    if (this.number === UNPARSED) this.number = parseNumericValue(this.text);
    return this.number;
  }

  /** The value as epoch milliseconds (ISO-8601 text or epoch seconds); `NaN` when it is not a date. */
  asDateMs(): number {
    if (this.dateMs === UNPARSED) this.dateMs = parseDateValue(this.text);
    return this.dateMs;
  }

  /** The value as an IP address; `null` when it is not one. */
  asIp(): IpAddressValue | null {
    if (this.ip === undefined) this.ip = parseIpAddress(this.text);
    return this.ip;
  }

  /** The value as bytes (given as bytes, or base64 text); `null` when it is neither. */
  asBytes(): Uint8Array | null {
    if (this.bytes === undefined) this.bytes = decodeBase64Value(this.text);
    return this.bytes;
  }

  /** The value split as an ARN (for the `Arn*` operators). */
  asArn(): ParsedArn {
    return (this.arn ??= parseArnValue(this.text));
  }
}

/** A key present in the request. `multi` is true when it was given as an array. */
export interface ContextEntry {
  readonly multi: boolean;
  readonly values: readonly ContextValue[];
}

/**
 * The condition keys of one request.
 *
 * @example
 * const context = createRequestContext({
 *   'aws:SourceIp': '203.0.113.7',
 *   'aws:CurrentTime': new Date(),
 *   'aws:TagKeys': ['team', 'cost-center'],
 *   'ec2:RoleDelivery': 2,
 * });
 * context.get('AWS:SOURCEIP')?.values[0]?.text; // '203.0.113.7'
 */
export class RequestContext {
  private readonly entries = new Map<string, ContextEntry>();

  /** Later sources replace earlier ones' keys (compared case-insensitively). */
  constructor(...sources: readonly Readonly<Record<string, ContextInput>>[]) {
    for (const keys of sources) this.add(keys);
  }

  private add(keys: Readonly<Record<string, ContextInput>>): void {
    for (const name of Object.keys(keys)) {
      const input = keys[name];
      if (input === undefined) continue;
      this.entries.set(name.toLowerCase(), toEntry(input));
    }
  }

  /** The key's entry (any case), or `undefined` when the request lacks it. */
  get(key: string): ContextEntry | undefined {
    return this.entries.get(key.toLowerCase());
  }

  /** Hot-path lookup: `lowerKey` must already be lower-cased (compiled conditions do this once). */
  getLower(lowerKey: string): ContextEntry | undefined {
    return this.entries.get(lowerKey);
  }

  /**
   * The value a policy variable `${key}` resolves to: the text of a single-valued key; `undefined`
   * when the key is absent or multivalued (multivalued keys cannot be variables: IAM User
   * Guide, IAM policy elements: Variables and tags).
   */
  variable(key: string): string | undefined {
    // Compiled templates pass keys already lower-cased: try that before lower-casing.
    const entry = this.entries.get(key) ?? this.entries.get(key.toLowerCase());
    if (entry === undefined || entry.multi) return undefined;
    return entry.values[0]?.text;
  }

  /** A new context with `keys` added or replaced; this one is unchanged. */
  with(keys: Readonly<Record<string, ContextInput>>): RequestContext {
    const next = new RequestContext();
    for (const [k, v] of this.entries) next.entries.set(k, v);
    next.add(keys);
    return next;
  }

  /** Lower-cased key names present. */
  keys(): IterableIterator<string> {
    return this.entries.keys();
  }
}

function toEntry(input: ContextInput): ContextEntry {
  if (isList(input)) return { multi: true, values: input.map((v) => new ContextValue(v)) };
  return { multi: false, values: [new ContextValue(input)] };
}

function isList(input: ContextInput): input is readonly ContextScalar[] {
  return Array.isArray(input);
}

/**
 * Builds a request context from one or more records of keys (later ones win). Passing several
 * records is cheaper than spreading them into one object on the request path.
 *
 * @example
 * createRequestContext(principalContextKeys(principal), { 'aws:SecureTransport': true, 'aws:EpochTime': 1704067200 });
 */
export function createRequestContext(
  ...sources: readonly Readonly<Record<string, ContextInput>>[]
): RequestContext {
  return new RequestContext(...sources);
}

/** `aws:PrincipalType` and friends: what kind of caller makes the request. */
export type PrincipalKind =
  'AssumedRole' | 'User' | 'Root' | 'FederatedUser' | 'WebIdentity' | 'Service' | 'Anonymous';

/**
 * The caller. Fields that do not apply to a kind are absent.
 *
 * - `AssumedRole`: `arn` = the session ARN `arn:aws:sts::ACCT:assumed-role/NAME/SESSION`,
 *   `roleArn` = the role ARN (with path), `userId` = `AROA…:SESSION`, `roleId` = `AROA…`.
 * - `User`: `arn` = user ARN, `userId` = `AIDA…`, `userName`.
 * - `Root`: `arn` = `arn:aws:iam::ACCT:root`.
 * - `FederatedUser` (GetFederationToken): `arn` = `arn:aws:sts::ACCT:federated-user/NAME`,
 *   `sourceUserArn`/`sourceUserId` = the IAM user who called GetFederationToken.
 * - `WebIdentity`: a caller presenting an OIDC/SAML token to `AssumeRoleWith…`; `federatedProvider`
 *   = the provider ARN (`arn:aws:iam::ACCT:oidc-provider/HOST/PATH`) or a host such as
 *   `accounts.google.com` / `cognito-identity.amazonaws.com`.
 * - `Service`: `service` = the service principal, e.g. `ec2.amazonaws.com`.
 * - `Anonymous`: nothing.
 */
export interface RequestPrincipal {
  type: PrincipalKind;
  arn?: string;
  account?: string;
  roleArn?: string;
  roleId?: string;
  userId?: string;
  userName?: string;
  sourceUserArn?: string;
  sourceUserId?: string;
  service?: string;
  federatedProvider?: string;
  canonicalUser?: string;
}

/**
 * The principal-describing global keys AWS puts in every signed request's context (IAM User
 * Guide, AWS global condition context keys):
 * `aws:PrincipalArn` (the **role** ARN for role sessions, not the session ARN), `aws:userid`
 * (`AROA…:session` for role sessions), `aws:PrincipalAccount`, `aws:PrincipalType` and, for IAM
 * users only, `aws:username`. Merge them into the context you build.
 *
 * @example
 * createRequestContext({ ...principalContextKeys(principal), 'aws:SourceIp': ip });
 */
export function principalContextKeys(p: RequestPrincipal): Record<string, string> {
  const keys: Record<string, string> = {};
  switch (p.type) {
    case 'AssumedRole':
      if (p.roleArn !== undefined) keys['aws:PrincipalArn'] = p.roleArn;
      keys['aws:PrincipalType'] = 'AssumedRole';
      break;
    case 'User':
      if (p.arn !== undefined) keys['aws:PrincipalArn'] = p.arn;
      if (p.userName !== undefined) keys['aws:username'] = p.userName;
      keys['aws:PrincipalType'] = 'User';
      break;
    case 'Root':
      if (p.arn !== undefined) keys['aws:PrincipalArn'] = p.arn;
      keys['aws:PrincipalType'] = 'Account';
      if (p.account !== undefined) keys['aws:userid'] = p.account;
      break;
    case 'FederatedUser':
      if (p.arn !== undefined) keys['aws:PrincipalArn'] = p.arn;
      keys['aws:PrincipalType'] = 'FederatedUser';
      break;
    case 'Anonymous':
      keys['aws:PrincipalType'] = 'Anonymous';
      keys['aws:PrincipalAccount'] = 'anonymous';
      return keys;
    case 'Service':
      if (p.service !== undefined) keys['aws:PrincipalServiceName'] = p.service;
      keys['aws:PrincipalIsAWSService'] = 'true';
      return keys;
    case 'WebIdentity':
      if (p.federatedProvider !== undefined) keys['aws:FederatedProvider'] = p.federatedProvider;
      return keys;
  }
  if (p.userId !== undefined) keys['aws:userid'] = p.userId;
  if (p.account !== undefined) keys['aws:PrincipalAccount'] = p.account;
  keys['aws:PrincipalIsAWSService'] = 'false';
  return keys;
}
