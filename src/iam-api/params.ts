/**
 * Reading IAM's request parameters with IAM's constraints (botocore's `iam` model): every broken
 * constraint of one request is collected and reported together in one `ValidationError`, the way
 * IAM reports them ("2 validation errors detected: ...").
 */
import {
  assertTagKeysAllowed,
  assertValid,
  checkDescription,
  checkInstanceProfileName,
  checkMaxSessionDuration,
  checkPath,
  checkPathPrefix,
  checkPolicyName,
  checkRoleName,
  checkTags,
  type Violation,
} from '../iam/names.js';
import type { Tag } from '../iam/types.js';
import type { QueryParams } from '../protocol/query.js';
import type { ListOptions } from '../store/store.js';

type Check = (value: unknown, field: string) => Violation[];

interface TextRule {
  min: number;
  max: number;
  re?: RegExp;
  /** The pattern as IAM prints it. */
  pattern?: string;
}

/** Constraints of the model's string shapes that `src/iam/names.ts` does not cover. */
export const TEXT_RULES = {
  policyDocument: {
    min: 1,
    max: 131_072,
    re: /^[\t\n\r\u0020-\u00FF]+$/,
    pattern: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
  },
  arn: { min: 20, max: 2048 },
  marker: { min: 1, max: 320, re: /^[\u0020-\u00FF]+$/, pattern: '[\\u0020-\\u00FF]+' },
  policyPath: {
    min: 1,
    max: 512,
    re: /^(?:\/[A-Za-z0-9.,+@=_-]+)*\/$/,
    pattern: '((/[A-Za-z0-9\\.,\\+@=_-]+)*)/',
  },
  versionId: {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    re: /^v[1-9][0-9]*(?:\.[A-Za-z0-9-]*)?$/,
    pattern: 'v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?',
  },
  policyDescription: { min: 0, max: 1000 },
  url: { min: 1, max: 255 },
  clientId: { min: 1, max: 255 },
  thumbprint: { min: 40, max: 40 },
} satisfies Record<string, TextRule>;

/** One string against one rule; `undefined` is a missing required value. */
export function checkText(value: unknown, field: string, rule: TextRule): Violation[] {
  if (typeof value !== 'string') return [{ field, value, constraint: 'not be null' }];
  const out: Violation[] = [];
  if (value.length < rule.min) {
    out.push({ field, value, constraint: `have length greater than or equal to ${rule.min}` });
  }
  if (value.length > rule.max) {
    out.push({ field, value, constraint: `have length less than or equal to ${rule.max}` });
  }
  if (rule.re !== undefined && value.length <= rule.max && !rule.re.test(value)) {
    out.push({ field, value, constraint: `satisfy regular expression pattern: ${rule.pattern ?? ''}` });
  }
  return out;
}

const rule =
  (r: TextRule): Check =>
  (value, field) =>
    checkText(value, field, r);

/**
 * Reads one request's parameters, collecting constraint violations; `done()` throws them all as
 * one `ValidationError`. Values read before `done()` may be invalid and must not be used until it
 * has returned.
 *
 * @example
 * const input = new IamParams(params);
 * const roleName = input.roleName();
 * const path = input.path();
 * input.done();
 */
export class IamParams {
  private readonly violations: Violation[] = [];
  private readonly tagSets: { tags: Tag[]; caseInsensitiveKeys: boolean }[] = [];

  constructor(readonly params: QueryParams) {}

  /** A required string parameter; `''` when missing (the violation is recorded). */
  required(name: string, field: string, check: Check): string {
    const value = this.params.get(name);
    this.violations.push(...check(value, field));
    return value ?? '';
  }

  optional(name: string, field: string, check: Check): string | undefined {
    const value = this.params.get(name);
    if (value !== undefined) this.violations.push(...check(value, field));
    return value;
  }

  roleName(name = 'RoleName'): string {
    return this.required(name, 'roleName', checkRoleName);
  }

  policyName(name = 'PolicyName'): string {
    return this.required(name, 'policyName', checkPolicyName);
  }

  instanceProfileName(name = 'InstanceProfileName'): string {
    return this.required(name, 'instanceProfileName', checkInstanceProfileName);
  }

  /** A role or instance profile path: `/` or `/a/b/`. */
  path(name = 'Path'): string | undefined {
    return this.optional(name, 'path', checkPath);
  }

  /** `PathPrefix` of `ListRoles` and `ListInstanceProfiles`. */
  pathPrefix(name = 'PathPrefix'): string | undefined {
    return this.optional(name, 'pathPrefix', checkPathPrefix);
  }

