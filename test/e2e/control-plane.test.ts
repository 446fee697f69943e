/**
 * The user's story, across processes: start `credplane up`, manage roles with the AWS SDK and the
 * AWS CLI, assume them, chain them, and watch every failure come back with AWS's error code.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  CreateRoleCommand,
  IAMClient,
  ListRolesCommand,
  PutRolePolicyCommand,
  GetRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, ADMIN, aws, credplaneCli, startCredplane, tempDir, type Credplane } from './support.js';

// The SDK clients in this process get explicit credentials and endpoints; make sure nothing else
// could be consulted.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
const isolation = tempDir('sdk-env');
fs.writeFileSync(path.join(isolation, 'none'), '');
process.env.AWS_CONFIG_FILE = path.join(isolation, 'none');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(isolation, 'none');

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const sts = (plane: Credplane, credentials: Creds): STSClient =>
  new STSClient({ endpoint: plane.url, region: 'us-east-1', credentials, maxAttempts: 1 });
const iam = (plane: Credplane, credentials: Creds): IAMClient =>
  new IAMClient({ endpoint: plane.url, region: 'us-east-1', credentials, maxAttempts: 1 });

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return {
      name: e.name,
      message: e.message,
      ...(e.$metadata?.httpStatusCode ? { status: e.$metadata.httpStatusCode } : {}),
    };
  }
  throw new Error('expected the call to fail');
}

const trustAccount = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});

async function assume(
  plane: Credplane,
  credentials: Creds,
  roleName: string,
  more: object = {},
): Promise<Creds> {
  const out = await sts(plane, credentials).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
      RoleSessionName: 'e2e',
      ...more,
    }),
  );
  return {
    accessKeyId: out.Credentials!.AccessKeyId!,
    secretAccessKey: out.Credentials!.SecretAccessKey!,
    sessionToken: out.Credentials!.SessionToken!,
  };
}

describe('credplane up with the JS SDK v3', () => {
  let plane: Credplane;
  beforeAll(async () => {
    plane = await startCredplane();
  });
  afterAll(async () => {
    await plane?.stop();
  });

  it('prints how to use it and answers /health', async () => {
    expect(plane.banner).toContain(plane.url);
    expect(plane.banner).toContain('AWS_PROFILE=credplane-admin');
    const res = await fetch(`${plane.url}/health`);
    expect(res.status).toBe(200);
    expect(fs.statSync(plane.credentialsFile).mode & 0o077).toBe(0);
  });

  it('creates a role, assumes it, and the temporary credentials identify the session', async () => {
    await iam(plane, ADMIN).send(
      new CreateRoleCommand({
        RoleName: 'app',
        AssumeRolePolicyDocument: trustAccount,
        Tags: [{ Key: 'team', Value: 'pay' }],
      }),
    );
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCOUNT}:role/chained` },
      ],
    });
    await iam(plane, ADMIN).send(
      new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'chain', PolicyDocument: policy }),
    );
    const got = await iam(plane, ADMIN).send(
      new GetRolePolicyCommand({ RoleName: 'app', PolicyName: 'chain' }),
    );
    expect(JSON.parse(decodeURIComponent(got.PolicyDocument!))).toEqual(JSON.parse(policy));

    const creds = await assume(plane, ADMIN, 'app');
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    const who = await sts(plane, creds).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/app/e2e`);
    expect(who.Account).toBe(ACCOUNT);
  });

  it('chains into a second role, and refuses a chained session longer than one hour', async () => {
    await iam(plane, ADMIN).send(
      new CreateRoleCommand({
        RoleName: 'chained',
        MaxSessionDuration: 7200,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    );
    const first = await assume(plane, ADMIN, 'app');
    const second = await assume(plane, first, 'chained');
    const who = await sts(plane, second).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/chained/e2e`);
    const tooLong = await errorOf(assume(plane, first, 'chained', { DurationSeconds: 7200 }));
    expect(tooLong.name).toBe('ValidationError');
  });

  it('denies a role whose trust policy does not allow the caller (AccessDenied, 403)', async () => {
    await iam(plane, ADMIN).send(
      new CreateRoleCommand({
        RoleName: 'ec2-only',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    const denied = await errorOf(assume(plane, ADMIN, 'ec2-only'));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.status).toBe(403);
  });

  it('refuses a wrong secret and a tampered signature (SignatureDoesNotMatch)', async () => {
    const wrong = await errorOf(
      sts(plane, { ...ADMIN, secretAccessKey: 'x'.repeat(40) }).send(new GetCallerIdentityCommand({})),
    );
    expect(wrong.name).toBe('SignatureDoesNotMatch');
    expect(wrong.status).toBe(403);

    const signer = new SignatureV4({
      credentials: ADMIN,
      region: 'us-east-1',
      service: 'sts',
      sha256: Sha256,
    });
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: plane.port,
      path: '/',
      headers: { host: `127.0.0.1:${plane.port}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const headers = signed.headers as Record<string, string>;
    const good = await fetch(`${plane.url}/`, { method: 'POST', headers, body });
    expect(good.status).toBe(200);
    const sig = headers.authorization!;
    const last = sig.at(-1) === '0' ? '1' : '0';
    const tampered = await fetch(`${plane.url}/`, {
      method: 'POST',
      headers: { ...headers, authorization: sig.slice(0, -1) + last },
      body,
    });
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('picks up a template applied by `credplane apply` in another process', async () => {
    const template = path.join(plane.dataDir, 'stack.yaml');
    fs.writeFileSync(
      template,
      [
        'Resources:',
        '  Reader:',
        '    Type: AWS::IAM::Role',
        '    Properties:',
        '      RoleName: reader',
        '      AssumeRolePolicyDocument:',
        "        Version: '2012-10-17'",
        '        Statement:',
        "          - { Effect: Allow, Principal: { AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root' }, Action: sts:AssumeRole }",
        '      ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]',
      ].join('\n'),
    );
    const dry = await credplaneCli(
      ['apply', '-f', template, '--data-dir', plane.dataDir, '--dry-run'],
      plane.dataDir,
    );
    expect(dry.stdout).toContain('+ create role Reader');
    expect(dry.stdout).toContain('dry run: nothing changed.');
    const applied = await credplaneCli(['apply', '-f', template, '--data-dir', plane.dataDir], plane.dataDir);
    expect(applied.stdout).toContain('applied.');
    let creds: Creds | undefined;
    for (let i = 0; i < 40 && creds === undefined; i++) {
      creds = await assume(plane, ADMIN, 'reader').catch(() => undefined);
      if (creds === undefined) await new Promise((r) => setTimeout(r, 250));
    }
    expect((await sts(plane, creds!).send(new GetCallerIdentityCommand({}))).Arn).toContain(
      'assumed-role/reader/',
    );
    const again = await credplaneCli(['apply', '-f', template, '--data-dir', plane.dataDir], plane.dataDir);
    expect(again.stdout).toContain('no changes.');
  });

  it('revokes every session of a role issued before now (credplane revoke-sessions)', async () => {
    const before = await assume(plane, ADMIN, 'app');
    await assume(plane, before, 'chained');
    const revoked = await credplaneCli(
      ['revoke-sessions', 'app', '--data-dir', plane.dataDir, '--account-id', ACCOUNT],
      plane.dataDir,
    );
    expect(revoked.code).toBe(0);
    // The CLI is another process: the running server sees its write on the very next request
    // (the store generation), with no wait and no retry.
    let last = { name: '', message: '' };
    try {
      await assume(plane, before, 'chained');
    } catch (error) {
      last = error as { name: string; message: string };
    }
    expect(last.name).toBe('AccessDenied');
    expect(last.message).toContain('explicit deny');
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = await assume(plane, ADMIN, 'app');
    await assume(plane, fresh, 'chained');
  });
});

describe('sessions outlive nothing they should not', () => {
  it('an expired session gets ExpiredToken, and a restart keeps every role and the key ring', async () => {
    const dataDir = tempDir('restart');
    let plane = await startCredplane({ dataDir });
    await iam(plane, ADMIN).send(
      new CreateRoleCommand({ RoleName: 'kept', AssumeRolePolicyDocument: trustAccount }),
    );
    const creds = await assume(plane, ADMIN, 'kept', { DurationSeconds: 900 });
    expect(await plane.stop()).toBe(0);

    // Same data directory: the role and the key ring survive, so the session still verifies.
    plane = await startCredplane({ dataDir });
    const roles = await iam(plane, ADMIN).send(new ListRolesCommand({}));
    expect(roles.Roles?.map((r) => r.RoleName)).toContain('kept');
    expect((await sts(plane, creds).send(new GetCallerIdentityCommand({}))).Arn).toContain(
      'assumed-role/kept/e2e',
    );
    await plane.stop();

    // The same state 1000 s later (CREDPLANE_CLOCK_OFFSET_SECONDS): the 900 s session has expired.
    plane = await startCredplane({ dataDir, env: { CREDPLANE_CLOCK_OFFSET_SECONDS: '1000' } });
    const later = new Date(Date.now() + 1_000_000);
    const signer = new SignatureV4({
      credentials: creds,
      region: 'us-east-1',
      service: 'sts',
      sha256: Sha256,
    });
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: plane.port,
        path: '/',
        headers: { host: `127.0.0.1:${plane.port}`, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      },
      { signingDate: later },
    );
    const res = await fetch(`${plane.url}/`, {
      method: 'POST',
      headers: signed.headers as Record<string, string>,
      body,
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>ExpiredToken</Code>');
    await plane.stop();
  });
});

describe('the AWS CLI against credplane', () => {
  let plane: Credplane;
  beforeAll(async () => {
    plane = await startCredplane();
  });
  afterAll(async () => {
    await plane?.stop();
  });

  it('works with the generated admin profile, and with assumed-role credentials in the standard variables', async () => {
    const profile = {
      AWS_CONFIG_FILE: plane.configFile,
      AWS_SHARED_CREDENTIALS_FILE: plane.credentialsFile,
      AWS_PROFILE: 'credplane-admin',
    };
    const who = await aws(['sts', 'get-caller-identity'], profile, plane.dataDir);
    expect(who.stderr).toBe('');
    expect(JSON.parse(who.stdout).Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/credplane-admin`);

    const created = await aws(
      ['iam', 'create-role', '--role-name', 'cli-role', '--assume-role-policy-document', trustAccount],
      profile,
      plane.dataDir,
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).Role.AssumeRolePolicyDocument).toEqual(JSON.parse(trustAccount));

    const listed = await aws(['iam', 'list-roles'], profile, plane.dataDir);
    expect(JSON.parse(listed.stdout).Roles.map((r: { RoleName: string }) => r.RoleName)).toContain(
      'cli-role',
    );

    const assumed = await aws(
      [
        'sts',
        'assume-role',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/cli-role`,
        '--role-session-name',
        'cli',
      ],
      profile,
      plane.dataDir,
    );
    expect(assumed.code).toBe(0);
    const c = JSON.parse(assumed.stdout).Credentials;
    const asRole = await aws(
      ['sts', 'get-caller-identity'],
      {
        AWS_ACCESS_KEY_ID: c.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: c.SecretAccessKey,
        AWS_SESSION_TOKEN: c.SessionToken,
        AWS_ENDPOINT_URL: plane.url,
        AWS_DEFAULT_REGION: 'us-east-1',
      },
      plane.dataDir,
    );
    expect(JSON.parse(asRole.stdout).Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/cli-role/cli`);

    const denied = await aws(
      ['iam', 'create-role', '--role-name', 'nope', '--assume-role-policy-document', trustAccount],
      {
        AWS_ACCESS_KEY_ID: c.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: c.SecretAccessKey,
        AWS_SESSION_TOKEN: c.SessionToken,
        AWS_ENDPOINT_URL: plane.url,
        AWS_DEFAULT_REGION: 'us-east-1',
      },
      plane.dataDir,
    );
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('AccessDenied');
  });
});

describe('credplane up on PostgreSQL', () => {
  it('keeps roles across restarts with --store postgres://...', async () => {
    const schema = `e2e_${process.pid}_${Date.now()}`;
    const url = `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`;
    const dataDir = tempDir('pg');
    let plane = await startCredplane({ dataDir, args: ['--store', url] });
    try {
      await iam(plane, ADMIN).send(
        new CreateRoleCommand({ RoleName: 'pg-role', AssumeRolePolicyDocument: trustAccount }),
      );
      await plane.stop();
      plane = await startCredplane({ dataDir, args: ['--store', url] });
      const creds = await assume(plane, ADMIN, 'pg-role');
      expect((await sts(plane, creds).send(new GetCallerIdentityCommand({}))).Arn).toContain(
        'assumed-role/pg-role/',
      );
    } finally {
      await plane.stop();
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  });
});
