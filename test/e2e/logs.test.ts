/**
 * `credplane logs` across processes: a running `credplane up` records an AssumeRole and a denied
 * IAM call; a second process reads them back as a table, JSON, CloudTrail documents, follows new
 * ones until interrupted, and prunes them.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  ADMIN,
  CLI,
  credplaneCli,
  isolatedEnv,
  startCredplane,
  tempDir,
  type Credplane,
} from './support.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const isolation = tempDir('logs-env');
fs.writeFileSync(path.join(isolation, 'none'), '');
process.env.AWS_CONFIG_FILE = path.join(isolation, 'none');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(isolation, 'none');

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});

let plane: Credplane;
let session: { accessKeyId: string; secretAccessKey: string; sessionToken: string };

const logs = (...args: string[]) =>
  credplaneCli(['logs', '--data-dir', plane.dataDir, ...args], plane.dataDir);

/** The log is written in batches: wait until `logs` shows what we expect. */
async function eventually(args: string[], test: (stdout: string) => boolean): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = await logs(...args);
    expect(result.stderr).toBe('');
    if (test(result.stdout)) return result.stdout;
    if (Date.now() > deadline) throw new Error(`logs never matched: ${result.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  plane = await startCredplane();
  const admin = { endpoint: plane.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 };
  await new IAMClient(admin).send(
    new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust }),
  );
  const assumed = await new STSClient(admin).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, RoleSessionName: 'ci' }),
  );
  session = {
    accessKeyId: assumed.Credentials!.AccessKeyId!,
    secretAccessKey: assumed.Credentials!.SecretAccessKey!,
    sessionToken: assumed.Credentials!.SessionToken!,
  };
  const iam = new IAMClient({ ...admin, credentials: session });
  await expect(
    iam.send(new CreateRoleCommand({ RoleName: 'sneaky', AssumeRolePolicyDocument: trust })),
  ).rejects.toMatchObject({ name: 'AccessDenied' });
}, 60_000);

afterAll(async () => {
  await plane?.stop();
});

describe('credplane logs', () => {
  it('prints the denied call in a table with --denied --role', async () => {
    const out = await eventually(['--denied', '--role', 'deployer'], (s) => s.includes('CreateRole'));
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+ROLE\s+EVENT\s+DECISION\s+ERROR\s+RESOURCE$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(
        `deployer\\s+iam:CreateRole\\s+deny\\s+AccessDenied\\s+arn:aws:iam::${ACCOUNT}:role/sneaky$`,
      ),
    );
  });

  it('prints CloudTrail records as JSON lines and as a CloudTrail file, secrets hidden', async () => {
    const json = await eventually(['--format', 'json', '--since', '10m'], (s) => s.includes('"CreateRole"'));
    const records = json
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const assume = records.find((r) => r.eventName === 'AssumeRole')!;
    expect(assume).toMatchObject({
      eventVersion: '1.09',
      eventSource: 'sts.amazonaws.com',
      userIdentity: { type: 'IAMUser', accessKeyId: ADMIN.accessKeyId },
      responseElements: { credentials: { accessKeyId: session.accessKeyId } },
      credplane: { decision: 'allow', channel: 'sts' },
    });
    expect(json).not.toContain(session.secretAccessKey);
    expect(json).not.toContain(session.sessionToken);
    expect(json).not.toContain(ADMIN.secretAccessKey);

    const trail = await logs(
      '--format',
      'cloudtrail',
      '--since',
      new Date(Date.now() - 600_000).toISOString(),
    );
    const doc = JSON.parse(trail.stdout) as { Records: { eventName: string }[] };
    expect(doc.Records.map((r) => r.eventName)).toEqual(records.map((r) => r.eventName));
  });

  it('follows new events until interrupted', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'logs', '--data-dir', plane.dataDir, '--follow', '--format', 'json', '--poll-interval', '100'],
      { env: isolatedEnv(plane.dataDir), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const waitFor = async (test: () => boolean): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`follow never showed it: ${out}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    try {
      await waitFor(() => out.includes('"CreateRole"'));
      const sts = new STSClient({
        endpoint: plane.url,
        region: 'us-east-1',
        credentials: session,
        maxAttempts: 1,
      });
      await sts.send(new GetCallerIdentityCommand({}));
      await waitFor(() => out.includes('"GetCallerIdentity"'));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      const records = out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { eventName: string; eventID: string });
      // Each event once, even though every poll re-reads an overlap window.
      expect(new Set(records.map((r) => r.eventID)).size).toBe(records.length);
      expect(records.filter((r) => r.eventName === 'GetCallerIdentity')).toHaveLength(1);
      // The admin's CreateRole of `deployer`, and the session's denied one.
      expect(records.filter((r) => r.eventName === 'CreateRole')).toHaveLength(2);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('prunes old events and rejects a bad time', async () => {
    const pruned = await logs('--prune-before', new Date(Date.now() + 1000).toISOString());
    expect(pruned.stdout).toMatch(/^pruned [1-9]\d* access event\(s\) before /);
    const after = await logs('--format', 'json', '--since', '1d');
    expect(after.stdout).toBe('');
    const bad = await logs('--since', 'yesterday');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("invalid time 'yesterday'");
    const elsewhere = tempDir('no-store');
    const missing = await credplaneCli(['logs', '--data-dir', elsewhere], elsewhere);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no credplane store at');
    expect(fs.readdirSync(elsewhere).filter((f) => f.endsWith('.db'))).toEqual([]);
  });
});
