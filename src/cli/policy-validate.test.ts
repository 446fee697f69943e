import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isTemplate, registerPolicyValidate, validatePolicyFile } from './policy-validate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'credplane-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const passRole = write(
  'deploy.json',
  JSON.stringify(
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] },
    null,
    2,
  ),
);
const clean = write(
  'clean.json',
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
  }),
);
const trust = write(
  'trust.json',
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }],
  }),
);
const template = write(
  'stack.yaml',
  [
    'Resources:',
    '  R:',
    '    Type: AWS::IAM::ManagedPolicy',
    '    Properties:',
    '      PolicyDocument:',
    "        Version: '2012-10-17'",
    '        Statement:',
    '          - Effect: Allow',
    '            Action: s3:GetObjekt',
    "            Resource: '*'",
    '',
  ].join('\n'),
);

describe('validatePolicyFile', () => {
  it('passes a CI gate below the threshold and fails it at the threshold', async () => {
    expect((await validatePolicyFile(passRole, {})).exitCode).toBe(0);
    expect((await validatePolicyFile(passRole, { failOn: 'security_warning' })).exitCode).toBe(1);
    expect((await validatePolicyFile(clean, { failOn: 'suggestion' })).exitCode).toBe(0);
  });

  it('checks by --kind', async () => {
    const asTrust = await validatePolicyFile(trust, { kind: 'trust', format: 'json' });
    const codes = (JSON.parse(asTrust.stdout) as { findings: { code: string }[] }).findings.map(
      (f) => f.code,
    );
    expect(codes).toContain('ALLOW_ANY_PRINCIPAL_WITHOUT_CONDITION');
    const asIdentity = await validatePolicyFile(trust, { kind: 'identity', format: 'json' });
    expect(asIdentity.stdout).toContain('UNSUPPORTED_PRINCIPAL');
    expect(asIdentity.exitCode).toBe(1);
  });

  it('writes SARIF with the file relative to the working directory', async () => {
    const out = await validatePolicyFile(template, { format: 'sarif' }, { cwd: dir, toolVersion: '9.9.9' });
    const log = JSON.parse(out.stdout) as {
      runs: { tool: { driver: { version: string } }; results: unknown[] }[];
    };
    expect(log.runs[0]?.tool.driver.version).toBe('9.9.9');
    expect(log.runs[0]?.results[0]).toMatchObject({
      ruleId: 'INVALID_ACTION',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'stack.yaml' },
            region: { startLine: 9, startColumn: 13 },
          },
        },
      ],
    });
    expect(out.exitCode).toBe(1);
  });

  it('names the policy file in text reports', async () => {
    const out = await validatePolicyFile(passRole, { format: 'text' }, { cwd: dir });
    expect(out.stdout).toContain('deploy.json:6:17');
    expect(out.stdout).toContain('PASS_ROLE_WITH_STAR_IN_RESOURCE');
  });

  it('answers usage errors with exit code 2', async () => {
    expect(await validatePolicyFile(clean, { kind: 'session' })).toMatchObject({ exitCode: 2, stdout: '' });
    expect((await validatePolicyFile(clean, { format: 'xml' })).exitCode).toBe(2);
    expect((await validatePolicyFile(clean, { failOn: 'fatal' })).exitCode).toBe(2);
    const missing = await validatePolicyFile(path.join(dir, 'nope.json'), {});
    expect(missing).toMatchObject({ exitCode: 2 });
    expect(missing.stderr).toContain('ENOENT');
  });

  it('tells templates from policy documents', () => {
    expect(isTemplate('{}', 'x.yaml')).toBe(true);
    expect(isTemplate('{"Resources":{}}', 'x.json')).toBe(true);
    expect(isTemplate('{"Statement":[]}', 'x.json')).toBe(false);
    expect(isTemplate('{not json', 'x.json')).toBe(false);
  });
});

describe('registerPolicyValidate', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('adds `validate` to the policy command group', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const program = new Command().exitOverride();
    registerPolicyValidate(program.command('policy'));
    await program.parseAsync([
      'node',
      'credplane',
      'policy',
      'validate',
      passRole,
      '--format',
      'json',
      '--fail-on',
      'security_warning',
    ]);
    expect(process.exitCode).toBe(1);
    expect(JSON.parse(written.join('')).summary.total).toBe(1);
  });
});
