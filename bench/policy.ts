/**
 * Policy evaluation benchmark: evaluations per second and per-call latency for
 * (a) a realistic role — 4 identity policies + a permissions boundary, ~30 statements with
 *     wildcards, variables and conditions — over a mix of allowed and denied requests;
 * (b) a large set — 3 SCP levels, a boundary and a 200-statement identity policy.
 *
 * Policies are parsed and compiled once, request contexts built once (as the gateway builds one per
 * request before evaluating; building one costs extra and is measured separately in row (c)).
 * Throughput: one timed loop over many iterations after warm-up. Latency: per-call times taken as
 * batches of BATCH calls timed with `process.hrtime.bigint()` (a single call is too short for the
 * timer), so p50/p99 are per-call averages within a batch; GC pauses and outliers still land in p99.
 */
import { compilePolicy } from '../src/policy/compile.js';
import type { CompiledPolicy } from '../src/policy/compile.js';
import { createRequestContext, principalContextKeys } from '../src/policy/context.js';
import type { ContextInput, RequestPrincipal } from '../src/policy/context.js';
import { evaluate } from '../src/policy/evaluate.js';
import type { AuthorizationRequest, PolicySet } from '../src/policy/evaluate.js';
import { parsePolicy } from '../src/policy/parse.js';
import type { BenchRow, BenchSuite } from './types.js';

const ACCT = '111122223333';
const BATCH = 8;

const compile = (id: string, kind: 'identity' | 'boundary' | 'scp', doc: object): CompiledPolicy =>
  compilePolicy(parsePolicy(doc), { id, kind });

