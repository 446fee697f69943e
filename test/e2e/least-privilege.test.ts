/**
 * Least privilege, closed loop, across processes: a workload whose role is far too broad does its
 * job through the gateway (S3 GetObject on two keys, DynamoDB GetItem; backend `moto_server` on
 * 127.0.0.1). `credplane analyze` lists exactly the actions it did not use; `credplane policy
 * generate` writes the policy it needs; `policy tighten --apply` puts it in place through the IAM
 * API, after which the same job passes and every other call is refused; `policy rollback` gives
 * the broad policies back. `policy simulate` explains the decisions on the way.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandActionPattern } from '../../src/catalog/iam-actions.js';
import { openStore } from '../../src/store/open.js';
import {
  ACCOUNT,
  ADMIN,
  credplaneCli,
  startCredplane,
  startMoto,
  tempDir,
  type Credplane,
  type Moto,
} from './support.js';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
const isolation = tempDir('lp-sdk-env');
fs.writeFileSync(path.join(isolation, 'none'), '');
process.env.AWS_CONFIG_FILE = path.join(isolation, 'none');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(isolation, 'none');

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const BROAD = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: ['s3:*', 'dynamodb:*'], Resource: '*' }],
};
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders`;

const TEMPLATE = `
Resources:
  Queues:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      ManagedPolicyName: worker-queues
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Action: 'sqs:*', Resource: '*' }
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: worker
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { AWS: 'arn:aws:iam::${ACCOUNT}:root' }, Action: sts:AssumeRole }
      ManagedPolicyArns: [!Ref Queues]
      Policies:
        - PolicyName: broad
          PolicyDocument: ${JSON.stringify(BROAD)}
`;

const MOTO = { accessKeyId: 'test', secretAccessKey: 'test' };
let dir: string;
let moto: Moto | undefined;
let motoUrl: string;
let plane: Credplane;
let queueUrl: string;

async function seedMoto(): Promise<void> {
  const direct = { endpoint: motoUrl, region: 'us-east-1', credentials: MOTO };
  const s3 = new S3Client({ ...direct, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'orders' }));
  for (const key of ['in/1.json', 'in/2.json', 'archive/0.json']) {
    await s3.send(new PutObjectCommand({ Bucket: 'orders', Key: key, Body: `{"key":"${key}"}` }));
  }
  const ddb = new DynamoDBClient(direct);
  await ddb.send(
    new CreateTableCommand({
      TableName: 'orders',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await ddb.send(new PutItemCommand({ TableName: 'orders', Item: { pk: { S: 'o-1' }, total: { N: '7' } } }));
  queueUrl = (await new SQSClient(direct).send(new CreateQueueCommand({ QueueName: 'jobs' }))).QueueUrl!;
}

const via = (credentials: Credentials) => ({
  endpoint: plane.url,
  region: 'us-east-1',
  credentials,
  maxAttempts: 1,
});

async function assumeWorker(): Promise<Credentials> {
  const sts = new STSClient({ endpoint: plane.url, region: 'us-east-1', credentials: ADMIN, maxAttempts: 1 });
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/worker`, RoleSessionName: 'job' }),
  );
  return {
    accessKeyId: out.Credentials!.AccessKeyId!,
    secretAccessKey: out.Credentials!.SecretAccessKey!,
    sessionToken: out.Credentials!.SessionToken!,
  };
}

/** The workload's job: read two input objects and one order. */
async function job(credentials: Credentials): Promise<void> {
  const s3 = new S3Client({ ...via(credentials), forcePathStyle: true });
  for (const key of ['in/1.json', 'in/2.json']) {
    const got = await s3.send(new GetObjectCommand({ Bucket: 'orders', Key: key }));
    expect(await got.Body!.transformToString()).toBe(`{"key":"${key}"}`);
  }
  const item = await new DynamoDBClient(via(credentials)).send(
    new GetItemCommand({ TableName: 'orders', Key: { pk: { S: 'o-1' } } }),
  );
  expect(item.Item?.total?.N).toBe('7');
}

