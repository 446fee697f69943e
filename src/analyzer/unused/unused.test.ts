import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/store.js';
import { ACCT, DAY, allow, event, load, memoryStore, policy, role } from '../test-support/fixtures.js';
import { grantedActions } from './granted-actions.js';
import { serviceLastAccessed } from './last-accessed.js';
import { describePeriod, parsePeriod } from './period.js';
import { unusedAccessKeyFindings } from './unused-access-keys.js';
import { unusedPermissionFindings } from './unused-permissions.js';
import { unusedRoleFindings } from './unused-roles.js';
import { unusedUserFindings } from './unused-users.js';
import { unusedFindings } from './index.js';

let store: Store;
beforeEach(async () => {
  store = await memoryStore();
});
afterEach(() => store.close());

const ago = (days: number, from = Date.now()): Date => new Date(from - days * DAY);

describe('parsePeriod', () => {
  it('reads s, m, h and d', () => {
    expect(parsePeriod('15m')).toBe(900_000);
    expect(parsePeriod('2h')).toBe(7_200_000);
    expect(parsePeriod('90d')).toBe(90 * DAY);
    expect(describePeriod(90 * DAY)).toBe('90 days');
    expect(describePeriod(60_000)).toBe('1 minute');
  });

  it('rejects anything else', () => {
    for (const bad of ['', '90', 'd', '0d', '1y', '-1d', '1.5h'])
      expect(() => parsePeriod(bad)).toThrow(/invalid duration/);
  });
});

describe('grantedActions', () => {
  const doc = (...s: object[]) => ({
    name: 'r/p',
    source: 'inline' as const,
    document: policy(...(s as never[])),
  });

  it('expands wildcards against the catalogue and removes unconditional denies', async () => {
    const granted = await grantedActions([
      doc(allow('sqs:Send*'), allow('sqs:ReceiveMessage'), allow('sqs:DeleteMessage')),
      doc({ Effect: 'Deny', Action: 'sqs:DeleteMessage', Resource: '*' }),
    ]);
    expect(granted).toEqual(['sqs:ReceiveMessage', 'sqs:SendMessage']);
  });

  it('expands NotAction to every other catalogue action, and intersects with the boundary', async () => {
    const granted = await grantedActions([doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })]);
    expect(granted).toContain('s3:GetObject');
    expect(granted.some((a) => a.startsWith('iam:'))).toBe(false);
    const capped = await grantedActions(
      [doc(allow('s3:*'))],
      doc(allow(['s3:GetObject', 'sqs:SendMessage'])),
    );
    expect(capped).toEqual(['s3:GetObject']);
  });
});

describe('UNUSED_ROLE', () => {
  it('flags a role older than the period with no event and no access in it', async () => {
    await role(store, 'forgotten');
    const findings = unusedRoleFindings(await load(store, 90 * DAY, 100));
    expect(findings.map((f) => [f.code, f.subject.name, f.details?.lastAccessed])).toEqual([
      ['UNUSED_ROLE', 'forgotten', null],
    ]);
  });

  it('does not flag a role issued credentials in the period, nor one younger than the period', async () => {
    await role(store, 'used');
    await store.appendAccessEvents([event(new Date(), { roleName: 'used', channel: 'imds', record: {} })]);
    expect(unusedRoleFindings(await load(store, 1 * DAY))).toEqual([]);
    await role(store, 'new');
    expect(unusedRoleFindings(await load(store, 90 * DAY)).map((f) => f.subject.name)).toEqual([]);
  });

  it('reports when a role older than the period was last used, before the period', async () => {
    await role(store, 'old');
    const later = Date.now() + 100 * DAY;
    await store.appendAccessEvents([
      event(ago(95, later), { roleName: 'old' }, [{ action: 'sqs:SendMessage' }]),
    ]);
    const [finding] = unusedRoleFindings(await load(store, 90 * DAY, 100));
    expect(finding?.details?.lastAccessed).toBe(ago(95, later).toISOString());
  });
});

