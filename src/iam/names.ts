/**
 * IAM's input constraints for names, paths, durations and tags, reported the way IAM reports them:
 *
 *   1 validation error detected: Value 'x y' at 'roleName' failed to satisfy constraint:
 *   Member must satisfy regular expression pattern: [\w+=,.@-]+
 *
 * Each `check*` function returns the violations it finds (so several parameters can be checked
 * and reported together, as IAM does); each `validate*` function throws a `ValidationError` at once.
 * Lengths are counted in UTF-16 code units, as IAM's Java services count them.
 */
import { ValidationError } from '../errors.js';
import { InvalidInputError } from './errors.js';
import type { Tag } from './types.js';

/** One broken constraint on one parameter. */
export interface Violation {
  /** The parameter name as IAM spells it in messages (`roleName`, `path`, `tags.1.member.key`). */
  field: string;
  value: unknown;
  /** The text after `Member must ...`, e.g. `have length less than or equal to 64`. */
  constraint: string;
  /**
   * The value is a secret (an MFA code): the message shows `******` in its place, as STS does for
   * `TokenCode`, since error messages are returned, logged and kept in the access log.
   */
  secret?: boolean;
}

/** The pattern texts IAM prints in its messages (Java regex syntax, shown verbatim). */
export const PATTERNS = {
  name: '[\\w+=,.@-]+',
  sessionName: '[\\w+=,.@-]*',
  path: '(\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)',
  pathPrefix: '\\u002F[\\u0021-\\u007F]*',
  description: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
  tagKey: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
  tagValue: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*',
} as const;

const NAME_RE = /^[\w+=,.@-]+$/;
const SESSION_NAME_RE = /^[\w+=,.@-]*$/;
const PATH_RE = /^(?:\/|\/[\u0021-\u007F]+\/)$/;
const PATH_PREFIX_RE = /^\/[\u0021-\u007F]*$/;
/** Tab, LF, CR, printable ASCII and Latin-1 printables; a loop, since the rule is about control characters. */
const DESCRIPTION_RE = {
  test(value: string): boolean {
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      const ok =
        c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0x7e) || (c >= 0xa1 && c <= 0xff);
      if (!ok) return false;
    }
    return true;
  },
};
const TAG_KEY_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE_RE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Limits IAM enforces on these inputs. */
export const NAME_LIMITS = {
  roleName: 64,
  policyName: 128,
  instanceProfileName: 128,
  path: 512,
  sessionName: { min: 2, max: 64 },
  description: 1000,
  maxSessionDuration: { min: 3600, max: 43200 },
  tags: 50,
  tagKey: 128,
  tagValue: 256,
} as const;

/** Values echoed in messages are cut here: user input can be large, and IAM's echo adds nothing past it. */
const MAX_ECHO = 256;

