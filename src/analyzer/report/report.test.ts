import { describe, expect, it } from 'vitest';
import type { Finding } from '../findings.js';
import { exitCodeFor, parseFailOn, renderFindings } from './index.js';
import { fileUri } from './sarif.js';

const policyFinding: Finding = {
  code: 'PASS_ROLE_WITH_STAR_IN_RESOURCE',
  severity: 'SECURITY_WARNING',
  category: 'policy',
  title: 'Pass role with star in resource',
  message: 'This statement allows iam:PassRole on every resource.',
  subject: { kind: 'role', name: 'AppRole' },
  location: {
    policy: 'AppRole/deploy',
    path: 'Statement[0].Action',
    line: 32,
    column: 26,
    file: 'stacks/app stack.yaml',
  },
};
const suggestion: Finding = {
  code: 'REDUNDANT_ACTION',
  severity: 'SUGGESTION',
  category: 'policy',
  title: 'Redundant action',
  message: '"s3:GetObject" is redundant.',
  subject: { kind: 'role', name: 'AppRole' },
  location: {
    policy: 'AppRole/deploy',
    path: 'Statement[1].Action[0]',
    line: 40,
    column: 9,
    file: 'stacks/app stack.yaml',
  },
};
const postureFinding: Finding = {
  code: 'IMDSV1_ALLOWED',
  severity: 'WARNING',
  category: 'posture',
  title: 'Instance allows IMDSv1',
  message: 'Instance i-0123 accepts IMDSv1 requests.',
  subject: { kind: 'instance', name: 'i-0123', arn: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123' },
};
const error: Finding = {
  code: 'INVALID_ACTION',
  severity: 'ERROR',
  category: 'policy',
  title: 'Invalid action',
  message: 'The action "s3:GetObjekt" does not exist.',
  subject: { kind: 'policy', name: 'policy.json' },
  location: { path: 'Statement[0].Action', line: 5, column: 15 },
};
const ALL = [error, policyFinding, suggestion, postureFinding];

describe('text', () => {
  it('groups by subject, orders by severity and counts', () => {
    const text = renderFindings([suggestion, postureFinding, policyFinding, error], 'text');
    expect(text).not.toContain('\u001b[');
    const lines = text.split('\n');
    expect(lines[0]).toBe('role AppRole');
    expect(lines[1]).toMatch(
      /^ {2}security +PASS_ROLE_WITH_STAR_IN_RESOURCE {2}stacks\/app stack\.yaml:32:26 AppRole\/deploy Statement\[0\]\.Action$/,
    );
    expect(lines[3]).toMatch(/^ {2}suggestion REDUNDANT_ACTION/);
    expect(text).toContain('instance i-0123\n  warning    IMDSV1_ALLOWED\n');
    expect(text).toContain(
      'policy policy.json\n  error      INVALID_ACTION  line 5, column 15 Statement[0].Action\n',
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      '4 findings (1 error, 1 security, 1 warning, 1 suggestion) in 3 subjects.',
    );
  });

  it('colours only when asked', () => {
    expect(renderFindings([error], 'text', { color: true })).toContain('\u001b[31merror');
    expect(renderFindings([], 'text')).toBe('No findings.\n');
  });
});

describe('json', () => {
  it('has findings and a summary', () => {
    const out = JSON.parse(renderFindings(ALL, 'json')) as {
      findings: Finding[];
      summary: Record<string, unknown>;
    };
    expect(out.findings).toEqual(ALL);
    expect(out.summary).toEqual({
      total: 4,
      bySeverity: { ERROR: 1, SECURITY_WARNING: 1, WARNING: 1, SUGGESTION: 1 },
      byCategory: { policy: 3, posture: 1, unused: 0, escalation: 0 },
      subjects: 3,
    });
  });
});

/**
 * The parts of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) that apply to what we
 * emit: required properties, enums, minimums, and `additionalProperties: false` on these objects.
 */
function checkSarif(log: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const only = (
    where: string,
    value: unknown,
    allowed: string[],
    required: string[] = [],
  ): Record<string, unknown> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${where}: not an object`);
      return {};
    }
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!allowed.includes(k)) problems.push(`${where}.${k}: not allowed`);
    for (const k of required) if (!(k in o)) problems.push(`${where}.${k}: required`);
    return o;
  };
  const message = (where: string, v: unknown): void => {
    const m = only(where, v, ['text', 'markdown', 'id', 'arguments', 'properties']);
    if (typeof m['text'] !== 'string') problems.push(`${where}.text: string required`);
  };
  const levels = ['none', 'note', 'warning', 'error'];
  const root = only(
    'log',
    log,
    ['$schema', 'version', 'runs', 'inlineExternalProperties', 'properties'],
    ['version', 'runs'],
  );
  if (root['version'] !== '2.1.0') problems.push('version must be 2.1.0');
  const runs = root['runs'] as unknown[];
  runs.forEach((r, i) => {
    const run = only(
      `runs[${i}]`,
      r,
      ['tool', 'results', 'columnKind', 'properties', 'artifacts', 'invocations'],
      ['tool'],
    );
    if (!['utf16CodeUnits', 'unicodeCodePoints'].includes(String(run['columnKind'])))
      problems.push('columnKind');
    const tool = only('tool', run['tool'], ['driver', 'extensions', 'properties'], ['driver']);
    const driver = only(
      'driver',
      tool['driver'],
      ['name', 'version', 'semanticVersion', 'informationUri', 'rules', 'fullName', 'organization'],
      ['name'],
    );
    if (typeof driver['informationUri'] === 'string' && !/^https?:\/\//.test(driver['informationUri']))
      problems.push('informationUri: uri');
    const rules = (driver['rules'] ?? []) as unknown[];
    const ids = new Set<string>();
    rules.forEach((ru, j) => {
      const rule = only(
        `rules[${j}]`,
        ru,
        [
          'id',
          'name',
          'shortDescription',
          'fullDescription',
          'defaultConfiguration',
          'helpUri',
          'help',
          'properties',
        ],
        ['id'],
      );
      if (ids.has(String(rule['id']))) problems.push(`rules[${j}]: duplicate id`);
      ids.add(String(rule['id']));
      message(`rules[${j}].shortDescription`, rule['shortDescription']);
      if (rule['fullDescription'] !== undefined)
        message(`rules[${j}].fullDescription`, rule['fullDescription']);
      const config = only(`rules[${j}].defaultConfiguration`, rule['defaultConfiguration'], [
        'enabled',
        'level',
        'rank',
        'parameters',
        'properties',
      ]);
      if (!levels.includes(String(config['level']))) problems.push(`rules[${j}].level`);
    });
    ((run['results'] ?? []) as unknown[]).forEach((re, j) => {
      const result = only(
        `results[${j}]`,
        re,
        ['ruleId', 'ruleIndex', 'level', 'message', 'locations', 'properties'],
        ['message'],
      );
      message(`results[${j}].message`, result['message']);
      if (!levels.includes(String(result['level']))) problems.push(`results[${j}].level`);
      const index = result['ruleIndex'] as number;
      if ((rules[index] as { id?: string } | undefined)?.id !== result['ruleId'])
        problems.push(`results[${j}].ruleIndex`);
      ((result['locations'] ?? []) as unknown[]).forEach((lo, k) => {
        const loc = only(`results[${j}].locations[${k}]`, lo, [
          'id',
          'physicalLocation',
          'logicalLocations',
          'message',
          'annotations',
          'relationships',
          'properties',
        ]);
        if (loc['physicalLocation'] !== undefined) {
          const phys = only('physicalLocation', loc['physicalLocation'], [
            'address',
            'artifactLocation',
            'region',
            'contextRegion',
            'properties',
          ]);
          const art = only('artifactLocation', phys['artifactLocation'], [
            'uri',
            'uriBaseId',
            'index',
            'description',
            'properties',
          ]);
          if (typeof art['uri'] !== 'string' || /[\s\\]/.test(art['uri']))
            problems.push('artifactLocation.uri');
          if (phys['region'] !== undefined) {
            const region = only('region', phys['region'], [
              'startLine',
              'startColumn',
              'endLine',
              'endColumn',
              'charOffset',
              'charLength',
              'snippet',
              'message',
              'sourceLanguage',
              'properties',
            ]);
            if (!(Number.isInteger(region['startLine']) && (region['startLine'] as number) >= 1))
              problems.push('startLine');
            if (!(Number.isInteger(region['startColumn']) && (region['startColumn'] as number) >= 1))
              problems.push('startColumn');
          }
        }
        ((loc['logicalLocations'] ?? []) as unknown[]).forEach((ll) => {
          only('logicalLocation', ll, [
            'name',
            'index',
            'fullyQualifiedName',
            'decoratedName',
            'parentIndex',
            'kind',
            'properties',
          ]);
        });
      });
    });
  });
  return problems;
}

interface SarifRule {
  id: string;
  defaultConfiguration: { level: string };
}
interface SarifResult {
  locations: { physicalLocation?: unknown; logicalLocations: { name: string }[] }[];
}
interface SarifLog {
  $schema: string;
  runs: { tool: { driver: { rules: SarifRule[] } }; results: SarifResult[] }[];
}

describe('sarif', () => {
  const text = renderFindings(ALL, 'sarif', { toolVersion: '0.1.0' });
  const log = JSON.parse(text) as SarifLog;
  const run = log.runs[0] as SarifLog['runs'][number];

  it('is a SARIF 2.1.0 log by the schema', () => {
    expect(checkSarif(JSON.parse(text) as Record<string, unknown>)).toEqual([]);
    expect(log.$schema).toBe(
      'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    );
    expect(run.tool.driver).toMatchObject({ name: 'credplane', version: '0.1.0' });
  });

  it('is checked by a validator that rejects what the schema rejects', () => {
    expect(
      checkSarif({
        version: '2.0.0',
        runs: [{ tool: { driver: {} }, columnKind: 'utf16CodeUnits', extra: 1 }],
      }),
    ).toEqual(['version must be 2.1.0', 'runs[0].extra: not allowed', 'driver.name: required']);
  });

  it('has one rule per code with its level and description', () => {
    const rules = run.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual([
      'INVALID_ACTION',
      'PASS_ROLE_WITH_STAR_IN_RESOURCE',
      'REDUNDANT_ACTION',
      'IMDSV1_ALLOWED',
    ]);
    expect(rules.map((r) => r.defaultConfiguration.level)).toEqual(['error', 'error', 'note', 'warning']);
    expect(rules[1]).toMatchObject({
      shortDescription: { text: 'Pass role with star in resource' },
      properties: { tags: ['policy', 'security'], 'security-severity': '8.0' },
    });
    expect(rules[3]).toMatchObject({ shortDescription: { text: 'Instance allows IMDSv1' } });
  });

  it('puts results on file lines, else on logical locations', () => {
    const results = run.results;
    expect(results[1]).toMatchObject({
      ruleId: 'PASS_ROLE_WITH_STAR_IN_RESOURCE',
      level: 'error',
      message: { text: policyFinding.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'stacks/app%20stack.yaml' },
            region: { startLine: 32, startColumn: 26 },
          },
        },
      ],
    });
    expect(results[0]?.locations[0]?.physicalLocation).toBeUndefined();
    expect(results[0]?.locations[0]?.logicalLocations[0]).toEqual({
      name: 'Statement[0].Action',
      fullyQualifiedName: 'policy/policy.json/Statement[0].Action',
      kind: 'resource',
    });
    expect(results[3]?.locations[0]?.logicalLocations[0]?.name).toBe('i-0123');
  });

  it('writes relative paths as URI references', () => {
    expect(fileUri('a\\b c#1.yaml')).toBe('a/b%20c%231.yaml');
  });
});

describe('exitCodeFor', () => {
  it('fails only at or above the threshold', () => {
    expect(exitCodeFor(ALL, 'ERROR')).toBe(1);
    expect(exitCodeFor([policyFinding, suggestion], 'ERROR')).toBe(0);
    expect(exitCodeFor([policyFinding, suggestion], 'SECURITY_WARNING')).toBe(1);
    expect(exitCodeFor([postureFinding, suggestion], 'SECURITY_WARNING')).toBe(0);
    expect(exitCodeFor([suggestion], 'SUGGESTION')).toBe(1);
    expect(exitCodeFor(ALL, 'none')).toBe(0);
    expect(exitCodeFor([], 'SUGGESTION')).toBe(0);
  });

  it('reads --fail-on values', () => {
    expect(parseFailOn('security_warning')).toBe('SECURITY_WARNING');
    expect(parseFailOn('security-warning')).toBe('SECURITY_WARNING');
    expect(parseFailOn('NONE')).toBe('none');
    expect(parseFailOn('fatal')).toBeUndefined();
  });
});