describe('UNUSED_SERVICE_PERMISSIONS / UNUSED_ACTION_PERMISSIONS', () => {
  beforeEach(async () => {
    await role(store, 'worker', {
      inline: {
        p: policy(allow(['sqs:SendMessage', 'sqs:ReceiveMessage', 's3:GetObject', 'dynamodb:GetItem'])),
      },
    });
  });

  it('lists exactly the services and actions the log does not show used', async () => {
    await store.appendAccessEvents([
      event(new Date(), { roleName: 'worker' }, [
        { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:123456789012:q' },
      ]),
    ]);
    const findings = await unusedPermissionFindings(await load(store));
    expect(findings.map((f) => [f.code, f.details?.unusedServices ?? f.details?.unusedActions])).toEqual([
      ['UNUSED_SERVICE_PERMISSIONS', ['dynamodb', 's3']],
      ['UNUSED_ACTION_PERMISSIONS', ['sqs:ReceiveMessage']],
    ]);
  });

  it("does not count the role's own credential issuance as use of its sts permissions", async () => {
    await role(store, 'chain', { inline: { p: policy(allow(['sts:AssumeRole', 'sqs:SendMessage'])) } });
    const own = `arn:aws:iam::${ACCT}:role/chain`;
    await store.appendAccessEvents([
      event(new Date(), { roleName: 'chain', channel: 'imds' }, [
        { action: 'sts:AssumeRole', resource: own },
        { action: 'sqs:SendMessage' },
      ]),
    ]);
    const findings = await unusedPermissionFindings(await load(store));
    const chain = findings.filter((f) => f.subject.name === 'chain');
    expect(chain.map((f) => [f.code, f.details?.unusedServices])).toEqual([
      ['UNUSED_SERVICE_PERMISSIONS', ['sts']],
    ]);
  });

  it('counts neither denied attempts nor uses before the period as use', async () => {
    const later = Date.now() + 10 * DAY;
    await store.appendAccessEvents([
      event(new Date(), { roleName: 'worker' }, [{ action: 'sqs:SendMessage' }]),
      event(new Date(later - DAY), { roleName: 'worker' }, [{ action: 's3:GetObject', allowed: false }]),
      event(new Date(later - DAY), { roleName: 'worker' }, [{ action: 'dynamodb:GetItem' }]),
    ]);
    const findings = await unusedPermissionFindings(await load(store, 5 * DAY, 10));
    const services = findings.find((f) => f.code === 'UNUSED_SERVICE_PERMISSIONS');
    expect(services?.details?.unusedServices).toEqual(['s3', 'sqs']);
    expect(services?.details?.services).toContainEqual({
      service: 'sqs',
      grantedActions: 2,
      lastAccessed: expect.any(String),
    });
  });

  it('reports nothing when every granted action was used, or when the role was never used', async () => {
    expect(await unusedPermissionFindings(await load(store))).toEqual([]);
    await store.appendAccessEvents([
      event(new Date(), { roleName: 'worker' }, [
        { action: 'sqs:SendMessage' },
        { action: 'SQS:receivemessage' },
        { action: 's3:GetObject' },
        { action: 'dynamodb:GetItem' },
      ]),
    ]);
    expect(await unusedPermissionFindings(await load(store))).toEqual([]);
  });

  it('gives the Access Advisor report per service and action', async () => {
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    await store.appendAccessEvents([
      event(at, { roleName: 'worker' }, [{ action: 'sqs:SendMessage', resource: 'arn:q' }]),
    ]);
    const data = await load(store);
    const report = await serviceLastAccessed(data.roles[0]!);
    expect(report.map((s) => [s.serviceNamespace, s.lastAuthenticated?.toISOString() ?? null])).toEqual([
      ['dynamodb', null],
      ['s3', null],
      ['sqs', at.toISOString()],
    ]);
    expect(report[2]?.trackedActionsLastAccessed).toEqual([
      {
        actionName: 'SendMessage',
        lastAccessedTime: at,
        lastAccessedEntity: `arn:aws:iam::${ACCT}:role/worker`,
        lastAccessedResource: 'arn:q',
      },
    ]);
  });
});

describe('UNUSED_ACCESS_KEY', () => {
  // A user holds at most two keys, as in IAM.
  async function key(id: string, userName = 'admin'): Promise<void> {
    if ((await store.findUser(ACCT, userName)) === undefined) await store.createUser(ACCT, { userName });
    await store.createAccessKey({
      accessKeyId: id,
      accountId: ACCT,
      userName,
      sealedSecret: new Uint8Array(8),
    });
  }

  it('flags an active key older than the period that signed nothing in it', async () => {
    await key('AKIAUNUSED0000000001');
    const findings = unusedAccessKeyFindings(await load(store, 90 * DAY, 100));
    expect(findings.map((f) => [f.code, f.subject.name, f.details?.lastUsed])).toEqual([
      ['UNUSED_ACCESS_KEY', 'AKIAUNUSED0000000001', null],
    ]);
  });

  it('does not flag a key that signed an event in the period, an inactive key, or a new key', async () => {
    await key('AKIAUSED000000000001');
    await key('AKIAOFF0000000000001');
    await store.updateAccessKeyStatus('AKIAOFF0000000000001', 'Inactive');
    await store.appendAccessEvents([
      event(new Date(Date.now() + 99 * DAY), {
        channel: 'iam',
        record: { userIdentity: { type: 'IAMUser', accessKeyId: 'AKIAUSED000000000001' } },
      }),
    ]);
    expect(unusedAccessKeyFindings(await load(store, 90 * DAY, 100))).toEqual([]);
    await key('AKIANEW0000000000001', 'newcomer');
    expect(unusedAccessKeyFindings(await load(store, 90 * DAY))).toEqual([]);
  });
});

describe('UNUSED_USER', () => {
  it('flags a user older than the period that signed nothing in it, not one that did or a new one', async () => {
    const idle = await store.createUser(ACCT, { userName: 'idle' });
    const busy = await store.createUser(ACCT, { userName: 'busy', path: '/ci/' });
    const early = new Date(Date.now() + 1 * DAY);
    const signed = (arn: string, at: Date) =>
      event(at, {
        channel: 'sts',
        record: { userIdentity: { type: 'IAMUser', arn, accessKeyId: 'ASIASESSION000000001' } },
      });
    // The idle user's only use is before the period; the busy one signed (a session) in it.
    await store.appendAccessEvents([
      signed(idle.arn, early),
      signed(busy.arn, new Date(Date.now() + 99 * DAY)),
    ]);
    const findings = unusedUserFindings(await load(store, 90 * DAY, 100));
    expect(findings.map((f) => [f.code, f.subject, f.details?.lastUsed])).toEqual([
      ['UNUSED_USER', { kind: 'user', name: 'idle', arn: idle.arn }, early.toISOString()],
    ]);
    // Created within the period: not judged yet.
    expect(unusedUserFindings(await load(store, 90 * DAY))).toEqual([]);
    expect((await unusedFindings(await load(store, 90 * DAY, 100))).map((f) => f.code)).toContain(
      'UNUSED_USER',
    );
  });
});