  /** A managed policy path (stricter than a role path), also the `PathPrefix` of policy lists. */
  policyPath(name: string, field: string): string | undefined {
    return this.optional(name, field, rule(TEXT_RULES.policyPath));
  }

  policyDocument(name = 'PolicyDocument', field = 'policyDocument'): string {
    return this.required(name, field, rule(TEXT_RULES.policyDocument));
  }

  arn(name: string, field: string): string {
    return this.required(name, field, rule(TEXT_RULES.arn));
  }

  optionalArn(name: string, field: string): string | undefined {
    return this.optional(name, field, rule(TEXT_RULES.arn));
  }

  versionId(name = 'VersionId'): string {
    return this.required(name, 'versionId', rule(TEXT_RULES.versionId));
  }

  roleDescription(name = 'Description', required = false): string | undefined {
    return required
      ? this.required(name, 'description', checkDescription)
      : this.optional(name, 'description', checkDescription);
  }

  policyDescription(name = 'Description'): string | undefined {
    return this.optional(name, 'description', rule(TEXT_RULES.policyDescription));
  }

  text(name: string, field: string, r: TextRule): string {
    return this.required(name, field, rule(r));
  }

  maxSessionDuration(name = 'MaxSessionDuration'): number | undefined {
    const value = this.params.integer(name);
    if (value !== undefined) this.violations.push(...checkMaxSessionDuration(value));
    return value;
  }

  boolean(name: string): boolean | undefined {
    return this.params.boolean(name);
  }

  /** One of `values`, or the model's enum violation. */
  enumeration<T extends string>(name: string, field: string, values: readonly T[]): T | undefined {
    const value = this.params.get(name);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value)) {
      this.violations.push({ field, value, constraint: `satisfy enum value set: [${values.join(', ')}]` });
    }
    return value as T;
  }

  /** A `Name.member.N` string list, each member checked with `check` as `field.N.member`. */
  list(name: string, field: string, check: Check): string[] {
    const values = this.params.list(name);
    values.forEach((v, i) => this.violations.push(...check(v, `${field}.${i + 1}.member`)));
    return values;
  }

  /** True when the list parameter was sent at all (an empty list is sent as `Name=`). */
  sent(name: string): boolean {
    return (
      this.params.has(name) ||
      this.params.structList(name, ['Key']).length > 0 ||
      this.params.list(name).length > 0
    );
  }

  /** Records the model's "must not be null" for a required list that was not sent. */
  requireSent(name: string, field: string): void {
    if (!this.sent(name)) this.violations.push({ field, value: undefined, constraint: 'not be null' });
  }

  /** Records a violation found by the operation itself (list lengths, cross-field rules). */
  violation(v: Violation): void {
    this.violations.push(v);
  }

  /**
   * `Tags.member.N.Key/Value`, checked as IAM checks them; reserved (`aws:`) and duplicate keys
   * are reported by `done()` as `InvalidInput` after any `ValidationError`.
   */
  tags(name = 'Tags', caseInsensitiveKeys = false): Tag[] {
    const raw = this.params.structList(name, ['Key', 'Value']);
    const tags = raw.map((t) => ({ key: t.Key, value: t.Value }));
    this.violations.push(...checkTags(tags as Tag[], 'tags'));
    const clean = tags.map((t) => ({ key: t.key ?? '', value: t.value ?? '' }));
    this.tagSets.push({ tags: clean, caseInsensitiveKeys });
    return clean;
  }

  /** `Marker` and `MaxItems` of list operations. */
  paging(): ListOptions {
    const marker = this.optional('Marker', 'marker', rule(TEXT_RULES.marker));
    const maxItems = this.params.integer('MaxItems');
    if (maxItems !== undefined && maxItems < 1) {
      this.violations.push({
        field: 'maxItems',
        value: maxItems,
        constraint: 'have value greater than or equal to 1',
      });
    } else if (maxItems !== undefined && maxItems > 1000) {
      this.violations.push({
        field: 'maxItems',
        value: maxItems,
        constraint: 'have value less than or equal to 1000',
      });
    }
    return {
      ...(marker === undefined ? {} : { marker }),
      ...(maxItems === undefined ? {} : { maxItems }),
    };
  }

  /** Throws the collected violations, then the tag-key rules; returns when the input is valid. */
  done(): void {
    assertValid(this.violations);
    for (const set of this.tagSets) assertTagKeysAllowed(set.tags, set.caseInsensitiveKeys);
  }
}
