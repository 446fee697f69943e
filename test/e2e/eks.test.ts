/**
 * The EKS story across processes: `credplane up`, `credplane cluster create demo`, a role trusting
 * the cluster's OIDC provider for one service account, `credplane cluster apply` with a Kubernetes
 * ServiceAccount manifest, then `credplane run demo/payments/api -- <command>`: the AWS CLI
 * (botocore) and the JS SDK v3 default chain (`AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`) each
 * get the pod's role from `GetCallerIdentity`. A service account the role does not trust is
 * refused before anything runs. Then EKS Pod Identity: a template with an
 * `AWS::EKS::PodIdentityAssociation`, and `credplane run demo/batch/worker` hands both SDKs the
 * association's role through the container-credentials variables and a loopback agent.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, ADMIN, credplaneCli, startCredplane, tempDir, type Credplane } from './support.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const isolation = tempDir('eks-env');
fs.writeFileSync(path.join(isolation, 'none'), '');
process.env.AWS_CONFIG_FILE = path.join(isolation, 'none');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(isolation, 'none');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const STS_MODULE = path.join(root, 'node_modules', '@aws-sdk', 'client-sts');

let plane: Credplane;
let issuer = '';
const ROLE = 'payments-api';

beforeAll(async () => {
  plane = await startCredplane();
  const created = await credplaneCli(
    ['cluster', 'create', 'demo', '--data-dir', plane.dataDir],
    plane.dataDir,
  );
  expect(created.code, created.stderr).toBe(0);
  issuer = /issuer:\s+(\S+)/.exec(created.stdout)?.[1] ?? '';
  const hostPath = issuer.replace(/^http:\/\//, '');
  const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/${hostPath}`;
  const iam = new IAMClient({ endpoint: plane.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 });
  await iam.send(
    new CreateRoleCommand({
      RoleName: ROLE,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: provider },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: {
                [`${hostPath}:sub`]: 'system:serviceaccount:payments:api',
                [`${hostPath}:aud`]: 'sts.amazonaws.com',
              },
            },
          },
        ],
      }),
    }),
  );
  const manifest = path.join(plane.dataDir, 'serviceaccounts.yaml');
  const sa = (name: string) =>
    [
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata:',
      `  name: ${name}`,
      '  namespace: payments',
      '  annotations:',
      `    eks.amazonaws.com/role-arn: arn:aws:iam::${ACCOUNT}:role/${ROLE}`,
    ].join('\n');
  fs.writeFileSync(manifest, `${sa('api')}\n---\n${sa('intruder')}\n`);
  const applied = await credplaneCli(
    ['cluster', 'apply', 'demo', '-f', manifest, '--data-dir', plane.dataDir],
    plane.dataDir,
  );
  expect(applied.code, applied.stderr).toBe(0);
  expect(applied.stdout).toContain(`serviceaccount payments/api -> arn:aws:iam::${ACCOUNT}:role/${ROLE}: ok`);
  expect(applied.stdout).toMatch(
    /serviceaccount payments\/intruder -> .*: REFUSED: the trust policy .* does not allow/,
  );

  const template = path.join(plane.dataDir, 'pod-identity.yaml');
  fs.writeFileSync(
    template,
    [
      "AWSTemplateFormatVersion: '2010-09-09'",
      'Resources:',
      '  WorkerRole:',
      '    Type: AWS::IAM::Role',
      '    Properties:',
      '      RoleName: batch-worker',
      '      AssumeRolePolicyDocument:',
      "        Version: '2012-10-17'",
      '        Statement:',
      '          - Effect: Allow',
      '            Principal: { Service: pods.eks.amazonaws.com }',
      '            Action: [sts:AssumeRole, sts:TagSession]',
      '  WorkerAssociation:',
      '    Type: AWS::EKS::PodIdentityAssociation',
      '    Properties:',
      '      ClusterName: demo',
      '      Namespace: batch',
      '      ServiceAccount: worker',
      '      RoleArn: !GetAtt WorkerRole.Arn',
    ].join('\n'),
  );
  const stack = await credplaneCli(
    ['apply', '-f', template, '--data-dir', plane.dataDir, '--account-id', ACCOUNT],
    plane.dataDir,
  );
  expect(stack.code, stack.stderr + stack.stdout).toBe(0);
}, 60_000);

afterAll(async () => {
  await plane?.stop();
});

const assumedArn = new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/`);

describe('EKS IRSA across processes', () => {
  it('serves the issuer discovery document and JWKS over HTTP', async () => {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(discovery.issuer).toBe(issuer);
    const jwks = (await (await fetch(String(discovery.jwks_uri))).json()) as { keys: { alg: string }[] };
    expect(jwks.keys[0]?.alg).toBe('RS256');
  });

  it('the AWS CLI (botocore) gets the pod role through credplane run', async () => {
    const result = await credplaneCli(
      [
        'run',
        'demo/payments/api',
        '--data-dir',
        plane.dataDir,
        '--',
        'aws',
        'sts',
        'get-caller-identity',
        '--output',
        'json',
      ],
      plane.dataDir,
    );
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { Arn: string }).Arn).toMatch(assumedArn);
  }, 60_000);

  it('each pod has a HOME of its own (the AWS CLI caches its web identity session there) and AWS_ENDPOINT_URL', async () => {
    const script =
      'aws sts get-caller-identity --output text --query Arn >/dev/null || exit 7; ' +
      'echo "$HOME"; ls "$HOME/.aws/cli/cache" | wc -l; echo "$AWS_ENDPOINT_URL"';
    const pods = await Promise.all(
      [1, 2].map(() =>
        credplaneCli(
          ['run', 'demo/payments/api', '--data-dir', plane.dataDir, '--', 'sh', '-c', script],
          plane.dataDir,
        ),
      ),
    );
    const seen = pods.map((pod) => {
      expect(pod.code, pod.stderr).toBe(0);
      const [home, cached, endpoint] = pod.stdout.trim().split('\n');
      expect(home).toMatch(new RegExp(`^${plane.dataDir}/run/[0-9a-f-]{36}/home$`));
      expect(Number(cached)).toBe(1);
      expect(endpoint).toBe(plane.url);
      // The pod's home is removed with it.
      expect(fs.existsSync(home!)).toBe(false);
      return home;
    });
    expect(seen[0]).not.toBe(seen[1]);
  }, 60_000);

  it('the JS SDK v3 default chain (fromTokenFile) gets the pod role through credplane run', async () => {
    const script = [
      `const { STSClient, GetCallerIdentityCommand } = require(${JSON.stringify(STS_MODULE)});`,
      'const fs = require("node:fs");',
      'const token = fs.readFileSync(process.env.AWS_WEB_IDENTITY_TOKEN_FILE, "utf8");',
      'if (/\\s$/.test(token)) { console.error("token ends in whitespace"); process.exit(3); }',
      'new STSClient({}).send(new GetCallerIdentityCommand({})).then(',
      '  (r) => console.log(JSON.stringify({ arn: r.Arn, role: process.env.AWS_ROLE_ARN })),',
      '  (e) => { console.error(e.name, e.message); process.exit(2); });',
    ].join('\n');
    const result = await credplaneCli(
      ['run', 'demo/payments/api', '--data-dir', plane.dataDir, '--', process.execPath, '-e', script],
      plane.dataDir,
    );
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { arn: string; role: string };
    expect(out.arn).toMatch(new RegExp(`${assumedArn.source}aws-sdk-js-session-\\d+$`));
    expect(out.role).toBe(`arn:aws:iam::${ACCOUNT}:role/${ROLE}`);
  }, 60_000);

  it('EKS Pod Identity: botocore and the JS SDK get the association role from the loopback agent', async () => {
    const podRole = new RegExp(
      `^arn:aws:sts::${ACCOUNT}:assumed-role/batch-worker/eks-demo-worker-[0-9a-f]{5}$`,
    );
    const cli = await credplaneCli(
      [
        'run',
        'demo/batch/worker',
        '--data-dir',
        plane.dataDir,
        '--',
        'aws',
        'sts',
        'get-caller-identity',
        '--output',
        'json',
      ],
      plane.dataDir,
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect((JSON.parse(cli.stdout) as { Arn: string }).Arn).toMatch(podRole);
    const script = [
      `const { STSClient, GetCallerIdentityCommand } = require(${JSON.stringify(STS_MODULE)});`,
      'new STSClient({}).send(new GetCallerIdentityCommand({})).then(',
      '  (r) => console.log(JSON.stringify({ arn: r.Arn, uri: process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI })),',
      '  (e) => { console.error(e.name, e.message); process.exit(2); });',
    ].join('\n');
    const js = await credplaneCli(
      ['run', 'demo/batch/worker', '--data-dir', plane.dataDir, '--', process.execPath, '-e', script],
      plane.dataDir,
    );
    expect(js.code, js.stderr).toBe(0);
    const out = JSON.parse(js.stdout.trim().split('\n').at(-1)!) as { arn: string; uri: string };
    expect(out.arn).toMatch(podRole);
    expect(out.uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/credentials$/);
  }, 60_000);

  it('after a restart the issuer keys are kept, and credplane up flags a role trusting every service account', async () => {
    const hostPath = issuer.replace(/^http:\/\//, '');
    const iam = new IAMClient({
      endpoint: plane.url,
      region: 'us-east-1',
      credentials: ADMIN,
      maxAttempts: 1,
    });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'too-wide',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${hostPath}` },
              Action: 'sts:AssumeRoleWithWebIdentity',
              Condition: { StringEquals: { [`${hostPath}:aud`]: 'sts.amazonaws.com' } },
            },
          ],
        }),
      }),
    );
    const dataDir = plane.dataDir;
    await plane.stop();
    plane = await startCredplane({ dataDir });
    expect(plane.banner).toContain(
      `warning: role too-wide trusts every service account of cluster demo (no ${hostPath}:sub condition narrows it)`,
    );
    expect(plane.banner).not.toContain('role payments-api trusts every');
    const result = await credplaneCli(
      [
        'run',
        'demo/payments/api',
        '--data-dir',
        plane.dataDir,
        '--',
        'aws',
        'sts',
        'get-caller-identity',
        '--output',
        'json',
      ],
      plane.dataDir,
    );
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { Arn: string }).Arn).toMatch(assumedArn);
  }, 90_000);

  it('refuses to run as a service account the role does not trust, saying why', async () => {
    const result = await credplaneCli(
      [
        'run',
        'demo/payments/intruder',
        '--data-dir',
        plane.dataDir,
        '--',
        'aws',
        'sts',
        'get-caller-identity',
      ],
      plane.dataDir,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /AccessDenied: Refusing to run as payments\/intruder: the trust policy of .* does not allow sts:AssumeRoleWithWebIdentity for system:serviceaccount:payments:intruder/,
    );
  }, 60_000);
});
