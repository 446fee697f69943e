/**
 * STS's parameter constraints (botocore's sts service model and the AWS STS API Reference:
 * AssumeRole, AssumeRoleWithWebIdentity), checked before any work so bad input gets `ValidationError` with
 * the model's wording.
 */
import { AwsError, ValidationError } from '../errors.js';
import type { SessionTag } from '../crypto/index.js';
import type { QueryParams } from '../protocol/query.js';

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** `Policy` characters per the model: tab, LF, CR and U+0020..U+00FF. */
// eslint-disable-next-line no-control-regex -- the model allows tab, LF and CR in policy text
const POLICY_TEXT = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;

function constraint(value: string, member: string, rule: string): ValidationError {
  const shown = value.length > 64 ? `${value.slice(0, 64)}...` : value;
  return new ValidationError(
    `1 validation error detected: Value '${shown}' at '${member}' failed to satisfy constraint: ${rule}`,
  );
}

export function roleSessionName(params: QueryParams): string {
  const value = params.require('RoleSessionName');
  if (!SESSION_NAME.test(value)) {
    throw constraint(
      value,
      'roleSessionName',
      'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
    );
  }
  return value;
}

export function roleArn(params: QueryParams): string {
  const value = params.require('RoleArn');
  if (value.length < 20 || value.length > 2048) {
    throw constraint(value, 'roleArn', 'Member must have length between 20 and 2048');
  }
  return value;
}

/** `DurationSeconds` within `min..max` (the model's 900..43200 for AssumeRole). */
export function durationSeconds(params: QueryParams, fallback: number, min: number, max: number): number {
  const value = params.integer('DurationSeconds') ?? fallback;
  if (value < min || value > max) {
    throw constraint(
      String(value),
      'durationSeconds',
      `Member must have value ${value < min ? 'greater' : 'less'} than or equal to ${value < min ? min : max}`,
    );
  }
  return value;
}

export function externalId(params: QueryParams): string | undefined {
  const value = params.get('ExternalId');
  if (value === undefined) return undefined;
  if (!EXTERNAL_ID.test(value)) {
    throw constraint(value, 'externalId', 'Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*');
  }
  return value;
}

export function sourceIdentity(params: QueryParams): string | undefined {
  const value = params.get('SourceIdentity');
  if (value === undefined) return undefined;
  if (!SOURCE_IDENTITY.test(value)) {
    throw constraint(value, 'sourceIdentity', 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
  }
  return value;
}

/** The inline session policy text (`Policy`): 1..2048 characters of the allowed set. */
export function sessionPolicy(params: QueryParams): string | undefined {
  const value = params.get('Policy');
  if (value === undefined) return undefined;
  if (value.length > 2048) {
    throw new AwsError(
      'PackedPolicyTooLarge',
      'Packed policy consumes more than 100% of allotted space, please use smaller policy.',
      { status: 400 },
    );
  }
  if (!POLICY_TEXT.test(value)) {
    throw constraint(
      value,
      'policy',
      'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
    );
  }
  return value;
}

export function policyArns(params: QueryParams): string[] {
  const arns = params.structList('PolicyArns', ['arn']).map((entry) => entry.arn ?? '');
  if (arns.length > 10) {
    throw constraint(
      `[${arns.length} items]`,
      'policyArns',
      'Member must have length less than or equal to 10',
    );
  }
  for (const arn of arns) {
    if (arn.length < 20 || arn.length > 2048) {
      throw constraint(arn, 'policyArns.member.arn', 'Member must have length between 20 and 2048');
    }
  }
  return arns;
}

export function sessionTags(params: QueryParams): SessionTag[] {
  const tags = params
    .structList('Tags', ['Key', 'Value'])
    .map((t) => ({ key: t.Key ?? '', value: t.Value ?? '' }));
  if (tags.length > 50)
    throw constraint(`[${tags.length} items]`, 'tags', 'Member must have length less than or equal to 50');
  const seen = new Set<string>();
  for (const tag of tags) {
    if (tag.key.length < 1 || tag.key.length > 128 || !TAG_TEXT.test(tag.key)) {
      throw constraint(
        tag.key,
        'tags.member.key',
        'Member must have length between 1 and 128 and satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+',
      );
    }
    if (tag.value.length > 256 || !TAG_TEXT.test(tag.value)) {
      throw constraint(
        tag.value,
        'tags.member.value',
        'Member must have length less than or equal to 256 and satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*',
      );
    }
    // Session tag keys are case-insensitive; AWS refuses two spellings of one key.
    const lower = tag.key.toLowerCase();
    if (seen.has(lower))
      throw new AwsError(
        'InvalidParameterValue',
        `Duplicate tag keys found. Please note that Tag keys are case insensitive.`,
        { status: 400 },
      );
    seen.add(lower);
  }
  return tags;
}

export function transitiveTagKeys(params: QueryParams, tags: readonly SessionTag[]): string[] {
  const keys = params.list('TransitiveTagKeys');
  if (keys.length > 50)
    throw constraint(
      `[${keys.length} items]`,
      'transitiveTagKeys',
      'Member must have length less than or equal to 50',
    );
  const tagKeys = new Set(tags.map((t) => t.key.toLowerCase()));
  for (const key of keys) {
    if (!tagKeys.has(key.toLowerCase())) {
      throw new AwsError(
        'InvalidParameterValue',
        'The specified transitive tag key must be included in the requested tags.',
        { status: 400 },
      );
    }
  }
  return keys;
}
