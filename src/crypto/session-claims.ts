/**
 * What a temporary credential says about its session, sealed inside the session token.
 *
 * Every minter (STS `AssumeRole*`, the IMDS, ECS and EKS Pod Identity endpoints, the Lambda
 * launcher) builds one `SessionClaims`; the SigV4 verifier gets it back from the token and builds
 * the request context from it (principal, `aws:PrincipalTag/*`, session policy, delivery keys).
 *
 * On the wire the claims are compact JSON with short field names (see `FIELD`), because the token
 * travels in every request's `X-Amz-Security-Token` header.
 */
import { ValidationError } from '../errors.js';
import type { EpochSeconds } from './key-ring.js';

/** A session tag (`Tags.member.N` in `AssumeRole`): becomes `aws:PrincipalTag/<key>`. */
export interface SessionTag {
  readonly key: string;
  readonly value: string;
}

/** A condition-key value: single-valued keys hold a string, multivalued keys a list. */
export type ConditionValue = string | readonly string[];

export interface SessionClaims {
  /** The 12-digit account that owns the role. */
  readonly accountId: string;
  /** `arn:<partition>:iam::<account>:role/<path>/<RoleName>` (with the role's path). */
  readonly roleArn: string;
  /** The role's unique id, `AROA…` (21 characters); `AssumedRoleId` is `<roleId>:<roleSessionName>`. */
  readonly roleId: string;
  readonly roleName: string;
  /** `RoleSessionName`: the last part of `arn:…:sts::<account>:assumed-role/<RoleName>/<RoleSessionName>`. */
  readonly roleSessionName: string;
  /** When the session began; per-role revocation ("issued before T") compares against this. */
  readonly issuedAt: EpochSeconds;
  /** The credential's `Expiration`; it is expired from this second on. */
  readonly expiresAt: EpochSeconds;
  /** Inline session policy (`Policy` parameter), the JSON text exactly as given. */
  readonly sessionPolicy?: string;
  /** Managed session policies (`PolicyArns`). */
  readonly policyArns?: readonly string[];
  /** Session tags, inherited transitive tags included, in request order. */
  readonly tags?: readonly SessionTag[];
  /** Keys of `tags` that pass on to a chained session (`TransitiveTagKeys`). */
  readonly transitiveTagKeys?: readonly string[];
  /** `SourceIdentity` (`aws:SourceIdentity`); once set it sticks through role chaining. */
  readonly sourceIdentity?: string;
  /** The session was assumed with another role session's credentials (chaining: ≤ 1 h, tags carry). */
  readonly roleChained?: boolean;
  /** The principal that assumed the role (an assumed-role, user or service ARN), for the access log. */
  readonly sourcePrincipalArn?: string;
  /**
   * Condition keys fixed by the delivery channel, e.g. `ec2:RoleDelivery` = `"2.0"`,
   * `ec2:SourceInstanceARN`, `aws:Ec2InstanceSourceVpc`, `lambda:SourceFunctionArn`.
   */
  readonly deliveryContext?: Readonly<Record<string, ConditionValue>>;
  /**
   * `user` for a `GetSessionToken` session: then the `role*` fields describe the IAM user whose
   * long-term key asked for it (user ARN, `AIDA…` id, user name, and the user name as session name),
   * and the session acts with that user's permissions. Absent for role sessions.
   */
  readonly sessionType?: 'user';
  /**
   * When the session's principal last authenticated with an MFA code (epoch seconds): set by
   * GetSessionToken and AssumeRole with `SerialNumber`/`TokenCode`, carried into chained
   * sessions. Makes `aws:MultiFactorAuthPresent` true and gives `aws:MultiFactorAuthAge`.
   */
  readonly mfaAuthenticatedAt?: EpochSeconds;
}

