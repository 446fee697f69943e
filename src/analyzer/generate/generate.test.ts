import { describe, expect, it } from 'vitest';
import type { CatalogAction, CatalogService } from '../../catalog/iam-actions.js';
import type { LastAccessed } from '../../store/store.js';
import { installedCatalog, sidServiceName, type ActionCatalog } from './catalog.js';
import { generatePolicy, type CurrentPolicy } from './generate.js';
import { generaliseResources } from './resources.js';
import { parseSince } from './since.js';

const ACCOUNT = '123456789012';
const ROLE = { roleName: 'orders', arn: `arn:aws:iam::${ACCOUNT}:role/orders`, accountId: ACCOUNT };
const T = new Date('2026-11-20T10:00:00Z');

function access(action: string, resource: string, allowed = 1, denied = 0): LastAccessed {
  return {
    accountId: ACCOUNT,
    roleName: 'orders',
    action,
    resource,
    firstAccessed: T,
    lastAccessed: T,
    allowedCount: allowed,
    deniedCount: denied,
  };
}

const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Orders`;

/** A current policy that grants everything: the generated policy is then bounded by the log alone. */
const EVERYTHING: CurrentPolicy[] = [
  {
    source: 'inline',
    name: 'everything',
    document: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    }),
  },
];

describe('parseSince', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  it('reads durations back from now', () => {
    expect(parseSince('15m', now).toISOString()).toBe('2026-11-29T11:45:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-11-22T12:00:00.000Z');
    expect(parseSince('2w', now).toISOString()).toBe('2026-11-15T12:00:00.000Z');
    expect(parseSince('90d', now).toISOString()).toBe('2026-08-31T12:00:00.000Z');
  });
  it('reads ISO dates and times', () => {
    expect(parseSince('2026-11-01', now).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('2026-11-01T08:30:00Z', now).toISOString()).toBe('2026-11-01T08:30:00.000Z');
  });
  it('refuses anything else with ValidationError', () => {
    for (const bad of ['', '7', 'March', '7 days', '-1d', '2026-13-45']) {
      expect(() => parseSince(bad, now)).toThrow(expect.objectContaining({ code: 'ValidationError' }));
    }
  });
});

describe('generaliseResources', () => {
  const keys = (dir: string, n: number): string[] =>
    Array.from({ length: n }, (_, i) => `arn:aws:s3:::docs/${dir}${i}.txt`);

  it('keeps up to the threshold of keys in one directory exact', () => {
    expect(generaliseResources(keys('reports/', 5))).toEqual(keys('reports/', 5).sort());
  });
  it('folds more than the threshold into the directory prefix', () => {
    expect(generaliseResources(keys('reports/', 6))).toEqual(['arn:aws:s3:::docs/reports/*']);
  });
  it('honours a configured threshold (1: any two keys sharing a directory)', () => {
    expect(generaliseResources(keys('a/', 2), { prefixThreshold: 1 })).toEqual(['arn:aws:s3:::docs/a/*']);
    expect(generaliseResources(keys('a/', 6), { prefixThreshold: 10 })).toHaveLength(6);
  });
  it('folds the deepest directory first, and a folded directory counts as one', () => {
    const out = generaliseResources([...keys('data/2026/', 6), 'arn:aws:s3:::docs/data/index.json']);
    expect(out).toEqual(['arn:aws:s3:::docs/data/2026/*', 'arn:aws:s3:::docs/data/index.json']);
  });
  it('folds a parent whose subdirectories together pass the threshold', () => {
    const out = generaliseResources([...keys('data/a/', 3), ...keys('data/b/', 3)]);
    expect(out).toEqual(['arn:aws:s3:::docs/data/*']);
  });
  it('keeps buckets apart and leaves other ARNs exact', () => {
    const out = generaliseResources([
      ...keys('x/', 6),
      'arn:aws:s3:::other/x/1.txt',
      TABLE,
      'arn:aws:s3:::docs',
    ]);
    expect(out).toEqual([TABLE, 'arn:aws:s3:::docs', 'arn:aws:s3:::docs/x/*', 'arn:aws:s3:::other/x/1.txt']);
  });
  it('never widens past a recorded `*` or to one', () => {
    expect(generaliseResources(['*', TABLE])).toEqual(['*']);
    expect(generaliseResources(keys('', 50))).toEqual(['arn:aws:s3:::docs/*']);
  });
});

describe('generatePolicy', () => {
  const accesses = [
    access('s3:GetObject', 'arn:aws:s3:::docs/a.txt'),
    access('s3:GetObject', 'arn:aws:s3:::docs/b.txt'),
    access('s3:GetObjectTagging', 'arn:aws:s3:::docs/a.txt'),
    access('s3:GetObjectTagging', 'arn:aws:s3:::docs/b.txt'),
    access('dynamodb:GetItem', TABLE),
    access('dynamodb:Query', TABLE),
    access('dynamodb:PutItem', TABLE, 0, 3),
    access('sts:GetCallerIdentity', '*'),
    access('sts:AssumeRole', ROLE.arn),
    access('sqs:ListQueues', `arn:aws:sqs:us-east-1:${ACCOUNT}:whatever`),
  ];

  it('groups actions by identical resources into statements with readable Sids', async () => {
    const result = await generatePolicy({ role: ROLE, current: EVERYTHING, accesses });
    expect(result.document).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DynamoDBRead',
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:Query'],
          Resource: TABLE,
        },
        {
          Sid: 'S3Read',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:GetObjectTagging'],
          Resource: ['arn:aws:s3:::docs/a.txt', 'arn:aws:s3:::docs/b.txt'],
        },
        // Wildcard-only in the catalogue: `*` whatever was recorded.
        { Sid: 'SQSRead', Effect: 'Allow', Action: 'sqs:ListQueues', Resource: '*' },
      ],
    });
    expect(result.allowedActions).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      's3:GetObject',
      's3:GetObjectTagging',
      'sqs:ListQueues',
    ]);
    expect(result.text).toBe(`${JSON.stringify(result.document, null, 2)}\n`);
  });

  it('leaves out denied-only attempts unless includeDenied, and trust-side and free actions always', async () => {
    const strict = await generatePolicy({ role: ROLE, current: EVERYTHING, accesses });
    expect(strict.allowedActions).not.toContain('dynamodb:PutItem');
    expect(strict.allowedActions).not.toContain('sts:GetCallerIdentity');
    expect(strict.allowedActions).not.toContain('sts:AssumeRole');
    expect(strict.notes.join('\n')).toMatch(/1 \(action, resource\) pair\(s\) were only ever denied/);
    const loose = await generatePolicy(
      { role: ROLE, current: EVERYTHING, accesses },
      { includeDenied: true },
    );
    expect(loose.document.Statement[0]).toMatchObject({
      Sid: 'DynamoDBReadWrite',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
    });
  });

  it('keeps sts:AssumeRole on another role (role chaining is a permission)', async () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/deployer`;
    const result = await generatePolicy({
      role: ROLE,
      current: EVERYTHING,
      accesses: [access('sts:AssumeRole', other)],
    });
    expect(result.document.Statement).toEqual([
      { Sid: 'STSWrite', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: other },
    ]);
  });

  it('folds many objects under one prefix, per action', async () => {
    const many = Array.from({ length: 8 }, (_, i) => access('s3:GetObject', `arn:aws:s3:::docs/in/${i}.csv`));
    const result = await generatePolicy({
      role: ROLE,
      current: EVERYTHING,
      accesses: [...many, access('s3:PutObject', 'arn:aws:s3:::docs/out/result.csv')],
    });
    expect(result.document.Statement).toEqual([
      { Sid: 'S3Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::docs/in/*' },
      {
        Sid: 'S3Write',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: 'arn:aws:s3:::docs/out/result.csv',
      },
    ]);
    const narrower = await generatePolicy(
      { role: ROLE, current: EVERYTHING, accesses: many },
      { prefixThreshold: 10 },
    );
    expect((narrower.document.Statement[0]!.Resource as string[]).length).toBe(8);
  });

  it('is deterministic: the input order does not matter', async () => {
    const a = await generatePolicy({ role: ROLE, current: EVERYTHING, accesses });
    const b = await generatePolicy({ role: ROLE, current: EVERYTHING, accesses: [...accesses].reverse() });
    expect(b.text).toBe(a.text);
  });

  it('numbers Sids that would repeat', async () => {
    const result = await generatePolicy({
      role: ROLE,
      current: EVERYTHING,
      accesses: [access('s3:GetObject', 'arn:aws:s3:::a/x'), access('s3:GetObjectAcl', 'arn:aws:s3:::b/y')],
    });
    expect(result.statements.map((s) => s.sid)).toEqual(['S3Read', 'S3Read2']);
  });

  it('passes the policy checks with no ERROR finding', async () => {
    const result = await generatePolicy(
      { role: ROLE, current: EVERYTHING, accesses },
      { includeDenied: true },
    );
    expect(result.findings.filter((f) => f.severity === 'ERROR')).toEqual([]);
  });

  it('grants nothing when nothing was used', async () => {
    const result = await generatePolicy({ role: ROLE, current: EVERYTHING, accesses: [] });
    expect(result.document.Statement).toEqual([]);
    expect(result.allowedActions).toEqual([]);
  });

  it('carries the current Deny statements over verbatim', async () => {
    const deny = {
      Sid: 'NoDeletes',
      Effect: 'Deny',
      Action: 's3:DeleteObject',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    const result = await generatePolicy({
      role: ROLE,
      accesses: [access('s3:GetObject', 'arn:aws:s3:::docs/a')],
      current: [
        {
          source: 'inline',
          name: 'app',
          document: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }, deny],
          }),
        },
      ],
    });
    expect(result.document.Statement[1]).toEqual(deny);
    expect(result.keptDenies).toEqual([{ policy: 'app', sid: 'NoDeletes' }]);
  });

  it("adds the catalogue's dependent actions, scoped to the account", async () => {
    // The installed catalogue snapshot names no dependent actions; this one does.
    const catalog = await catalogWithDependency('lambda:CreateFunction', 'iam:PassRole');
    const fn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:etl`;
    const result = await generatePolicy(
      { role: ROLE, current: EVERYTHING, accesses: [access('lambda:CreateFunction', fn)] },
      { catalog },
    );
    expect(result.dependentActions).toEqual([
      {
        action: 'iam:PassRole',
        requiredBy: ['lambda:CreateFunction'],
        resources: [`arn:aws:iam::${ACCOUNT}:role/*`],
      },
    ]);
    expect(result.document.Statement).toEqual([
      {
        Sid: 'IAMWrite',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: `arn:aws:iam::${ACCOUNT}:role/*`,
      },
      { Sid: 'LambdaWrite', Effect: 'Allow', Action: 'lambda:CreateFunction', Resource: fn },
    ]);
  });

  it('does not add a dependent action already used, nor one the catalogue lacks', async () => {
    const catalog = await catalogWithDependency('lambda:CreateFunction', 'iam:PassRole');
    const role = `arn:aws:iam::${ACCOUNT}:role/etl-exec`;
    const used = await generatePolicy(
      {
        role: ROLE,
        current: EVERYTHING,
        accesses: [
          access('lambda:CreateFunction', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:etl`),
          access('iam:PassRole', role),
        ],
      },
      { catalog },
    );
    expect(used.dependentActions).toEqual([]);
    expect(used.document.Statement[0]).toMatchObject({ Action: 'iam:PassRole', Resource: role });
    const unknown = await generatePolicy(
      {
        role: ROLE,
        current: EVERYTHING,
        accesses: [access('lambda:CreateFunction', `arn:aws:lambda:us-east-1:${ACCOUNT}:function:x`)],
      },
      { catalog: await catalogWithDependency('lambda:CreateFunction', 'nosuch:Thing') },
    );
    expect(unknown.allowedActions).toEqual(['lambda:CreateFunction']);
    expect(unknown.notes.join('\n')).toMatch(/depends on nosuch:Thing, which the catalogue does not know/);
  });
});

describe('sidServiceName', () => {
  it('makes short PascalCase names from catalogue names', () => {
    expect(sidServiceName('dynamodb', 'Amazon DynamoDB')).toBe('DynamoDB');
    expect(sidServiceName('iam', 'AWS Identity and Access Management (IAM)')).toBe('IAM');
    expect(sidServiceName('secretsmanager', 'AWS Secrets Manager')).toBe('SecretsManager');
    expect(sidServiceName('sts', 'AWS Security Token Service')).toBe('STS');
    expect(sidServiceName('x-y', undefined)).toBe('Xy');
  });
});

async function catalogWithDependency(action: string, dependency: string): Promise<ActionCatalog> {
  const base = (await installedCatalog.findAction(action))!;
  const patched: CatalogAction = { ...base, dependentActions: [dependency] };
  return {
    findAction: async (name) =>
      name.toLowerCase() === action.toLowerCase() ? patched : installedCatalog.findAction(name),
    loadService: (key): Promise<CatalogService | undefined> => installedCatalog.loadService(key),
    expandActionPattern: (p) => installedCatalog.expandActionPattern(p),
  };
}
