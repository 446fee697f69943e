/**
 * EC2 instances across processes: `credplane up` runs a template with two instances, and unmodified
 * SDKs — the JS SDK v3 default chain, boto3 and the AWS CLI — find the instance role through
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT` alone (no keys in the environment, empty config files), in
 * both `HttpTokens` modes. Then the options change under them, a policy refuses IMDSv1-delivered
 * credentials, credentials rotate, and `credplane lab ssrf` runs its scenarios.
 */
import { IAMClient, GetRoleCommand } from '@aws-sdk/client-iam';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  aws,
  CLI,
  isolatedEnv,
  startCredplane,
  tempDir,
  type CliResult,
  type Credplane,
} from './support.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const TEMPLATE = `
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: imds-e2e
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: ec2.amazonaws.com }
            Action: sts:AssumeRole
      Policies:
        - PolicyName: read-roles
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: iam:GetRole
                Resource: '*'
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      InstanceProfileName: imds-e2e
      Roles: [!Ref Role]
  Optional:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      IamInstanceProfile: !Ref Profile
      MetadataOptions: { HttpTokens: optional }
  Required:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      IamInstanceProfile: !Ref Profile
      MetadataOptions: { HttpTokens: required }
`;

interface Endpoints {
  url: string;
  instances: { name: string; instanceId: string; url: string }[];
}

let plane: Credplane;
let dir: string;
let endpoints: Endpoints;

function instance(logicalId: string): { instanceId: string; url: string } {
  const found = endpoints.instances.find((i) => i.name.endsWith(`-${logicalId}`));
  if (found === undefined) throw new Error(`no instance ${logicalId} in ${JSON.stringify(endpoints)}`);
  return found;
}

/** Only the standard variables: the metadata endpoint, the region, STS at credplane. */
function instanceEnv(logicalId: string): NodeJS.ProcessEnv {
  const env = isolatedEnv(dir, {
    AWS_EC2_METADATA_SERVICE_ENDPOINT: instance(logicalId).url,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: plane.url,
  });
  delete env.AWS_EC2_METADATA_DISABLED;
  return env;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

const JS_SDK = `
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
const out = await new STSClient({}).send(new GetCallerIdentityCommand({}));
console.log(out.Arn);
`;
const BOTO3 = 'import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])';

const adminEnv = (): Record<string, string> => ({
  AWS_CONFIG_FILE: plane.configFile,
  AWS_SHARED_CREDENTIALS_FILE: plane.credentialsFile,
  AWS_PROFILE: 'credplane-admin',
});

async function token(url: string): Promise<string> {
  const res = await fetch(`${url}latest/api/token`, {
    method: 'PUT',
    headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '21600' },
  });
  expect(res.status).toBe(200);
  return res.text();
}

async function credentialsDoc(url: string, v2: boolean): Promise<Record<string, string>> {
  const headers: Record<string, string> = v2 ? { 'X-aws-ec2-metadata-token': await token(url) } : {};
  const res = await fetch(`${url}latest/meta-data/iam/security-credentials/imds-e2e`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, string>;
}

beforeAll(async () => {
  dir = tempDir('imds');
  const template = path.join(dir, 'template.yaml');
  fs.writeFileSync(template, TEMPLATE);
  fs.mkdirSync(path.join(dir, 'data'));
  plane = await startCredplane({
    dataDir: path.join(dir, 'data'),
    args: ['--template', template, '--stack-name', 'e2e'],
    env: { CREDPLANE_IMDS_CREDENTIAL_SECONDS: '3600', CREDPLANE_IMDS_REFRESH_BEFORE_SECONDS: '3598' },
  });
  endpoints = JSON.parse(fs.readFileSync(path.join(plane.dataDir, 'endpoints.json'), 'utf8')) as Endpoints;
}, 60_000);

afterAll(async () => {
  await plane?.stop();
});

describe('EC2 instance metadata service with unmodified SDKs', () => {
  it('lists both instances on loopback endpoints in endpoints.json and the banner', () => {
    for (const logicalId of ['Optional', 'Required']) {
      const i = instance(logicalId);
      expect(i.instanceId).toMatch(/^i-[0-9a-f]{17}$/);
      expect(i.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(plane.banner).toContain(i.url);
    }
  });

  for (const logicalId of ['Optional', 'Required']) {
    it(`HttpTokens=${logicalId.toLowerCase()}: JS SDK v3, boto3 and the AWS CLI get the instance role`, async () => {
      const expected = `arn:aws:sts::${ACCOUNT}:assumed-role/imds-e2e/${instance(logicalId).instanceId}`;
      const env = instanceEnv(logicalId);
      const js = await exec(process.execPath, ['--input-type=module', '-e', JS_SDK], env);
      expect(js.stdout.trim(), js.stderr).toBe(expected);
      const py = await exec('python3', ['-c', BOTO3], env);
      expect(py.stdout.trim(), py.stderr).toBe(expected);
      const cli = await exec('aws', ['sts', 'get-caller-identity', '--output', 'json'], env);
      expect(JSON.parse(cli.stdout).Arn, cli.stderr).toBe(expected);
    }, 60_000);
  }

  it('credplane run (the instance channel, chosen by the target) runs a command as the instance', async () => {
    const id = instance('Required').instanceId;
    const res = await exec(
      process.execPath,
      [
        CLI,
        'run',
        '--data-dir',
        plane.dataDir,
        id,
        '--',
        'aws',
        'sts',
        'get-caller-identity',
        '--output',
        'json',
      ],
      isolatedEnv(dir),
    );
    expect(JSON.parse(res.stdout).Arn, res.stderr).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/imds-e2e/${id}`,
    );
    const env = await exec(process.execPath, [CLI, 'env', '--data-dir', plane.dataDir, id], isolatedEnv(dir));
    expect(env.stdout).toContain(`export AWS_EC2_METADATA_SERVICE_ENDPOINT='${instance('Required').url}'`);
    expect(env.stdout).toContain(`export AWS_ENDPOINT_URL='${plane.url}'`);
  }, 60_000);

  it('a policy with NumericLessThan ec2:RoleDelivery 2.0 refuses IMDSv1-delivered credentials', async () => {
    const url = instance('Optional').url;
    const v1 = await credentialsDoc(url, false);
    const v2 = await credentialsDoc(url, true);
    expect(v1.AccessKeyId).not.toBe(v2.AccessKeyId);
    const deny = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
        },
      ],
    });
    const put = await aws(
      [
        'iam',
        'put-role-policy',
        '--role-name',
        'imds-e2e',
        '--policy-name',
        'v2-only',
        '--policy-document',
        deny,
      ],
      adminEnv(),
      dir,
    );
    expect(put.code, put.stderr).toBe(0);
    const getRole = (doc: Record<string, string>): Promise<unknown> =>
      new IAMClient({
        endpoint: plane.url,
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: {
          accessKeyId: doc.AccessKeyId!,
          secretAccessKey: doc.SecretAccessKey!,
          sessionToken: doc.Token!,
        },
      }).send(new GetRoleCommand({ RoleName: 'imds-e2e' }));
    await expect(getRole(v1)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(getRole(v2)).resolves.toMatchObject({ Role: { RoleName: 'imds-e2e' } });
    const removed = await aws(
      ['iam', 'delete-role-policy', '--role-name', 'imds-e2e', '--policy-name', 'v2-only'],
      adminEnv(),
      dir,
    );
    expect(removed.code, removed.stderr).toBe(0);
  }, 60_000);

  it('rotates credentials with a short configured lifetime', async () => {
    const url = instance('Required').url;
    const first = await credentialsDoc(url, true);
    await new Promise((r) => setTimeout(r, 2500));
    const second = await credentialsDoc(url, true);
    expect(second.AccessKeyId).not.toBe(first.AccessKeyId);
    expect(second.Expiration! > first.Expiration!).toBe(true);
  });

  it('after ModifyInstanceMetadataOptions to required, a v1-only client fails and v2 still works', async () => {
    const i = instance('Optional');
    expect((await fetch(`${i.url}latest/meta-data/instance-id`)).status).toBe(200);
    const modify = await aws(
      ['ec2', 'modify-instance-metadata-options', '--instance-id', i.instanceId, '--http-tokens', 'required'],
      adminEnv(),
      dir,
    );
    expect(modify.code, modify.stderr).toBe(0);
    expect(JSON.parse(modify.stdout).InstanceMetadataOptions.HttpTokens).toBe('required');
    expect((await fetch(`${i.url}latest/meta-data/instance-id`)).status).toBe(401);
    // An SDK (token first) keeps working on the same endpoint.
    const sdk = await exec('python3', ['-c', BOTO3], instanceEnv('Optional'));
    const v1Client = await exec(
      'python3',
      [
        '-c',
        'import urllib.request,os; urllib.request.urlopen(os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] + "latest/meta-data/iam/security-credentials/")',
      ],
      instanceEnv('Optional'),
    );
    expect(v1Client.code).not.toBe(0);
    expect(v1Client.stderr).toContain('401');
    expect(sdk.stdout.trim(), sdk.stderr).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/imds-e2e/${i.instanceId}`,
    );
    const described = await aws(
      ['ec2', 'describe-instances', '--instance-ids', i.instanceId],
      adminEnv(),
      dir,
    );
    expect(JSON.parse(described.stdout).Reservations[0].Instances[0].MetadataOptions.HttpTokens).toBe(
      'required',
    );
  }, 60_000);
});

/** endpoints.json once it lists `instanceId` (the file is rewritten after every reconcile). */
async function endpointOf(instanceId: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const file = JSON.parse(fs.readFileSync(path.join(plane.dataDir, 'endpoints.json'), 'utf8')) as Endpoints;
    const found = file.instances.find((x) => x.instanceId === instanceId);
    if (found !== undefined) return found.url;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${instanceId} never appeared in endpoints.json`);
}

