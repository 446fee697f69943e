import { describe, expect, it } from 'vitest';
import { installedCatalog } from './catalog.js';
import { findWidening } from './verify.js';

const ACCOUNT = '123456789012';
const ROLE = { roleName: 'app', arn: `arn:aws:iam::${ACCOUNT}:role/app`, accountId: ACCOUNT };
const doc = (...statements: object[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
const CURRENT = [
  {
    name: 'scoped',
    document: doc(
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::orders',
        Condition: { StringLike: { 's3:prefix': 'in/*' } },
      },
      { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' },
      {
        Effect: 'Deny',
        Action: 'dynamodb:GetItem',
        NotResource: `arn:aws:dynamodb:*:${ACCOUNT}:table/orders`,
      },
    ),
  },
];
const used = [{ action: 's3:ListBucket', resource: 'arn:aws:s3:::orders' }];

describe('findWidening', () => {
  it('finds a request a condition-dropping policy allows and the current policies refuse', async () => {
    const { widening, requests } = await findWidening({
      current: CURRENT,
      generated: doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::orders' }),
      role: ROLE,
      used,
      catalog: installedCatalog,
    });
    expect(requests).toBeGreaterThan(0);
    expect(widening[0]).toMatchObject({ action: 's3:listbucket', resource: 'arn:aws:s3:::orders' });
  });

  it('finds a dropped Deny (another table) and a widened resource pattern', async () => {
    const dropped = await findWidening({
      current: CURRENT,
      generated: doc({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: '*' }),
      role: ROLE,
      used: [{ action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/orders` }],
      catalog: installedCatalog,
    });
    expect(dropped.widening.map((w) => w.current)).toContain('ExplicitDeny');
    const wider = await findWidening({
      current: CURRENT,
      generated: doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::*' }),
      role: ROLE,
      used,
      catalog: installedCatalog,
    });
    expect(wider.widening.length).toBeGreaterThan(0);
  });

  it('passes a policy that keeps the condition', async () => {
    const { widening } = await findWidening({
      current: CURRENT,
      generated: doc({
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::orders',
        Condition: { StringLike: { 's3:prefix': 'in/*' } },
      }),
      role: ROLE,
      used,
      catalog: installedCatalog,
    });
    expect(widening).toEqual([]);
  });
});
