import { describe, expect, it } from 'vitest';
import { ValidationError, type AwsError } from '../errors.js';
import {
  assertValid,
  checkPath,
  checkRoleName,
  validateDescription,
  validateInstanceProfileName,
  validateMaxSessionDuration,
  validatePath,
  validatePathPrefix,
  validatePolicyName,
  validateRoleName,
  validateRoleSessionName,
  validateTags,
} from './names.js';

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ValidationError');
}

describe('role names', () => {
  it('accepts 1..64 characters of [\\w+=,.@-]', () => {
    expect(() => validateRoleName('a')).not.toThrow();
    expect(() => validateRoleName('Deploy_Role+1=2,3.4@5-6')).not.toThrow();
    expect(() => validateRoleName('x'.repeat(64))).not.toThrow();
  });

  it('reports a bad character with IAM’s exact message', () => {
    expect(messageOf(() => validateRoleName('x y'))).toBe(
      "1 validation error detected: Value 'x y' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
  });

  it('reports length limits', () => {
    expect(messageOf(() => validateRoleName('x'.repeat(65)))).toBe(
      `1 validation error detected: Value '${'x'.repeat(65)}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
    expect(messageOf(() => validateRoleName(''))).toBe(
      "2 validation errors detected: Value '' at 'roleName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
  });

  it('reports a missing value as null', () => {
    expect(messageOf(() => validateRoleName(undefined))).toBe(
      "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null",
    );
  });

  it('rejects non-ASCII word characters that Java’s \\w would not accept', () => {
    expect(() => validateRoleName('rôle')).toThrow(ValidationError);
  });
});

describe('paths', () => {
  it.each(['/', '/a/', '/service-role/ci/', '/a!~/'])('accepts %j', (p) => {
    expect(() => validatePath(p)).not.toThrow();
  });
  it.each(['', 'a/', '/a', '//', '/a b/', '/é/'])('rejects %j', (p) => {
    expect(() => validatePath(p)).toThrow(ValidationError);
  });
  it('limits paths to 512 characters', () => {
    expect(() => validatePath(`/${'a'.repeat(510)}/`)).not.toThrow();
    expect(messageOf(() => validatePath(`/${'a'.repeat(511)}/`))).toContain(
      'Member must have length less than or equal to 512',
    );
  });
  it('accepts path prefixes without the closing slash', () => {
    expect(() => validatePathPrefix('/serv')).not.toThrow();
    expect(() => validatePathPrefix('serv')).toThrow(ValidationError);
  });
});

describe('policy, instance profile and session names', () => {
  it('allows policy and profile names up to 128', () => {
    expect(() => validatePolicyName('p'.repeat(128))).not.toThrow();
    expect(messageOf(() => validatePolicyName('p'.repeat(129)))).toContain("at 'policyName'");
    expect(() => validateInstanceProfileName('i'.repeat(128))).not.toThrow();
    expect(() => validateInstanceProfileName('a/b')).toThrow(ValidationError);
  });

  it('requires session names of 2..64', () => {
    expect(() => validateRoleSessionName('ab')).not.toThrow();
    expect(() => validateRoleSessionName('s'.repeat(64))).not.toThrow();
    expect(messageOf(() => validateRoleSessionName('a'))).toBe(
      "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
    );
    expect(messageOf(() => validateRoleSessionName('a b'))).toContain('pattern: [\\w+=,.@-]*');
  });

  it('checks descriptions', () => {
    expect(() => validateDescription('Role for CI, “quoted”? no: Latin-1 only é')).toThrow(ValidationError);
    expect(() => validateDescription('Role for CI\té')).not.toThrow();
  });
});

describe('MaxSessionDuration', () => {
  it('accepts 3600..43200', () => {
    expect(() => validateMaxSessionDuration(3600)).not.toThrow();
    expect(() => validateMaxSessionDuration(43200)).not.toThrow();
  });
  it('reports out-of-range values as IAM does', () => {
    expect(messageOf(() => validateMaxSessionDuration(3599))).toBe(
      "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
    );
    expect(messageOf(() => validateMaxSessionDuration(43201))).toContain('less than or equal to 43200');
    expect(() => validateMaxSessionDuration(3600.5)).toThrow(ValidationError);
  });
});

describe('tags', () => {
  it('accepts letters, spaces, digits and _.:/=+-@ in keys and values', () => {
    expect(() =>
      validateTags(
        [
          { key: 'Cost Center:é/1', value: '' },
          { key: 'k', value: 'a=b+c@d' },
        ],
        { caseInsensitiveKeys: true },
      ),
    ).not.toThrow();
  });

  it('reports tag fields 1-based, as IAM names them', () => {
    expect(
      messageOf(() =>
        validateTags(
          [
            { key: 'ok', value: 'v' },
            { key: 'bad!', value: 'v' },
          ],
          { caseInsensitiveKeys: true },
        ),
      ),
    ).toBe(
      "1 validation error detected: Value 'bad!' at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
    );
    expect(
      messageOf(() => validateTags([{ key: 'k', value: 'v'.repeat(257) }], { caseInsensitiveKeys: true })),
    ).toContain(
      "at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
    expect(
      messageOf(() => validateTags([{ key: 'k'.repeat(129), value: '' }], { caseInsensitiveKeys: true })),
    ).toContain('less than or equal to 128');
  });

  it('allows at most 50 tags', () => {
    const tags = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' }));
    expect(messageOf(() => validateTags(tags, { caseInsensitiveKeys: true }))).toContain(
      'less than or equal to 50',
    );
    expect(() => validateTags(tags.slice(1), { caseInsensitiveKeys: true })).not.toThrow();
  });

  it('reserves the aws: prefix and rejects duplicate keys with InvalidInput', () => {
    const reserved = (() => {
      try {
        validateTags([{ key: 'AWS:cloudformation', value: 'x' }], { caseInsensitiveKeys: true });
      } catch (error) {
        return error as AwsError;
      }
      return undefined;
    })();
    expect(reserved?.code).toBe('InvalidInput');
    expect(reserved?.status).toBe(400);
    const dup = [
      { key: 'Team', value: 'a' },
      { key: 'team', value: 'b' },
    ];
    expect(() => validateTags(dup, { caseInsensitiveKeys: true })).toThrow(/Tag keys are case insensitive/);
    expect(() => validateTags(dup, { caseInsensitiveKeys: false })).not.toThrow();
  });
});

describe('assertValid', () => {
  it('reports several parameters in one error', () => {
    expect(messageOf(() => assertValid(checkRoleName('a b'), checkPath('x')))).toMatch(
      /^2 validation errors detected: Value 'a b' at 'roleName' .*; Value 'x' at 'path' /,
    );
    expect(() => assertValid(checkRoleName('ok'), checkPath('/'))).not.toThrow();
  });

  it('cuts very long echoed values', () => {
    const message = messageOf(() => validateRoleName('!'.repeat(10_000)));
    expect(message.length).toBeLessThan(500);
  });
});