function echo(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}...` : text;
}

function describeViolation(v: Violation): string {
  const value =
    v.value === null || v.value === undefined
      ? 'null'
      : v.secret === true
        ? "'******'"
        : `'${echo(v.value)}'`;
  return `Value ${value} at '${v.field}' failed to satisfy constraint: Member must ${v.constraint}`;
}

/**
 * Builds IAM's `ValidationError` for a list of violations.
 *
 * @example
 * throw validationError([{ field: 'roleName', value: '', constraint: 'have length greater than or equal to 1' }]);
 */
export function validationError(violations: readonly Violation[]): ValidationError {
  const n = violations.length;
  const head = `${n} validation error${n === 1 ? '' : 's'} detected: `;
  return new ValidationError(head + violations.map(describeViolation).join('; '));
}

/**
 * Throws one `ValidationError` listing every violation in the given groups, or returns.
 *
 * @example
 * assertValid(checkRoleName(name), checkPath(path), checkMaxSessionDuration(seconds));
 */
export function assertValid(...groups: readonly Violation[][]): void {
  const all = groups.flat();
  if (all.length > 0) throw validationError(all);
}

function checkString(
  value: unknown,
  field: string,
  min: number,
  max: number,
  re: { test(value: string): boolean },
  pattern: string,
): Violation[] {
  if (typeof value !== 'string') {
    return [{ field, value, constraint: 'not be null' }];
  }
  const out: Violation[] = [];
  if (value.length < min)
    out.push({ field, value, constraint: `have length greater than or equal to ${min}` });
  if (value.length > max) out.push({ field, value, constraint: `have length less than or equal to ${max}` });
  // Very long input is already rejected; skipping the regex keeps the work bounded.
  if (value.length <= max && !re.test(value)) {
    out.push({ field, value, constraint: `satisfy regular expression pattern: ${pattern}` });
  }
  return out;
}

/** Role names: 1..64 characters of `[\w+=,.@-]`. */
export function checkRoleName(value: unknown, field = 'roleName'): Violation[] {
  return checkString(value, field, 1, NAME_LIMITS.roleName, NAME_RE, PATTERNS.name);
}

/** Managed and inline policy names: 1..128 characters of `[\w+=,.@-]`. */
export function checkPolicyName(value: unknown, field = 'policyName'): Violation[] {
  return checkString(value, field, 1, NAME_LIMITS.policyName, NAME_RE, PATTERNS.name);
}

/** Instance profile names: 1..128 characters of `[\w+=,.@-]`. */
export function checkInstanceProfileName(value: unknown, field = 'instanceProfileName'): Violation[] {
  return checkString(value, field, 1, NAME_LIMITS.instanceProfileName, NAME_RE, PATTERNS.name);
}

/** Paths: `/` or `/segment/.../` of printable ASCII, up to 512 characters. */
export function checkPath(value: unknown, field = 'path'): Violation[] {
  return checkString(value, field, 1, NAME_LIMITS.path, PATH_RE, PATTERNS.path);
}

/** Path prefixes for list operations: `/` followed by printable ASCII, up to 512 characters. */
export function checkPathPrefix(value: unknown, field = 'pathPrefix'): Violation[] {
  return checkString(value, field, 1, NAME_LIMITS.path, PATH_PREFIX_RE, PATTERNS.pathPrefix);
}

/** `RoleSessionName`: 2..64 characters of `[\w+=,.@-]`. */
export function checkRoleSessionName(value: unknown, field = 'roleSessionName'): Violation[] {
  const { min, max } = NAME_LIMITS.sessionName;
  return checkString(value, field, min, max, SESSION_NAME_RE, PATTERNS.sessionName);
}

/** Role and policy descriptions: up to 1000 characters of tab, newlines and Latin-1 printables. */
export function checkDescription(value: unknown, field = 'description'): Violation[] {
  return checkString(value, field, 0, NAME_LIMITS.description, DESCRIPTION_RE, PATTERNS.description);
}

/** `MaxSessionDuration`: whole seconds in 3600..43200. */
export function checkMaxSessionDuration(value: unknown, field = 'maxSessionDuration'): Violation[] {
  const { min, max } = NAME_LIMITS.maxSessionDuration;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return [{ field, value, constraint: 'be an integer' }];
  }
  if (value < min) return [{ field, value, constraint: `have value greater than or equal to ${min}` }];
  if (value > max) return [{ field, value, constraint: `have value less than or equal to ${max}` }];
  return [];
}

/**
 * Tags: at most 50; keys 1..128 and values 0..256 of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`. Fields are
 * named as IAM names them (`tags.1.member.key`, 1-based).
 */
export function checkTags(tags: readonly Tag[], field = 'tags'): Violation[] {
  const out: Violation[] = [];
  if (tags.length > NAME_LIMITS.tags) {
    out.push({
      field,
      value: `${tags.length} tags`,
      constraint: `have length less than or equal to ${NAME_LIMITS.tags}`,
    });
    return out;
  }
  tags.forEach((tag, i) => {
    const at = `${field}.${i + 1}.member`;
    out.push(...checkString(tag.key, `${at}.key`, 1, NAME_LIMITS.tagKey, TAG_KEY_RE, PATTERNS.tagKey));
    out.push(
      ...checkString(tag.value, `${at}.value`, 0, NAME_LIMITS.tagValue, TAG_VALUE_RE, PATTERNS.tagValue),
    );
  });
  return out;
}