/** Calls outside the job; resolves the error name of each (or 'ok'). */
async function otherCalls(credentials: Credentials): Promise<Record<string, string>> {
  const s3 = new S3Client({ ...via(credentials), forcePathStyle: true });
  const ddb = new DynamoDBClient(via(credentials));
  const sqs = new SQSClient(via(credentials));
  const outcome = async (call: Promise<unknown>): Promise<string> =>
    call.then(
      () => 'ok',
      (error: Error) => error.name,
    );
  return {
    archive: await outcome(s3.send(new GetObjectCommand({ Bucket: 'orders', Key: 'archive/0.json' }))),
    put: await outcome(s3.send(new PutObjectCommand({ Bucket: 'orders', Key: 'in/3.json', Body: '{}' }))),
    putItem: await outcome(
      ddb.send(new PutItemCommand({ TableName: 'orders', Item: { pk: { S: 'o-2' }, total: { N: '1' } } })),
    ),
    scan: await outcome(ddb.send(new ScanCommand({ TableName: 'orders' }))),
    send: await outcome(sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' }))),
  };
}

/** The access log's IAM events of one operation (waiting for the batch to be written). */
async function iamEvents(
  eventName: string,
): Promise<{ eventSource: string; decision: string; principalArn?: string }[]> {
  const store = await openStore(path.join(plane.dataDir, 'credplane.db'));
  try {
    const until = Date.now() + 10_000;
    for (;;) {
      const events = (await store.listAccessEvents({ accountId: ACCOUNT, limit: 1000 })).filter(
        (e) => e.channel === 'iam' && e.eventName === eventName,
      );
      if (events.length > 0 || Date.now() > until) {
        return events.map((e) => ({
          eventSource: e.eventSource,
          decision: e.decision,
          ...(e.principalArn === undefined ? {} : { principalArn: e.principalArn }),
        }));
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await store.close();
  }
}

const cli = (...args: string[]) => credplaneCli([...args, '--data-dir', plane.dataDir], dir);

interface PlanJson {
  policy: {
    Version: string;
    Statement: { Sid: string; Effect: string; Action: unknown; Resource: unknown }[];
  };
  allowedActions: string[];
  removed: { services: { service: string; removed: string[]; kept: number }[] };
  changes: string[];
  findings: { severity: string }[];
  diff: string;
}

async function generated(): Promise<PlanJson> {
  // The access log is written in batches: wait until the job's three accesses are in.
  const until = Date.now() + 15_000;
  for (;;) {
    const out = await cli('policy', 'generate', 'worker', '--since', '15m', '--format', 'json');
    expect(out.stderr).toBe('');
    const plan = JSON.parse(out.stdout) as PlanJson;
    if (plan.allowedActions.length >= 2 || Date.now() > until) return plan;
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  dir = tempDir('least-privilege');
  moto = await startMoto(dir);
  motoUrl = moto.url;
  await seedMoto();
  const template = path.join(dir, 'stack.yaml');
  fs.writeFileSync(template, TEMPLATE);
  plane = await startCredplane({ args: ['--template', template, '--backend', `*=${motoUrl}`] });
}, 60_000);

afterAll(async () => {
  await plane?.stop();
  await moto?.stop();
});

describe('least privilege, from an over-broad role to what the workload needs and back', () => {
  let plan: PlanJson;

  it('the workload does its job with its broad role', async () => {
    await job(await assumeWorker());
  });

  it('generate: one statement per resource set, exact ARNs, checks pass, unused actions named', async () => {
    plan = await generated();
    expect(plan.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'DynamoDBRead', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: TABLE },
        {
          Sid: 'S3Read',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: ['arn:aws:s3:::orders/in/1.json', 'arn:aws:s3:::orders/in/2.json'],
        },
      ],
    });
    expect(plan.findings.filter((f) => f.severity === 'ERROR')).toEqual([]);
    expect(plan.changes).toEqual([
      'PutRolePolicy credplane-least-privilege',
      'DeleteRolePolicy broad',
      `DetachRolePolicy arn:aws:iam::${ACCOUNT}:policy/worker-queues`,
    ]);
    expect(plan.diff).toContain('-        "s3:*",');
    expect(plan.removed.services.find((s) => s.service === 'sqs')?.kept).toBe(0);
    // The prefix threshold folds the two keys when asked to.
    const folded = await cli(
      'policy',
      'generate',
      'worker',
      '--since',
      '15m',
      '--prefix-threshold',
      '1',
      '--format',
      'json',
    );
    expect((JSON.parse(folded.stdout) as PlanJson).policy.Statement[1]!.Resource).toBe(
      'arn:aws:s3:::orders/in/*',
    );
  }, 30_000);

  it('analyze lists exactly the actions the workload did not use', async () => {
    const out = await cli(
      'analyze',
      '--role',
      'worker',
      '--checks',
      'unused',
      '--period',
      '15m',
      '--format',
      'json',
      '--fail-on',
      'none',
    );
    expect(out.stderr).toBe('');
    const findings = (
      JSON.parse(out.stdout) as { findings: { code: string; details: Record<string, unknown> }[] }
    ).findings;
    const unusedActions = findings.find((f) => f.code === 'UNUSED_ACTION_PERMISSIONS')?.details
      .unusedActions as string[];
    const expected = [
      ...(await expandActionPattern('s3:*')),
      ...(await expandActionPattern('dynamodb:*')),
    ].filter((a) => a !== 's3:GetObject' && a !== 'dynamodb:GetItem');
    expect([...unusedActions].sort()).toEqual(expected.sort());
    expect(findings.find((f) => f.code === 'UNUSED_SERVICE_PERMISSIONS')?.details.unusedServices).toEqual([
      'sqs',
    ]);
    // generate's summary names the same actions.
    const removed = plan.removed.services.filter((s) => s.service !== 'sqs').flatMap((s) => s.removed);
    expect(removed.sort()).toEqual(expected.sort());
  }, 30_000);

  it('simulate explains an allow of the broad policy and a trust-policy refusal', async () => {
    const before = await cli(
      'policy',
      'simulate',
      '--role',
      'worker',
      '--action',
      's3:PutObject',
      '--resource',
      'arn:aws:s3:::orders/in/3.json',
    );
    expect(before.stdout).toContain('s3:PutObject on arn:aws:s3:::orders/in/3.json: allowed');
    expect(before.stdout).toMatch(
      /allowed by Statement\[0\] \(Sid "Everything"\) of identity policy "broad"/,
    );
    const trust = await cli(
      'policy',
      'simulate',
      '--role',
      'worker',
      '--action',
      'sts:AssumeRole',
      '--principal-service',
      'ec2.amazonaws.com',
    );
    expect(trust.stdout).toContain(`sts:AssumeRole on arn:aws:iam::${ACCOUNT}:role/worker: implicitDeny`);
  });

  let snapshotId: string;

  it('tighten --apply goes through the IAM API, keeps a snapshot; the job passes, everything else is denied', async () => {
    const dry = await cli('policy', 'tighten', 'worker', '--since', '15m');
    expect(dry.stdout).toContain('plan only: run with --apply');
    const applied = await cli('policy', 'tighten', 'worker', '--since', '15m', '--apply');
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain(`applied 3 change(s) through the IAM API at ${plane.url}`);
    snapshotId = /kept in snapshot (\S+):/.exec(applied.stdout)![1]!;

    const iam = new IAMClient({
      endpoint: plane.url,
      region: 'us-east-1',
      credentials: ADMIN,
      maxAttempts: 1,
    });
    const put = await iam.send(
      new GetRolePolicyCommand({ RoleName: 'worker', PolicyName: 'credplane-least-privilege' }),
    );
    expect(JSON.parse(decodeURIComponent(put.PolicyDocument!))).toEqual(plan.policy);
    expect(
      (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'worker' }))).AttachedPolicies,
    ).toEqual([]);
    // The change was an authenticated IAM call by the admin, in the access log.
    expect(await iamEvents('PutRolePolicy')).toEqual([
      {
        eventSource: 'iam.amazonaws.com',
        decision: 'allow',
        principalArn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
      },
    ]);

    const session = await assumeWorker();
    await job(session);
    expect(await otherCalls(session)).toEqual({
      archive: 'AccessDenied',
      put: 'AccessDenied',
      putItem: 'AccessDeniedException',
      scan: 'AccessDeniedException',
      send: expect.stringMatching(/AccessDenied/),
    });
    const simulated = await cli(
      'policy',
      'simulate',
      '--role',
      'worker',
      '--action',
      's3:GetObject,s3:PutObject',
      '--resource',
      'arn:aws:s3:::orders/in/1.json',
      '--format',
      'json',
    );
    const results = (JSON.parse(simulated.stdout) as { EvaluationResults: { EvalDecision: string }[] })
      .EvaluationResults;
    expect(results.map((r) => r.EvalDecision)).toEqual(['allowed', 'implicitDeny']);

    const listed = await cli('policy', 'snapshots', 'worker', '--format', 'json');
    expect((JSON.parse(listed.stdout) as { snapshotId: string }[]).map((s) => s.snapshotId)).toEqual([
      snapshotId,
    ]);
  }, 60_000);

  it('rollback restores the broad policies through the IAM API and deletes the snapshot', async () => {
    const rolled = await cli('policy', 'rollback', 'worker');
    expect(rolled.stderr).toBe('');
    expect(rolled.stdout).toContain(`restored role worker from snapshot ${snapshotId}`);
    const iam = new IAMClient({
      endpoint: plane.url,
      region: 'us-east-1',
      credentials: ADMIN,
      maxAttempts: 1,
    });
    const broad = await iam.send(new GetRolePolicyCommand({ RoleName: 'worker', PolicyName: 'broad' }));
    expect(JSON.parse(decodeURIComponent(broad.PolicyDocument!))).toEqual(BROAD);
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'worker' }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([
      `arn:aws:iam::${ACCOUNT}:policy/worker-queues`,
    ]);
    const outcomes = await otherCalls(await assumeWorker());
    expect(outcomes.archive).toBe('ok');
    expect(outcomes.scan).toBe('ok');
    expect((await cli('policy', 'snapshots', 'worker')).stdout).toBe('role worker has no policy snapshots\n');
    const again = await cli('policy', 'rollback', 'worker');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('NoSuchEntity: The role worker has no policy snapshot.');
  }, 60_000);
});
