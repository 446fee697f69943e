/**
 * `credplane policy validate` as a CI step runs it: the built CLI in a child process, reading a
 * template and a policy file, writing SARIF, with exit codes that gate the build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credplaneCli, tempDir } from './support.js';

const dir = tempDir('policy-validate');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const template = path.join(dir, 'stack.yaml');
fs.writeFileSync(
  template,
  [
    "AWSTemplateFormatVersion: '2010-09-09'",
    'Resources:',
    '  DeployRole:',
    '    Type: AWS::IAM::Role',
    '    Properties:',
    '      AssumeRolePolicyDocument:',
    "        Version: '2012-10-17'",
    '        Statement:',
    '          - Effect: Allow',
    "            Principal: { Service: !Sub 'ecs-tasks.${AWS::URLSuffix}' }",
    '            Action: sts:AssumeRole',
    '      Policies:',
    '        - PolicyName: deploy',
    '          PolicyDocument:',
    "            Version: '2012-10-17'",
    '            Statement:',
    '              - Effect: Allow',
    '                Action: [iam:PassRole, ecs:RunTask]',
    "                Resource: '*'",
    '',
  ].join('\n'),
);
const policy = path.join(dir, 'read.json');
fs.writeFileSync(
  policy,
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
  }),
);

describe('credplane policy validate', () => {
  it('fails a security_warning gate with SARIF on the template line', async () => {
    const result = await credplaneCli(
      ['policy', 'validate', template, '--format', 'sarif', '--fail-on', 'security_warning'],
      dir,
    );
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout) as {
      version: string;
      runs: { tool: { driver: { name: string } }; results: { ruleId: string; locations: unknown[] }[] }[];
    };
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    expect(run?.tool.driver.name).toBe('credplane');
    expect(run?.results.map((r) => r.ruleId)).toEqual(['PASS_ROLE_WITH_STAR_IN_RESOURCE']);
    expect(run?.results[0]?.locations[0]).toMatchObject({
      physicalLocation: { region: { startLine: 18, startColumn: 26 } },
    });
  });

  it('passes the default (error) gate and a clean policy file', async () => {
    expect((await credplaneCli(['policy', 'validate', template], dir)).code).toBe(0);
    const clean = await credplaneCli(['policy', 'validate', policy, '--fail-on', 'suggestion'], dir);
    expect(clean).toMatchObject({ code: 0, stdout: 'No findings.\n' });
  });

  it('exits 2 on usage errors', async () => {
    const result = await credplaneCli(['policy', 'validate', policy, '--format', 'xml'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--format must be one of text, json, sarif');
  });
});