const principal: RequestPrincipal = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${ACCT}:assumed-role/orders-api/i-0abc`,
  roleArn: `arn:aws:iam::${ACCT}:role/orders-api`,
  userId: 'AROAEXAMPLEORDERS:i-0abc',
  account: ACCT,
};

function realisticPolicies(): PolicySet {
  const s3 = compile('s3-data', 'identity', {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'List',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: 'arn:aws:s3:::orders-data',
        Condition: { StringLike: { 's3:prefix': ['incoming/*', 'processed/*'] } },
      },
      {
        Sid: 'Read',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging'],
        Resource: ['arn:aws:s3:::orders-data/incoming/*', 'arn:aws:s3:::orders-data/processed/*'],
      },
      {
        Sid: 'Write',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:PutObjectTagging'],
        Resource: 'arn:aws:s3:::orders-data/processed/*',
      },
      {
        Sid: 'Home',
        Effect: 'Allow',
        Action: 's3:*Object',
        Resource: 'arn:aws:s3:::scratch/${aws:PrincipalTag/team}/*',
      },
      {
        Sid: 'NoUnencryptedPuts',
        Effect: 'Deny',
        Action: 's3:PutObject',
        Resource: '*',
        Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
      },
      { Sid: 'NoDeletes', Effect: 'Deny', Action: ['s3:DeleteObject*', 's3:DeleteBucket*'], Resource: '*' },
      {
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Action: 's3:*',
        Resource: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  });
  const data = compile('dynamo-sqs', 'identity', {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Table',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        Resource: [
          `arn:aws:dynamodb:us-east-1:${ACCT}:table/orders`,
          `arn:aws:dynamodb:us-east-1:${ACCT}:table/orders/index/*`,
        ],
      },
      {
        Sid: 'Tenant',
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: `arn:aws:dynamodb:*:${ACCT}:table/tenants`,
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['${aws:PrincipalTag/tenant}'] },
        },
      },
      { Sid: 'NoScans', Effect: 'Deny', Action: 'dynamodb:Scan', Resource: '*' },
      {
        Sid: 'Queue',
        Effect: 'Allow',
        Action: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ChangeMessageVisibility',
        ],
        Resource: `arn:aws:sqs:us-east-1:${ACCT}:orders-*`,
      },
      {
        Sid: 'Publish',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: `arn:aws:sns:us-east-1:${ACCT}:order-events`,
      },
      {
        Sid: 'Events',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: `arn:aws:events:us-east-1:${ACCT}:event-bus/default`,
      },
    ],
  });
  const ops = compile('observability', 'identity', {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Logs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `arn:aws:logs:us-east-1:${ACCT}:log-group:/app/orders*:*`,
      },
      {
        Sid: 'Metrics',
        Effect: 'Allow',
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'Orders' } },
      },
      {
        Sid: 'Traces',
        Effect: 'Allow',
        Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        Resource: '*',
      },
      { Sid: 'Describe', Effect: 'Allow', Action: ['ec2:Describe*', 'ssm:GetParameter*'], Resource: '*' },
      {
        Sid: 'Params',
        Effect: 'Allow',
        Action: 'ssm:GetParameters',
        Resource: `arn:aws:ssm:us-east-1:${ACCT}:parameter/orders/*`,
      },
      {
        Sid: 'Kms',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: `arn:aws:kms:us-east-1:${ACCT}:key/*`,
        Condition: {
          StringEquals: {
            'kms:ViaService': ['s3.us-east-1.amazonaws.com', 'dynamodb.us-east-1.amazonaws.com'],
          },
        },
      },
      {
        Sid: 'Secrets',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/app': 'orders' } },
      },
    ],
  });
  const guard = compile('guardrails', 'identity', {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'NoImdsV1',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
      },
      {
        Sid: 'Regions',
        Effect: 'Deny',
        NotAction: ['iam:*', 'sts:*', 'cloudfront:*'],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'] } },
      },
      { Sid: 'NoIam', Effect: 'Deny', Action: ['iam:*', 'organizations:*'], Resource: '*' },
      {
        Sid: 'Network',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] },
          Bool: { 'aws:ViaAWSService': 'false' },
        },
      },
      {
        Sid: 'FreshSessions',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } },
      },
    ],
  });
  const boundary = compile('boundary', 'boundary', {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Services',
        Effect: 'Allow',
        Action: [
          's3:*',
          'dynamodb:*',
          'sqs:*',
          'sns:*',
          'logs:*',
          'cloudwatch:*',
          'xray:*',
          'kms:Decrypt',
          'kms:GenerateDataKey',
          'ssm:Get*',
          'secretsmanager:GetSecretValue',
          'events:PutEvents',
          'ec2:Describe*',
        ],
        Resource: '*',
      },
      {
        Sid: 'NoBoundaryChange',
        Effect: 'Deny',
        Action: ['iam:DeleteRolePermissionsBoundary', 'iam:PutRolePermissionsBoundary'],
        Resource: '*',
      },
      {
        Sid: 'OrgOnly',
        Effect: 'Deny',
        Action: 's3:*',
        Resource: '*',
        Condition: { StringNotEqualsIfExists: { 'aws:ResourceOrgID': 'o-exampleorg' } },
      },
    ],
  });
  return { identity: [s3, data, ops, guard], boundary };
}

function request(
  action: string,
  resource: string,
  extra: Record<string, ContextInput> = {},
): AuthorizationRequest {
  return {
    principal,
    action,
    resource,
    context: createRequestContext(principalContextKeys(principal), {
      'aws:SourceIp': '10.1.2.3',
      'aws:SecureTransport': true,
      'aws:RequestedRegion': 'us-east-1',
      'aws:ViaAWSService': false,
      'aws:CurrentTime': new Date('2026-01-01T00:00:00Z'),
      'aws:EpochTime': 1767225600,
      'aws:TokenIssueTime': new Date('2026-01-01T00:00:00Z'),
      'aws:MultiFactorAuthPresent': false,
      'aws:PrincipalTag/team': 'orders',
      'aws:PrincipalTag/tenant': 't-42',
      'ec2:RoleDelivery': 2,
      'aws:ResourceOrgID': 'o-exampleorg',
      ...extra,
    }),
  };
}

function realisticRequests(): AuthorizationRequest[] {
  return [
    request('s3:GetObject', 'arn:aws:s3:::orders-data/incoming/2026/01/01/o-1.json'),
    request('s3:PutObject', 'arn:aws:s3:::orders-data/processed/o-1.json', {
      's3:x-amz-server-side-encryption': 'aws:kms',
    }),
    request('s3:PutObject', 'arn:aws:s3:::orders-data/processed/o-1.json', {
      's3:x-amz-server-side-encryption': 'AES256',
    }),
    request('s3:ListBucket', 'arn:aws:s3:::orders-data', { 's3:prefix': 'incoming/2026/' }),
    request('s3:GetObject', 'arn:aws:s3:::scratch/orders/tmp/x'),
    request('s3:DeleteObject', 'arn:aws:s3:::orders-data/incoming/o-1.json'),
    request('dynamodb:GetItem', `arn:aws:dynamodb:us-east-1:${ACCT}:table/orders`),
    request('dynamodb:Query', `arn:aws:dynamodb:us-east-1:${ACCT}:table/tenants`, {
      'dynamodb:LeadingKeys': ['t-42'],
    }),
    request('dynamodb:Scan', `arn:aws:dynamodb:us-east-1:${ACCT}:table/orders`),
    request('sqs:ReceiveMessage', `arn:aws:sqs:us-east-1:${ACCT}:orders-inbound`),
    request('sns:Publish', `arn:aws:sns:us-east-1:${ACCT}:other-topic`),
    request(
      'logs:PutLogEvents',
      `arn:aws:logs:us-east-1:${ACCT}:log-group:/app/orders-api:log-stream:i-0abc`,
    ),
    request('kms:Decrypt', `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd`, {
      'kms:ViaService': 's3.us-east-1.amazonaws.com',
    }),
    request('secretsmanager:GetSecretValue', `arn:aws:secretsmanager:us-east-1:${ACCT}:secret:db-abc`, {
      'aws:ResourceTag/app': 'billing',
    }),
    request('iam:CreateUser', `arn:aws:iam::${ACCT}:user/mallory`),
    request('ec2:DescribeInstances', '*', { 'ec2:RoleDelivery': 1 }),
  ];
}

const SERVICES = [
  's3',
  'dynamodb',
  'sqs',
  'sns',
  'lambda',
  'ec2',
  'logs',
  'kms',
  'ssm',
  'secretsmanager',
  'events',
  'states',
  'kinesis',
  'glue',
  'athena',
  'ecr',
  'ecs',
  'elasticloadbalancing',
  'cloudwatch',
  'rds',
];

function largePolicies(): PolicySet {
  const statements: object[] = [];
  for (let i = 0; i < 200; i++) {
    const svc = SERVICES[i % SERVICES.length] as string;
    const n = Math.floor(i / SERVICES.length);
    const s: Record<string, unknown> = {
      Sid: `S${i}`,
      Effect: i % 13 === 0 ? 'Deny' : 'Allow',
      Action: i % 3 === 0 ? [`${svc}:Get*`, `${svc}:List*`] : [`${svc}:Action${n}`, `${svc}:Describe${n}*`],
      Resource: i % 4 === 0 ? '*' : `arn:aws:${svc}:us-east-1:${ACCT}:thing/team-${n}/*`,
    };
    if (i % 5 === 0) s.Condition = { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } };
    if (i % 13 === 0) s.Condition = { StringNotEquals: { 'aws:PrincipalTag/team': `team-${n}` } };
    statements.push(s);
  }
  const identity = [compile('big', 'identity', { Version: '2012-10-17', Statement: statements })];
  const full = compile('FullAWSAccess', 'scp', {
    Version: '2012-10-17',
    Statement: { Effect: 'Allow', Action: '*', Resource: '*' },
  });
  const ou = compile('ou-guardrails', 'scp', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
      },
      {
        Effect: 'Deny',
        NotAction: ['iam:*', 'sts:*'],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'] } },
      },
      { Effect: 'Deny', Action: ['organizations:LeaveOrganization', 'account:*'], Resource: '*' },
    ],
  });
  const account = compile('account-allow-list', 'scp', {
    Version: '2012-10-17',
    Statement: { Effect: 'Allow', Action: SERVICES.map((s) => `${s}:*`), Resource: '*' },
  });
  const boundary = compile('boundary', 'boundary', {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', Action: 'iam:*', Resource: '*' },
    ],
  });
  return { identity, boundary, scp: [[full], [full, ou], [account]] };
}

function largeRequests(): AuthorizationRequest[] {
  const out: AuthorizationRequest[] = [];
  for (let i = 0; i < 16; i++) {
    const svc = SERVICES[(i * 7) % SERVICES.length] as string;
    const n = i % 10;
    const action =
      i % 4 === 0
        ? `${svc}:GetThing`
        : i % 4 === 1
          ? `${svc}:Action${n}`
          : i % 4 === 2
            ? `${svc}:Describe${n}Things`
            : `${svc}:Mutate`;
    out.push(
      request(action, `arn:aws:${svc}:us-east-1:${ACCT}:thing/team-${n}/x`, {
        'aws:PrincipalTag/team': `team-${n}`,
      }),
    );
  }
  return out;
}

interface Measured {
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
  mix: string;
}

function measure(requests: AuthorizationRequest[], policies: PolicySet, iterations: number): Measured {
  const counts: Record<string, number> = {};
  for (const r of requests) {
    const d = evaluate(r, policies).decision;
    counts[d] = (counts[d] ?? 0) + 1;
  }
  const n = requests.length;
  let sink = 0;
  // Warm-up: let the JIT settle.
  for (let i = 0; i < 200_000; i++)
    sink += evaluate(requests[i % n] as AuthorizationRequest, policies).explanation.matched.length;

  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++)
    sink += evaluate(requests[i % n] as AuthorizationRequest, policies).explanation.matched.length;
  const elapsedNs = Number(process.hrtime.bigint() - start);

  const batches = Math.floor(iterations / BATCH / 2);
  const perCall = new Float64Array(batches);
  let k = 0;
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < BATCH; j++)
      sink += evaluate(requests[k++ % n] as AuthorizationRequest, policies).explanation.matched.length;
    perCall[b] = Number(process.hrtime.bigint() - t0) / BATCH / 1000;
  }
  perCall.sort();
  if (sink < 0) console.log(sink);
  return {
    opsPerSec: (iterations / elapsedNs) * 1e9,
    p50Us: perCall[Math.floor(batches * 0.5)] as number,
    p99Us: perCall[Math.floor(batches * 0.99)] as number,
    mix: Object.entries(counts)
      .map(([d, c]) => `${c} ${d}`)
      .join(', '),
  };
}

export const run: BenchSuite = async () => {
  const rows: BenchRow[] = [];
  const realistic = realisticPolicies();
  const reqs = realisticRequests();
  const statementCount = [...(realistic.identity ?? []), realistic.boundary as CompiledPolicy].reduce(
    (a, p) => a + p.statements.length,
    0,
  );
  const a = measure(reqs, realistic, 2_000_000);
  rows.push({
    suite: 'policy',
    case: `realistic role: 5 policies, ${statementCount} statements, ${reqs.length} requests`,
    ...a,
    note: `target >= 1,000,000/s, p99 < 5 µs; mix ${a.mix}; p50/p99 = per-call mean of ${BATCH}-call batches`,
  });

  const large = largePolicies();
  const lreqs = largeRequests();
  const b = measure(lreqs, large, 1_000_000);
  rows.push({
    suite: 'policy',
    case: 'large: 3 SCP levels + boundary + 200 statements',
    ...b,
    note: `indexed by action/service; mix ${b.mix}`,
  });

  // (c) The full request-path cost: build the context, then evaluate.
  const principalKeys = principalContextKeys(principal);
  const iterations = 300_000;
  let sink = 0;
  const build = (i: number): number => {
    const r: AuthorizationRequest = {
      principal,
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::orders-data/incoming/o-1.json',
      context: createRequestContext(principalKeys, {
        'aws:SourceIp': '10.1.2.3',
        'aws:SecureTransport': true,
        'aws:RequestedRegion': 'us-east-1',
        'aws:ViaAWSService': false,
        'aws:EpochTime': 1767225600 + i,
        'ec2:RoleDelivery': 2,
      }),
    };
    return evaluate(r, realistic).explanation.matched.length;
  };
  for (let i = 0; i < 50_000; i++) sink += build(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += build(i);
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink < 0) console.log(sink);
  rows.push({
    suite: 'policy',
    case: 'realistic role incl. building a 12-key request context',
    opsPerSec: (iterations / ns) * 1e9,
    note: 'context construction + evaluate, per request',
  });
  return rows;
};