/**
 * Tag key prefixes no caller may set or remove, compared without case. `aws:` is IAM's own. `credplane:`
 * is credplane's, as `aws:cloudformation:*` is CloudFormation's: a stack owns the records that carry
 * its `credplane:stack` tags (`stacks/ownership.ts`) and an apply deletes the ones it owns that
 * its template dropped, so a caller allowed only `iam:TagRole` must not be able to hand someone
 * else's role to a stack, nor take one away from it.
 */
export const RESERVED_TAG_PREFIXES = ['aws:', 'credplane:'] as const;

/** `InvalidInput` when a tag key to set or remove starts with a reserved prefix (IAM's wording for `aws:`). */
export function assertTagKeyNotReserved(key: string): void {
  const lower = key.toLowerCase();
  for (const prefix of RESERVED_TAG_PREFIXES) {
    if (lower.startsWith(prefix))
      throw new InvalidInputError(`User-defined tag keys can't start with '${prefix}'.`);
  }
}

/**
 * The rules on a tag set that IAM reports as `InvalidInput` rather than `ValidationError`: keys
 * that start with a reserved prefix, and duplicate keys. `caseInsensitiveKeys` is true
 * for roles (and users), whose tag keys IAM compares without case.
 */
export function assertTagKeysAllowed(tags: readonly Tag[], caseInsensitiveKeys: boolean): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    assertTagKeyNotReserved(tag.key);
    const k = caseInsensitiveKeys ? tag.key.toLowerCase() : tag.key;
    if (seen.has(k)) {
      throw new InvalidInputError(
        caseInsensitiveKeys
          ? 'Duplicate tag keys found. Please note that Tag keys are case insensitive.'
          : 'Duplicate tag keys found.',
      );
    }
    seen.add(k);
  }
}

function validator(check: (value: unknown, field?: string) => Violation[]) {
  return (value: unknown, field?: string): void => assertValid(check(value, field));
}

/**
 * Throws IAM's `ValidationError` when `value` is not a valid role name.
 *
 * @example
 * validateRoleName('deployer'); // ok
 * validateRoleName('a b'); // ValidationError: ... at 'roleName' ... pattern: [\w+=,.@-]+
 */
export const validateRoleName = validator(checkRoleName);
/** Throws when `value` is not a valid managed or inline policy name. @example validatePolicyName('ReadLogs') */
export const validatePolicyName = validator(checkPolicyName);
/** Throws when `value` is not a valid instance profile name. @example validateInstanceProfileName('web') */
export const validateInstanceProfileName = validator(checkInstanceProfileName);
/** Throws when `value` is not a valid IAM path. @example validatePath('/service-role/') */
export const validatePath = validator(checkPath);
/** Throws when `value` is not a valid path prefix. @example validatePathPrefix('/service') */
export const validatePathPrefix = validator(checkPathPrefix);
/** Throws when `value` is not a valid `RoleSessionName`. @example validateRoleSessionName('ci-run') */
export const validateRoleSessionName = validator(checkRoleSessionName);
/** Throws when `value` is not a valid description. @example validateDescription('CI deploy role') */
export const validateDescription = validator(checkDescription);
/** Throws when `value` is not 3600..43200. @example validateMaxSessionDuration(7200) */
export const validateMaxSessionDuration = validator(checkMaxSessionDuration);

/**
 * Throws `ValidationError` or `InvalidInput` when a tag set breaks IAM's rules.
 *
 * @example
 * validateTags([{ key: 'team', value: 'payments' }], { caseInsensitiveKeys: true });
 */
export function validateTags(
  tags: readonly Tag[],
  options: { caseInsensitiveKeys: boolean; field?: string },
): void {
  assertValid(checkTags(tags, options.field));
  assertTagKeysAllowed(tags, options.caseInsensitiveKeys);
}
