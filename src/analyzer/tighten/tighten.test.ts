import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestPlane, type TestPlane } from '../../server/test-support/plane.js';
import type { AccessEventInput, Store } from '../../store/store.js';
import { GENERATED_POLICY_NAME } from '../generate/diff.js';
import { parseSince } from '../generate/since.js';
import { planReplacement } from './changes.js';
import { iamQueryWriter, probeRole, type QueryTransport } from './iam-query-writer.js';
import { applyTighten, planPolicy, rollbackPolicies, type ApplyVia } from './tighten.js';

const ACCOUNT = '123456789012';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const BROAD = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Everything', Effect: 'Allow', Action: ['s3:*', 'dynamodb:*'], Resource: '*' },
    { Sid: 'NoBucketDeletes', Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
  ],
});
const MANAGED_DOC = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }],
});
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Orders`;

function used(action: string, resource: string, allowed = true): AccessEventInput {
  const [service, name] = action.split(':') as [string, string];
  return {
    eventId: randomUUID(),
    eventTime: new Date(),
    accountId: ACCOUNT,
    roleName: 'app',
    channel: 'gateway',
    eventSource: `${service}.amazonaws.com`,
    eventName: name,
    decision: allowed ? 'allow' : 'deny',
    record: {},
    accesses: [{ action, resource, allowed }],
  };
}

async function seed(store: Store): Promise<string> {
  await store.createRole(ACCOUNT, { roleName: 'app', assumeRolePolicyDocument: TRUST });
  await store.putRolePolicy(ACCOUNT, 'app', 'broad', BROAD);
  const managed = await store.createPolicy(ACCOUNT, { policyName: 'queues', document: MANAGED_DOC });
  await store.attachRolePolicy(ACCOUNT, 'app', managed.arn);
  await store.attachRolePolicy(ACCOUNT, 'app', 'arn:aws:iam::aws:policy/ReadOnlyAccess');
  await store.appendAccessEvents([
    used('s3:GetObject', 'arn:aws:s3:::orders/in/1.json'),
    used('dynamodb:GetItem', TABLE),
    used('dynamodb:DeleteTable', TABLE, false),
  ]);
  return managed.arn;
}

async function state(store: Store): Promise<{ inline: Record<string, string>; attached: string[] }> {
  const inline = await store.listRolePolicies(ACCOUNT, 'app');
  const attached = await store.listAttachedRolePolicies(ACCOUNT, 'app');
  return {
    inline: Object.fromEntries(inline.items.map((p) => [p.policyName, p.document])),
    attached: attached.items.map((a) => a.policyArn).sort(),
  };
}

describe('planReplacement', () => {
  it('grants first, then removes; leaves unchanged policies alone', () => {
    expect(
      planReplacement(
        {
          inline: [
            { policyName: 'keep', document: 'same' },
            { policyName: 'old', document: 'x' },
          ],
          attached: [{ policyArn: 'arn:a' }],
        },
        {
          inline: [
            { policyName: 'keep', document: 'same' },
            { policyName: 'new', document: 'y' },
          ],
          attached: [{ policyArn: 'arn:b' }],
        },
      ),
    ).toEqual([
      { op: 'PutRolePolicy', policyName: 'new', document: 'y' },
      { op: 'AttachRolePolicy', policyArn: 'arn:b' },
      { op: 'DeleteRolePolicy', policyName: 'old' },
      { op: 'DetachRolePolicy', policyArn: 'arn:a' },
    ]);
  });
});

describe('tighten and rollback', () => {
  let plane: TestPlane;
  let managedArn: string;
  beforeEach(async () => {
    plane = await createTestPlane();
    managedArn = await seed(plane.store);
  });
  afterEach(async () => {
    await plane.close();
  });

  const viaApi = (): ApplyVia => ({ kind: 'iam-api', writer: iamQueryWriter(transport(plane)) });

  it('plans: the generated policy, the diff, the removed actions and the IAM changes', async () => {
    const plan = await planPolicy(plane.store, ACCOUNT, 'app', { since: parseSince('1h') });
    expect(plan.generated.allowedActions).toEqual(['dynamodb:GetItem', 's3:GetObject']);
    expect(plan.generated.keptDenies).toEqual([{ policy: 'broad', sid: 'NoBucketDeletes' }]);
    expect(plan.diff).toContain('--- role/app (current)');
    expect(plan.diff).toContain(`+// inline policy ${GENERATED_POLICY_NAME}`);
    expect(plan.diff).toContain('-      "Action": [\n-        "s3:*",');
    const sqs = plan.removed.services.find((s) => s.service === 'sqs');
    expect(sqs).toMatchObject({ kept: 0 });
    expect(plan.removed.services.find((s) => s.service === 'dynamodb')?.removed).toContain(
      'dynamodb:DeleteTable',
    );
    expect(plan.changes.map((c) => c.op)).toEqual([
      'PutRolePolicy',
      'DeleteRolePolicy',
      'DetachRolePolicy',
      'DetachRolePolicy',
    ]);
  });

  for (const mode of ['iam-api', 'store'] as const) {
    it(`applies through ${mode}, keeps a snapshot, and rollback restores exactly`, async () => {
      const before = await state(plane.store);
      const plan = await planPolicy(plane.store, ACCOUNT, 'app', { since: parseSince('1h') });
      const via = mode === 'store' ? ({ kind: 'store' } as const) : viaApi();
      const snapshot = await applyTighten(plane.store, plan, via);

      const after = await state(plane.store);
      expect(after.attached).toEqual([]);
      expect(Object.keys(after.inline)).toEqual([GENERATED_POLICY_NAME]);
      expect(JSON.parse(after.inline[GENERATED_POLICY_NAME]!)).toEqual(plan.generated.document);
      const listed = await plane.store.listRolePolicySnapshots(ACCOUNT, 'app');
      expect(listed.map((s) => s.snapshotId)).toEqual([snapshot.snapshotId]);
      expect(listed[0]!.reason).toBe('policy tighten');

      // A session of the role now has exactly the generated permissions (the request path sees it).
      const role = await plane.snapshot.role(ACCOUNT, 'app');
      expect(role?.identity.map((p) => p.name)).toEqual([GENERATED_POLICY_NAME]);

      const rolled = await rollbackPolicies(plane.store, ACCOUNT, 'app', via);
      expect(rolled.snapshot.snapshotId).toBe(snapshot.snapshotId);
      expect(await state(plane.store)).toEqual(before);
      expect(await plane.store.listRolePolicySnapshots(ACCOUNT, 'app')).toEqual([]);
      expect(before.attached).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess', managedArn].sort());
    });
  }

  it('rolls back a given snapshot, and says so when there is none', async () => {
    const plan = await planPolicy(plane.store, ACCOUNT, 'app', { since: parseSince('1h') });
    const first = await applyTighten(plane.store, plan, { kind: 'store' });
    const again = await planPolicy(plane.store, ACCOUNT, 'app', { since: parseSince('1h') });
    expect(again.changes).toEqual([]); // already tight: nothing to do
    const second = await applyTighten(plane.store, again, { kind: 'store' });
    expect((await plane.store.listRolePolicySnapshots(ACCOUNT, 'app')).map((s) => s.snapshotId)).toEqual([
      second.snapshotId,
      first.snapshotId,
    ]);
    await rollbackPolicies(plane.store, ACCOUNT, 'app', { kind: 'store' }, first.snapshotId);
    expect((await state(plane.store)).attached).toHaveLength(2);
    await rollbackPolicies(plane.store, ACCOUNT, 'app', { kind: 'store' });
    await expect(rollbackPolicies(plane.store, ACCOUNT, 'app', { kind: 'store' })).rejects.toMatchObject({
      code: 'NoSuchEntity',
    });
  });

  it('leaves the permissions boundary alone', async () => {
    const boundary = await plane.store.createPolicy(ACCOUNT, { policyName: 'fence', document: MANAGED_DOC });
    await plane.store.putRolePermissionsBoundary(ACCOUNT, 'app', boundary.arn);
    const plan = await planPolicy(plane.store, ACCOUNT, 'app', { since: parseSince('1h') });
    await applyTighten(plane.store, plan, viaApi());
    expect((await plane.store.getRole(ACCOUNT, 'app')).permissionsBoundaryArn).toBe(boundary.arn);
    await rollbackPolicies(plane.store, ACCOUNT, 'app', viaApi());
    expect((await plane.store.getRole(ACCOUNT, 'app')).permissionsBoundaryArn).toBe(boundary.arn);
  });

  it('a store-side failure changes nothing (one transaction)', async () => {
    const plan = await planPolicy(plane.store, ACCOUNT, 'app', { since: parseSince('1h') });
    const before = await state(plane.store);
    const broken = {
      ...plan,
      changes: [
        ...plan.changes,
        { op: 'DetachRolePolicy' as const, policyArn: 'arn:aws:iam::123456789012:policy/nope' },
      ],
    };
    await expect(applyTighten(plane.store, broken, { kind: 'store' })).rejects.toMatchObject({
      code: 'NoSuchEntity',
    });
    expect(await state(plane.store)).toEqual(before);
    expect(await plane.store.listRolePolicySnapshots(ACCOUNT, 'app')).toEqual([]);
  });

  it('refuses to apply policies broader than the current ones, and changes nothing', async () => {
    // The role's current policies allow s3 only with a prefix condition.
    await plane.store.deleteRolePolicy(ACCOUNT, 'app', 'broad');
    await plane.store.detachRolePolicy(ACCOUNT, 'app', managedArn);
    await plane.store.detachRolePolicy(ACCOUNT, 'app', 'arn:aws:iam::aws:policy/ReadOnlyAccess');
    const scoped = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::orders/*',
          Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
        },
      ],
    });
    await plane.store.putRolePolicy(ACCOUNT, 'app', 'scoped', scoped);
    const plan = await planPolicy(plane.store, ACCOUNT, 'app', { since: parseSince('1h') });
    expect(plan.generated.verification.widening).toEqual([]);
    expect(plan.generated.document.Statement[0]).toMatchObject({
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::orders/in/1.json',
      Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    });
    const before = await state(plane.store);
    // A plan whose policy lost the condition (as the condition-dropping rewrite produced).
    const dropped = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::orders/in/1.json' }],
    });
    const widened = {
      ...plan,
      changes: plan.changes.map((c) => (c.op === 'PutRolePolicy' ? { ...c, document: dropped } : c)),
    };
    for (const via of [{ kind: 'store' } as const, viaApi()]) {
      await expect(applyTighten(plane.store, widened, via)).rejects.toMatchObject({
        code: 'PolicyWouldWiden',
      });
    }
    const attaching = {
      ...plan,
      changes: [...plan.changes, { op: 'AttachRolePolicy' as const, policyArn: managedArn }],
    };
    await expect(applyTighten(plane.store, attaching, { kind: 'store' })).rejects.toThrow(
      `it attaches ${managedArn}`,
    );
    expect(await state(plane.store)).toEqual(before);
    expect(await plane.store.listRolePolicySnapshots(ACCOUNT, 'app')).toEqual([]);
    // The plan as generated applies.
    await applyTighten(plane.store, plan, { kind: 'store' });
  });

  it('the IAM API writer reports AWS errors with their code, and the probe checks the role', async () => {
    const writer = iamQueryWriter(transport(plane));
    await expect(writer.deleteRolePolicy('app', 'nope')).rejects.toMatchObject({ code: 'NoSuchEntity' });
    await expect(probeRole(transport(plane), 'missing')).rejects.toMatchObject({ code: 'NoSuchEntity' });
    await expect(probeRole(transport(plane), 'app')).resolves.toBeUndefined();
  });
});

function transport(plane: TestPlane): QueryTransport {
  return async (params) => {
    const response = await plane.call('iam', plane.admin, params);
    return { status: response.status, body: response.text };
  };
}