describe('account defaults, associations and identity signatures with the AWS CLI', () => {
  it('modify/get-instance-metadata-defaults: a launch without metadata options gets IMDSv2 required', async () => {
    const modify = await aws(
      [
        'ec2',
        'modify-instance-metadata-defaults',
        '--http-tokens',
        'required',
        '--http-put-response-hop-limit',
        '2',
      ],
      adminEnv(),
      dir,
    );
    expect(modify.code, modify.stderr).toBe(0);
    expect(JSON.parse(modify.stdout)).toEqual({ Return: true });
    const get = await aws(['ec2', 'get-instance-metadata-defaults'], adminEnv(), dir);
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual({
      AccountLevel: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, ManagedBy: 'account' },
    });
    try {
      const run = await aws(
        [
          'ec2',
          'run-instances',
          '--image-id',
          'ami-0123456789abcdef0',
          '--count',
          '1',
          '--iam-instance-profile',
          'Name=imds-e2e',
        ],
        adminEnv(),
        dir,
      );
      expect(run.code, run.stderr).toBe(0);
      const launched = JSON.parse(run.stdout).Instances[0];
      expect(launched.MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
      const url = await endpointOf(launched.InstanceId);
      expect((await fetch(`${url}latest/meta-data/instance-id`)).status).toBe(401);
      const t = await token(url);
      const id = await fetch(`${url}latest/meta-data/instance-id`, {
        headers: { 'X-aws-ec2-metadata-token': t },
      });
      expect(await id.text()).toBe(launched.InstanceId);
    } finally {
      const clear = await aws(
        [
          'ec2',
          'modify-instance-metadata-defaults',
          '--http-tokens',
          'no-preference',
          '--http-put-response-hop-limit',
          '-1',
        ],
        adminEnv(),
        dir,
      );
      expect(clear.code, clear.stderr).toBe(0);
    }
    const cleared = await aws(['ec2', 'get-instance-metadata-defaults'], adminEnv(), dir);
    expect(JSON.parse(cleared.stdout)).toEqual({ AccountLevel: { ManagedBy: 'account' } });
  }, 60_000);

  it('describe-iam-instance-profile-associations finds the association; a second associate is IncorrectState', async () => {
    const i = instance('Required');
    const described = await aws(
      [
        'ec2',
        'describe-iam-instance-profile-associations',
        '--filters',
        `Name=instance-id,Values=${i.instanceId}`,
      ],
      adminEnv(),
      dir,
    );
    expect(described.code, described.stderr).toBe(0);
    const [association, ...more] = JSON.parse(described.stdout).IamInstanceProfileAssociations;
    expect(more).toEqual([]);
    expect(association).toMatchObject({
      InstanceId: i.instanceId,
      State: 'associated',
      IamInstanceProfile: { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/imds-e2e` },
    });
    expect(association.AssociationId).toMatch(/^iip-assoc-[0-9a-f]{17}$/);
    const again = await aws(
      [
        'ec2',
        'associate-iam-instance-profile',
        '--instance-id',
        i.instanceId,
        '--iam-instance-profile',
        'Name=imds-e2e',
      ],
      adminEnv(),
      dir,
    );
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(
      `An error occurred (IncorrectState) when calling the AssociateIamInstanceProfile operation: There is an existing association for instance ${i.instanceId}`,
    );
  }, 60_000);

  it('the pkcs7 signature verifies with openssl against the certificate the control plane publishes', async () => {
    const url = instance('Optional').url;
    const headers = { 'X-aws-ec2-metadata-token': await token(url) };
    const read = async (leaf: string): Promise<string> =>
      (await fetch(`${url}latest/dynamic/instance-identity/${leaf}`, { headers })).text();
    const document = await read('document');
    const cert = await (
      await fetch(`${plane.url.replace(/\/$/, '')}/ec2/instance-identity/certificate.pem`)
    ).text();
    const certFile = path.join(dir, 'identity-certificate.pem');
    fs.writeFileSync(certFile, cert);
    for (const leaf of ['pkcs7', 'rsa2048']) {
      // AWS's documented recipe: armour the body, then smime -verify with the certificate.
      const p7 = path.join(dir, `${leaf}.pem`);
      fs.writeFileSync(p7, `-----BEGIN PKCS7-----\n${await read(leaf)}\n-----END PKCS7-----\n`);
      const res = await exec(
        'openssl',
        ['smime', '-verify', '-inform', 'PEM', '-in', p7, '-certfile', certFile, '-noverify'],
        process.env,
      );
      expect(res.stderr, leaf).toContain('Verification successful');
      expect(res.stdout, leaf).toBe(document);
    }
  });
});

describe('credplane lab ssrf', () => {
  it('runs every scenario as described and reports them as JSON', async () => {
    const res = await exec(process.execPath, [CLI, 'lab', 'ssrf', '--json'], isolatedEnv(tempDir('lab')));
    const report = JSON.parse(res.stdout) as {
      ok: boolean;
      scenarios: { id: number; behaved: boolean; skipped?: string }[];
    };
    expect(report.scenarios.map((s) => s.id)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of report.scenarios)
      expect(s.behaved || s.skipped !== undefined, JSON.stringify(s)).toBe(true);
    expect(report.ok).toBe(true);
    expect(res.code).toBe(0);
    const received = JSON.stringify(report).replaceAll('\\"', '"');
    const secrets = [...received.matchAll(/"(?:SecretAccessKey|Token)" : "([^"]*)"/g)].map((m) => m[1]);
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const value of secrets) expect(value).toMatch(/^[^"]{0,6}…\(redacted\)$/);
  }, 60_000);
});
