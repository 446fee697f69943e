import { beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { analyzeEscalation } from './escalation/index.js';
import { loadAnalysisData } from './load.js';
import { loadEscalationUsers } from './load-users.js';

const ACCOUNT = '111122223333';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const createKeyOn = (userArn: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: userArn }],
  });

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
  await store.createAccount({ accountId: ACCOUNT });
  await store.createUser(ACCOUNT, { userName: 'boss' });
  await store.attachUserPolicy(ACCOUNT, 'boss', ADMIN);
  await store.createUser(ACCOUNT, { userName: 'helper' });
  await store.createGroup(ACCOUNT, { groupName: 'keymakers' });
  await store.addUserToGroup(ACCOUNT, 'keymakers', 'helper');
});

async function analysis() {
  const data = await loadAnalysisData(store, { accountId: ACCOUNT, periodMs: 86_400_000 });
  return analyzeEscalation(data, { users: await loadEscalationUsers(store, ACCOUNT) });
}

describe('the escalation analysis with the store’s users', () => {
  it('finds a user that can create an access key for an admin user through its group', async () => {
    const bossArn = `arn:aws:iam::${ACCOUNT}:user/boss`;
    const helperArn = `arn:aws:iam::${ACCOUNT}:user/helper`;
    const fromHelper = (edges: { kind: string; from: string }[]) =>
      edges.filter((e) => e.kind === 'create-access-key' && e.from === helperArn);
    // Before: only the admin can make keys (for helper); helper has no path.
    expect(fromHelper((await analysis()).edges)).toEqual([]);

    await store.putGroupPolicy(ACCOUNT, 'keymakers', 'keys', createKeyOn(bossArn));
    const result = await analysis();
    expect(result.principals.map((p) => [p.kind, p.name]).sort()).toEqual([
      ['user', 'boss'],
      ['user', 'helper'],
    ]);
    expect(result.edges).toContainEqual(
      expect.objectContaining({ kind: 'create-access-key', from: helperArn, to: bossArn }),
    );
    expect(result.findings.map((f) => f.subject.arn)).toContain(helperArn);

    // A permissions boundary without the action takes the path away.
    await store.createPolicy(ACCOUNT, {
      policyName: 'read-only',
      document: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }],
      }),
    });
    await store.putUserPermissionsBoundary(ACCOUNT, 'helper', `arn:aws:iam::${ACCOUNT}:policy/read-only`);
    const bounded = await analysis();
    expect(fromHelper(bounded.edges)).toEqual([]);
    expect(bounded.findings.map((f) => f.subject.arn)).not.toContain(helperArn);
  });
});