/** Short wire names. Changing one is a token format change (bump the token version). */
const FIELD = {
  accountId: 'a',
  roleArn: 'r',
  roleId: 'u',
  roleName: 'n',
  roleSessionName: 's',
  issuedAt: 'i',
  expiresAt: 'e',
  sessionPolicy: 'p',
  policyArns: 'm',
  tags: 't',
  transitiveTagKeys: 'x',
  sourceIdentity: 'd',
  roleChained: 'c',
  sourcePrincipalArn: 'b',
  deliveryContext: 'k',
  sessionType: 'y',
  mfaAuthenticatedAt: 'f',
} as const satisfies Record<keyof SessionClaims, string>;

type WireClaims = Record<string, unknown>;

const WIRE_FIELDS = new Set<string>(Object.values(FIELD));

/**
 * Throws `ValidationError` unless `claims` is well formed: the minter's bug surfaces at issue time,
 * not as an unusable token later. Messages name the field, never its value.
 */
export function checkSessionClaims(claims: SessionClaims): void {
  const fail = (field: string, rule: string): never => {
    throw new ValidationError(`Session claim ${field} ${rule}`);
  };
  if (typeof claims !== 'object' || claims === null) fail('set', 'must be an object');
  if (typeof claims.accountId !== 'string' || !/^\d{12}$/.test(claims.accountId)) {
    fail('accountId', 'must be 12 digits');
  }
  for (const field of ['roleArn', 'roleId', 'roleName', 'roleSessionName'] as const) {
    if (!isNonEmptyString(claims[field])) fail(field, 'must be a non-empty string');
  }
  if (!Number.isSafeInteger(claims.issuedAt) || claims.issuedAt < 0)
    fail('issuedAt', 'must be epoch seconds');
  if (!Number.isSafeInteger(claims.expiresAt) || claims.expiresAt <= claims.issuedAt) {
    fail('expiresAt', 'must be epoch seconds after issuedAt');
  }
  for (const field of ['sessionPolicy', 'sourceIdentity', 'sourcePrincipalArn'] as const) {
    if (claims[field] !== undefined && typeof claims[field] !== 'string') fail(field, 'must be a string');
  }
  for (const field of ['policyArns', 'transitiveTagKeys'] as const) {
    if (claims[field] !== undefined && !isStringList(claims[field])) fail(field, 'must be a list of strings');
  }
  if (claims.sessionType !== undefined && claims.sessionType !== 'user')
    fail('sessionType', "must be 'user'");
  if (
    claims.mfaAuthenticatedAt !== undefined &&
    (!Number.isSafeInteger(claims.mfaAuthenticatedAt) || claims.mfaAuthenticatedAt < 0)
  ) {
    fail('mfaAuthenticatedAt', 'must be epoch seconds');
  }
  if (claims.roleChained !== undefined && typeof claims.roleChained !== 'boolean') {
    fail('roleChained', 'must be a boolean');
  }
  if (claims.tags !== undefined) {
    const ok =
      Array.isArray(claims.tags) &&
      claims.tags.every(
        (tag: unknown) =>
          typeof tag === 'object' &&
          tag !== null &&
          typeof (tag as SessionTag).key === 'string' &&
          typeof (tag as SessionTag).value === 'string',
      );
    if (!ok) fail('tags', 'must be a list of { key, value } strings');
  }
  const context: unknown = claims.deliveryContext;
  if (context !== undefined) {
    const ok =
      typeof context === 'object' &&
      context !== null &&
      !Array.isArray(context) &&
      Object.values(context).every((v) => typeof v === 'string' || isStringList(v));
    if (!ok) fail('deliveryContext', 'must map condition keys to a string or a list of strings');
  }
}

