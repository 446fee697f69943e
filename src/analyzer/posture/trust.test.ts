import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue } from '../../iam/types.js';
import type { Store } from '../../store/store.js';
import { ACCT, load, memoryStore, policy, role } from '../test-support/fixtures.js';
import { openTrustFindings } from './open-trust.js';
import { webIdentityTrustFindings } from './web-identity-trust.js';

let store: Store;
beforeEach(async () => {
  store = await memoryStore();
});
afterEach(() => store.close());

const ISSUER = 'oidc.example.com/id/ABC';
const PROVIDER = `arn:aws:iam::${ACCT}:oidc-provider/${ISSUER}`;

function webTrust(condition?: { [key: string]: JsonValue }): string {
  return policy({
    Effect: 'Allow',
    Principal: { Federated: PROVIDER },
    Action: 'sts:AssumeRoleWithWebIdentity',
    ...(condition === undefined ? {} : { Condition: condition }),
  });
}

async function webCodes(condition?: { [key: string]: JsonValue }): Promise<string[]> {
  await role(store, 'pod', { trust: webTrust(condition) });
  return webIdentityTrustFindings(await load(store)).map((f) => f.code);
}

describe('WEB_IDENTITY_TRUST_WITHOUT_SUB / _WITHOUT_AUD', () => {
  it('flags a provider trusted with no condition at all', async () => {
    expect(await webCodes()).toEqual(['WEB_IDENTITY_TRUST_WITHOUT_SUB', 'WEB_IDENTITY_TRUST_WITHOUT_AUD']);
  });

  it('flags a sub that is only a wildcard over every service account, but not the aud it pins', async () => {
    const codes = await webCodes({
      StringLike: { [`${ISSUER}:sub`]: 'system:serviceaccount:*' },
      StringEquals: { [`${ISSUER}:aud`]: 'sts.amazonaws.com' },
    });
    expect(codes).toEqual(['WEB_IDENTITY_TRUST_WITHOUT_SUB']);
  });

  it('flags a missing aud when sub is pinned', async () => {
    const codes = await webCodes({ StringEquals: { [`${ISSUER}:sub`]: 'system:serviceaccount:pay:api' } });
    expect(codes).toEqual(['WEB_IDENTITY_TRUST_WITHOUT_AUD']);
  });

  it('does not flag a trust pinned to one subject and the STS audience', async () => {
    const codes = await webCodes({
      StringEquals: {
        [`${ISSUER}:sub`]: 'system:serviceaccount:pay:api',
        [`${ISSUER}:aud`]: 'sts.amazonaws.com',
      },
    });
    expect(codes).toEqual([]);
  });

  it('treats a GitHub repo:* subject as no subject condition', async () => {
    const gh = 'token.actions.githubusercontent.com';
    await role(store, 'ci', {
      trust: policy({
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${ACCT}:oidc-provider/${gh}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringLike: { [`${gh}:sub`]: 'repo:*' },
          StringEquals: { [`${gh}:aud`]: 'sts.amazonaws.com' },
        },
      }),
    });
    expect(webIdentityTrustFindings(await load(store)).map((f) => f.code)).toEqual([
      'WEB_IDENTITY_TRUST_WITHOUT_SUB',
    ]);
  });
});

function awsTrust(principal: JsonValue, condition?: { [key: string]: JsonValue }): string {
  return policy({
    Effect: 'Allow',
    Principal: principal,
    Action: 'sts:AssumeRole',
    ...(condition === undefined ? {} : { Condition: condition }),
  });
}

async function openCodes(trust: string): Promise<string[]> {
  await role(store, 'r', { trust });
  return openTrustFindings(await load(store)).map(
    (f) => `${f.code}${f.details?.accounts ? ` ${String(f.details.accounts)}` : ''}`,
  );
}

describe('TRUST_OPEN_TO_ANYONE', () => {
  it('flags Principal "*" and {"AWS":"*"} without a condition', async () => {
    expect(await openCodes(awsTrust('*'))).toEqual(['TRUST_OPEN_TO_ANYONE']);
    await store.updateRole(ACCT, 'r', { assumeRolePolicyDocument: awsTrust({ AWS: '*' }) });
    expect(openTrustFindings(await load(store)).map((f) => f.code)).toEqual(['TRUST_OPEN_TO_ANYONE']);
  });

  it('does not flag Principal "*" narrowed by aws:PrincipalOrgID', async () => {
    expect(await openCodes(awsTrust('*', { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } }))).toEqual(
      [],
    );
  });
});

describe('TRUST_OPEN_TO_OTHER_ACCOUNTS', () => {
  it('flags another account (id, root ARN or role ARN) without a condition', async () => {
    expect(
      await openCodes(
        awsTrust({
          AWS: ['111122223333', 'arn:aws:iam::444455556666:root', 'arn:aws:iam::777788889999:role/ci'],
        }),
      ),
    ).toEqual(['TRUST_OPEN_TO_OTHER_ACCOUNTS 111122223333,444455556666,777788889999']);
  });

  it('does not flag another account required to pass an external id, nor the own account', async () => {
    expect(
      await openCodes(awsTrust({ AWS: '111122223333' }, { StringEquals: { 'sts:ExternalId': 'x-7f3a' } })),
    ).toEqual([]);
    await store.updateRole(ACCT, 'r', {
      assumeRolePolicyDocument: awsTrust({ AWS: `arn:aws:iam::${ACCT}:root` }),
    });
    expect(openTrustFindings(await load(store))).toEqual([]);
  });
});
