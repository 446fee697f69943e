/**
 * EKS credential lifetimes across processes, with botocore as the client: `credplane up` with
 * `CREDPLANE_IRSA_CREDENTIAL_SECONDS` (its STS gives `AssumeRoleWithWebIdentity` sessions that name
 * no `DurationSeconds` that lifetime) and `credplane run` with
 * `CREDPLANE_POD_IDENTITY_CREDENTIAL_SECONDS` (its Pod Identity agent issues sessions that long).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, CLI, credplaneCli, isolatedEnv, startCredplane, type Credplane } from './support.js';

let plane: Credplane;

/** botocore's session credentials in the pod: the seconds they have left. */
const REMAINING = [
  'import datetime, botocore.session',
  'c = botocore.session.get_session().get_credentials()',
  'c.get_frozen_credentials()',
  'print(int((c._expiry_time - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))',
].join('\n');

/** `credplane run <target> -- python3 -c REMAINING` with extra variables for the CLI itself. */
function runInPod(
  target: string,
  extra: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'run', target, '--data-dir', plane.dataDir, '--', 'python3', '-c', REMAINING],
      { env: isolatedEnv(plane.dataDir, extra), timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          out: stdout,
          err: stderr,
        }),
    );
  });
}

beforeAll(async () => {
  plane = await startCredplane({ env: { CREDPLANE_IRSA_CREDENTIAL_SECONDS: '120' } });
  const created = await credplaneCli(
    ['cluster', 'create', 'demo', '--data-dir', plane.dataDir],
    plane.dataDir,
  );
  expect(created.code, created.stderr).toBe(0);
  const issuer = /issuer:\s+(\S+)/.exec(created.stdout)?.[1] ?? '';
  const hostPath = issuer.replace(/^http:\/\//, '');
  const template = path.join(plane.dataDir, 'roles.yaml');
  fs.writeFileSync(
    template,
    `Resources:
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: payments-api
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Federated: 'arn:aws:iam::${ACCOUNT}:oidc-provider/${hostPath}' }
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals:
                '${hostPath}:sub': system:serviceaccount:payments:api
                '${hostPath}:aud': sts.amazonaws.com
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: batch-worker
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { Service: pods.eks.amazonaws.com }, Action: [sts:AssumeRole, sts:TagSession] }
  WorkerAssociation:
    Type: AWS::EKS::PodIdentityAssociation
    Properties: { ClusterName: demo, Namespace: batch, ServiceAccount: worker, RoleArn: !GetAtt WorkerRole.Arn }
`,
  );
  const stack = await credplaneCli(
    ['apply', '-f', template, '--data-dir', plane.dataDir, '--account-id', ACCOUNT],
    plane.dataDir,
  );
  expect(stack.code, stack.stderr + stack.stdout).toBe(0);
  const manifest = path.join(plane.dataDir, 'sa.yaml');
  fs.writeFileSync(
    manifest,
    [
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata:',
      '  name: api',
      '  namespace: payments',
      '  annotations:',
      `    eks.amazonaws.com/role-arn: arn:aws:iam::${ACCOUNT}:role/payments-api`,
    ].join('\n'),
  );
  const applied = await credplaneCli(
    ['cluster', 'apply', 'demo', '-f', manifest, '--data-dir', plane.dataDir],
    plane.dataDir,
  );
  expect(applied.code, applied.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await plane?.stop();
  if (plane !== undefined) fs.rmSync(plane.dataDir, { recursive: true, force: true });
});

describe('EKS credential lifetimes', () => {
  it("IRSA: botocore's web-identity session has the configured lifetime", async () => {
    const result = await runInPod('demo/payments/api');
    expect(result.code, result.err).toBe(0);
    const left = Number(result.out.trim());
    expect(left).toBeGreaterThan(60);
    expect(left).toBeLessThanOrEqual(120);
  }, 120_000);

  it("Pod Identity: botocore's session from the agent has the configured lifetime, the default without it", async () => {
    const short = await runInPod('demo/batch/worker', { CREDPLANE_POD_IDENTITY_CREDENTIAL_SECONDS: '120' });
    expect(short.code, short.err).toBe(0);
    expect(Number(short.out.trim())).toBeGreaterThan(60);
    expect(Number(short.out.trim())).toBeLessThanOrEqual(120);
    const usual = await runInPod('demo/batch/worker');
    expect(usual.code, usual.err).toBe(0);
    expect(Number(usual.out.trim())).toBeGreaterThan(5 * 3600);
  }, 120_000);
});