/** The compact JSON of already-checked claims. Absent and empty optional fields are left out. */
export function encodeSessionClaims(claims: SessionClaims): string {
  const wire: WireClaims = {
    [FIELD.accountId]: claims.accountId,
    [FIELD.roleArn]: claims.roleArn,
    [FIELD.roleId]: claims.roleId,
    [FIELD.roleName]: claims.roleName,
    [FIELD.roleSessionName]: claims.roleSessionName,
    [FIELD.issuedAt]: claims.issuedAt,
    [FIELD.expiresAt]: claims.expiresAt,
  };
  if (claims.sessionPolicy !== undefined) wire[FIELD.sessionPolicy] = claims.sessionPolicy;
  if (claims.policyArns?.length) wire[FIELD.policyArns] = claims.policyArns;
  if (claims.tags?.length) wire[FIELD.tags] = claims.tags.map((tag) => [tag.key, tag.value]);
  if (claims.transitiveTagKeys?.length) wire[FIELD.transitiveTagKeys] = claims.transitiveTagKeys;
  if (claims.sourceIdentity !== undefined) wire[FIELD.sourceIdentity] = claims.sourceIdentity;
  if (claims.roleChained === true) wire[FIELD.roleChained] = 1;
  if (claims.sessionType === 'user') wire[FIELD.sessionType] = 'user';
  if (claims.mfaAuthenticatedAt !== undefined) wire[FIELD.mfaAuthenticatedAt] = claims.mfaAuthenticatedAt;
  if (claims.sourcePrincipalArn !== undefined) wire[FIELD.sourcePrincipalArn] = claims.sourcePrincipalArn;
  if (claims.deliveryContext !== undefined && Object.keys(claims.deliveryContext).length > 0) {
    wire[FIELD.deliveryContext] = claims.deliveryContext;
  }
  return JSON.stringify(wire);
}

/**
 * The claims in `json`, or `undefined` when it is not exactly what `encodeSessionClaims` writes.
 * The text was authenticated before it got here; the strictness guards against a token sealed by
 * a newer version whose extra fields this version would otherwise silently ignore.
 */
export function decodeSessionClaims(json: string): SessionClaims | undefined {
  let wire: unknown;
  try {
    wire = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) return undefined;
  const w = wire as WireClaims;
  for (const name of Object.keys(w)) if (!WIRE_FIELDS.has(name)) return undefined;

  const tags = w[FIELD.tags];
  let decodedTags: SessionTag[] | undefined;
  if (tags !== undefined) {
    if (!Array.isArray(tags)) return undefined;
    decodedTags = [];
    for (const pair of tags as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) return undefined;
      const [key, value] = pair as unknown[];
      if (typeof key !== 'string' || typeof value !== 'string') return undefined;
      decodedTags.push({ key, value });
    }
  }
  const chained = w[FIELD.roleChained];
  if (chained !== undefined && chained !== 1) return undefined;
  const context = w[FIELD.deliveryContext];

  const claims: SessionClaims = {
    accountId: w[FIELD.accountId] as string,
    roleArn: w[FIELD.roleArn] as string,
    roleId: w[FIELD.roleId] as string,
    roleName: w[FIELD.roleName] as string,
    roleSessionName: w[FIELD.roleSessionName] as string,
    issuedAt: w[FIELD.issuedAt] as number,
    expiresAt: w[FIELD.expiresAt] as number,
    ...optional('sessionPolicy', w[FIELD.sessionPolicy]),
    ...optional('policyArns', w[FIELD.policyArns]),
    ...optional('tags', decodedTags),
    ...optional('transitiveTagKeys', w[FIELD.transitiveTagKeys]),
    ...optional('sourceIdentity', w[FIELD.sourceIdentity]),
    ...optional('roleChained', chained === 1 ? true : undefined),
    ...optional('sourcePrincipalArn', w[FIELD.sourcePrincipalArn]),
    ...optional('sessionType', w[FIELD.sessionType]),
    ...optional('mfaAuthenticatedAt', w[FIELD.mfaAuthenticatedAt]),
    // fromEntries defines own properties, so a "__proto__" condition key stays a plain key.
    ...optional(
      'deliveryContext',
      context !== null && typeof context === 'object' && !Array.isArray(context)
        ? Object.fromEntries(Object.entries(context))
        : context,
    ),
  } as SessionClaims;
  try {
    checkSessionClaims(claims);
  } catch {
    return undefined;
  }
  return claims;
}

function optional<K extends string>(name: K, value: unknown): Partial<Record<K, unknown>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, unknown>);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
