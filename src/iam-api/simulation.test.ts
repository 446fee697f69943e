/**
 * The IAM policy simulator API through real clients: `@aws-sdk/client-iam` and the `aws` CLI
 * against a loopback server running the production IAM handler. The CLI's own documented examples
 * (awscli/examples/iam/simulate-custom-policy.rst) are replayed and must answer as AWS did there.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  CreateRoleCommand,
  GetContextKeysForCustomPolicyCommand,
  GetContextKeysForPrincipalPolicyCommand,
  type IAMClient,
  InvalidInputException,
  NoSuchEntityException,
  PutRolePolicyCommand,
  PutRolePermissionsBoundaryCommand,
  CreatePolicyCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  paginateSimulatePrincipalPolicy,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../http/server.js';
import { startIamSdkServer, type IamSdkServer } from './test-support/sdk-server.js';
import { ACCOUNT, TRUST_EC2, type FakeContext } from './test-support/context.js';

const run = promisify(execFile);
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app`;

let server: RunningServer;
let ctx: FakeContext;
let client: IAMClient;
let harness: IamSdkServer | undefined;
let cliEnv: NodeJS.ProcessEnv;

const APP_POLICY = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::docs/*' },
      {
        Sid: 'NoSecrets',
        Effect: 'Deny',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::docs/secret/*',
      },
      {
        Sid: 'TaggedOnly',
        Effect: 'Allow',
        Action: 'ec2:StartInstances',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/team': 'web' } },
      },
    ],
  },
  null,
  2,
);

beforeAll(async () => {
  harness = await startIamSdkServer('credplane-iam-sim-');
  ({ server, ctx, client, cliEnv } = harness);
  await client.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: TRUST_EC2 }));
  await client.send(
    new PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'app-access', PolicyDocument: APP_POLICY }),
  );
});

beforeEach(() => {
  ctx.calls = [];
  ctx.deny = () => false;
});

afterAll(async () => {
  await harness?.close();
});

async function cli(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('aws', ['--endpoint-url', server.url, '--output', 'json', ...args], {
    env: cliEnv,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('the AWS CLI documented examples (simulate-custom-policy)', () => {
  const policy =
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}';

  it('example 1: allowed, with the statement located as AWS located it (1:38 to 1:167)', async () => {
    const out = await cli([
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      policy,
      '--action-names',
      'dynamodb:CreateBackup',
      '--context-entries',
      "ContextKeyName='aws:CurrentTime',ContextKeyValues='2019-04-25T11:00:00Z',ContextKeyType=date",
    ]);
    expect(out).toEqual({
      EvaluationResults: [
        {
          EvalActionName: 'dynamodb:CreateBackup',
          EvalResourceName: '*',
          EvalDecision: 'allowed',
          MatchedStatements: [
            {
              SourcePolicyId: 'PolicyInputList.1',
              SourcePolicyType: 'none',
              StartPosition: { Line: 1, Column: 38 },
              EndPosition: { Line: 1, Column: 167 },
            },
          ],
          MissingContextValues: [],
        },
      ],
    });
  });

  it('example 2: an earlier date is an implicit deny with no matched statement', async () => {
    const out = await cli([
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      policy,
      '--action-names',
      'dynamodb:CreateBackup',
      '--context-entries',
      "ContextKeyName='aws:CurrentTime',ContextKeyValues='2014-04-25T11:00:00Z',ContextKeyType=date",
    ]);
    expect(out).toEqual({
      EvaluationResults: [
        {
          EvalActionName: 'dynamodb:CreateBackup',
          EvalResourceName: '*',
          EvalDecision: 'implicitDeny',
          MatchedStatements: [],
          MissingContextValues: [],
        },
      ],
    });
  });

  it('without the context entry, the key the condition needs is reported missing', async () => {
    const out = await cli([
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      policy,
      '--action-names',
      'dynamodb:CreateBackup',
    ]);
    const [r] = out.EvaluationResults as Record<string, unknown>[];
    expect(r).toMatchObject({ EvalDecision: 'implicitDeny', MissingContextValues: ['aws:CurrentTime'] });
  });
});

describe('SimulatePrincipalPolicy on a stored role (JS SDK)', () => {
  it('decides each resource, aggregates to the most restrictive, and names the deciding statements', async () => {
    const out = await client.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: ROLE_ARN,
        ActionNames: ['s3:GetObject'],
        ResourceArns: ['arn:aws:s3:::docs/a.txt', 'arn:aws:s3:::docs/secret/k', 'arn:aws:s3:::other/x'],
      }),
    );
    expect(ctx.calls).toEqual([
      { action: 'iam:SimulatePrincipalPolicy', resource: ROLE_ARN, extra: undefined },
    ]);
    const [r] = out.EvaluationResults ?? [];
    expect(out.EvaluationResults).toHaveLength(1);
    expect(r?.EvalDecision).toBe('explicitDeny');
    expect(r?.MatchedStatements?.map((m) => [m.SourcePolicyId, m.SourcePolicyType])).toEqual([
      ['app-access', 'role'],
    ]);
    expect(r?.ResourceSpecificResults?.map((x) => [x.EvalResourceName, x.EvalResourceDecision])).toEqual([
      ['arn:aws:s3:::docs/a.txt', 'allowed'],
      ['arn:aws:s3:::docs/secret/k', 'explicitDeny'],
      ['arn:aws:s3:::other/x', 'implicitDeny'],
    ]);
    // The Deny statement is the second of the pretty-printed document: it starts on line 10.
    const deny = r?.ResourceSpecificResults?.[1]?.MatchedStatements?.[0];
    expect(deny?.StartPosition?.Line).toBe(10);
    expect(deny?.EndPosition?.Line).toBe(15);
  });

  it('lists missing context keys at the top for *, and per resource when resources are given', async () => {
    const star = await client.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE_ARN, ActionNames: ['ec2:StartInstances'] }),
    );
    expect(star.EvaluationResults?.[0]).toMatchObject({
      EvalDecision: 'implicitDeny',
      MissingContextValues: ['aws:ResourceTag/team'],
    });
    const tagged = await client.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: ROLE_ARN,
        ActionNames: ['ec2:StartInstances'],
        ResourceArns: [`arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0abc`],
        ContextEntries: [
          { ContextKeyName: 'aws:ResourceTag/team', ContextKeyValues: ['web'], ContextKeyType: 'string' },
        ],
      }),
    );
    expect(tagged.EvaluationResults?.[0]?.EvalDecision).toBe('allowed');
    expect(tagged.EvaluationResults?.[0]?.ResourceSpecificResults?.[0]?.MissingContextValues).toEqual([]);
  });

  it('applies a permissions boundary and says whether it allowed', async () => {
    const boundary = await client.send(
      new CreatePolicyCommand({
        PolicyName: 'only-ec2',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }],
        }),
      }),
    );
    await client.send(new CreateRoleCommand({ RoleName: 'bounded', AssumeRolePolicyDocument: TRUST_EC2 }));
    await client.send(
      new PutRolePolicyCommand({ RoleName: 'bounded', PolicyName: 'p', PolicyDocument: APP_POLICY }),
    );
    await client.send(
      new PutRolePermissionsBoundaryCommand({
        RoleName: 'bounded',
        PermissionsBoundary: boundary.Policy?.Arn,
      }),
    );
    const out = await client.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/bounded`,
        ActionNames: ['s3:GetObject'],
        ResourceArns: ['arn:aws:s3:::docs/a.txt'],
      }),
    );
    expect(out.EvaluationResults?.[0]).toMatchObject({
      EvalDecision: 'implicitDeny',
      PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: false },
    });
  });

  it('pages by action with MaxItems and Marker (the SDK paginator reads them)', async () => {
    const actions = ['s3:GetObject', 's3:PutObject', 'ec2:StartInstances'];
    const first = await client.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE_ARN, ActionNames: actions, MaxItems: 2 }),
    );
    expect(first.IsTruncated).toBe(true);
    expect(first.EvaluationResults).toHaveLength(2);
    const names: string[] = [];
    for await (const page of paginateSimulatePrincipalPolicy(
      { client, pageSize: 1 },
      { PolicySourceArn: ROLE_ARN, ActionNames: actions },
    )) {
      names.push(...(page.EvaluationResults ?? []).map((r) => r.EvalActionName ?? ''));
    }
    expect(names).toEqual(actions);
  });

  it('reports cross-account decisions per policy type when a resource policy takes part', async () => {
    const out = await client.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
          }),
        ],
        ActionNames: ['s3:GetObject'],
        ResourceArns: ['arn:aws:s3:::shared/k'],
        ResourceOwner: '444455556666',
        CallerArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
        ResourcePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
              Action: 's3:GetObject',
              Resource: '*',
            },
          ],
        }),
      }),
    );
    const r = out.EvaluationResults?.[0];
    expect(r?.EvalDecision).toBe('allowed');
    expect(r?.ResourceSpecificResults?.[0]?.EvalDecisionDetails).toEqual({
      'IAM Policy': 'allowed',
      'Resource Policy': 'allowed',
    });
  });
});

describe('SimulatePrincipalPolicy on a stored user', () => {
  it("simulates the user's own and its groups' policies, naming each source's type", async () => {
    await client.send(new CreateUserCommand({ UserName: 'carol' }));
    await client.send(new CreateGroupCommand({ GroupName: 'readers' }));
    await client.send(new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'carol' }));
    await client.send(
      new PutGroupPolicyCommand({
        GroupName: 'readers',
        PolicyName: 'read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
        }),
      }),
    );
    await client.send(
      new PutUserPolicyCommand({
        UserName: 'carol',
        PolicyName: 'no-secrets',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::docs/secret/*' }],
        }),
      }),
    );
    const out = await client.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/carol`,
        ActionNames: ['s3:GetObject'],
        ResourceArns: ['arn:aws:s3:::docs/a', 'arn:aws:s3:::docs/secret/b'],
      }),
    );
    const [result] = out.EvaluationResults ?? [];
    const byResource = Object.fromEntries(
      (result?.ResourceSpecificResults ?? []).map((r) => [
        r.EvalResourceName,
        [r.EvalResourceDecision, r.MatchedStatements?.map((m) => [m.SourcePolicyId, m.SourcePolicyType])],
      ]),
    );
    expect(byResource).toEqual({
      'arn:aws:s3:::docs/a': ['allowed', [['read', 'group']]],
      'arn:aws:s3:::docs/secret/b': ['explicitDeny', [['no-secrets', 'user']]],
    });
  });
});

describe('SimulatePrincipalPolicy with a ResourcePolicy and no CallerArn', () => {
  // IAM API Reference, SimulatePrincipalPolicy, CallerArn: "If you do not specify a CallerArn, it
  // defaults to the ARN of the user that you specify in PolicySourceArn, if you specified a user.
  // ... CallerArn is required if you include a ResourcePolicy and the PolicySourceArn is not the
  // ARN for an IAM user."
  const bucketPolicy = (principal: string) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: principal },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::shared/*',
        },
      ],
    });

  it("a user source is the caller: the resource policy naming the user allows, one naming another doesn't", async () => {
    await client.send(new CreateUserCommand({ UserName: 'dora' }));
    const dora = `arn:aws:iam::${ACCOUNT}:user/dora`;
    const simulate = (policy: string) =>
      client.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: dora,
          ActionNames: ['s3:GetObject'],
          ResourceArns: ['arn:aws:s3:::shared/x'],
          ResourcePolicy: policy,
        }),
      );
    const allowed = await simulate(bucketPolicy(dora));
    expect(allowed.EvaluationResults?.[0]?.EvalDecision).toBe('allowed');
    const other = await simulate(bucketPolicy(`arn:aws:iam::${ACCOUNT}:user/someone-else`));
    expect(other.EvaluationResults?.[0]?.EvalDecision).toBe('implicitDeny');
  });

  it('a role source still needs a CallerArn (InvalidInput)', async () => {
    await expect(
      client.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: ROLE_ARN,
          ActionNames: ['s3:GetObject'],
          ResourcePolicy: bucketPolicy(ROLE_ARN),
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidInputException);
  });
});

describe('SimulatePrincipalPolicy on a stored group', () => {
  // IAM API Reference, SimulatePrincipalPolicy, PolicySourceArn: "The Amazon Resource Name (ARN) of
  // a user, group, or role whose policies you want to include in the simulation."
  const GROUP_ARN = `arn:aws:iam::${ACCOUNT}:group/teams/auditors`;

  beforeAll(async () => {
    await client.send(new CreateGroupCommand({ GroupName: 'auditors', Path: '/teams/' }));
    await client.send(
      new PutGroupPolicyCommand({
        GroupName: 'auditors',
        PolicyName: 'audit-read',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::logs/*',
              Condition: { Bool: { 'aws:SecureTransport': 'true' } },
            },
          ],
        }),
      }),
    );
    const managed = await client.send(
      new CreatePolicyCommand({
        PolicyName: 'no-log-deletes',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::logs/*' }],
        }),
      }),
    );
    await client.send(
      new AttachGroupPolicyCommand({ GroupName: 'auditors', PolicyArn: managed.Policy?.Arn }),
    );
  });

  it("simulates the group's inline and attached policies, naming the inline one's type group", async () => {
    const out = await client.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: GROUP_ARN,
        ActionNames: ['s3:GetObject', 's3:DeleteObject', 's3:PutObject'],
        ResourceArns: ['arn:aws:s3:::logs/a'],
        ContextEntries: [
          { ContextKeyName: 'aws:SecureTransport', ContextKeyType: 'boolean', ContextKeyValues: ['true'] },
        ],
      }),
    );
    const decisions = (out.EvaluationResults ?? []).map((r) => [
      r.EvalActionName,
      r.EvalDecision,
      r.MatchedStatements?.map((m) => [m.SourcePolicyId, m.SourcePolicyType]),
    ]);
    expect(decisions).toEqual([
      ['s3:GetObject', 'allowed', [['audit-read', 'group']]],
      ['s3:DeleteObject', 'explicitDeny', [['no-log-deletes', 'user-managed']]],
      ['s3:PutObject', 'implicitDeny', []],
    ]);
    expect(ctx.calls.map((c) => [c.action, c.resource])).toContainEqual([
      'iam:SimulatePrincipalPolicy',
      GROUP_ARN,
    ]);
  });

  it("lists the group's condition keys for GetContextKeysForPrincipalPolicy", async () => {
    const keys = await client.send(
      new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: GROUP_ARN }),
    );
    expect(keys.ContextKeyNames).toEqual(['aws:SecureTransport']);
  });

  it('a caller not allowed iam:SimulatePrincipalPolicy on the group learns nothing about it', async () => {
    ctx.deny = (c) => c.action === 'iam:SimulatePrincipalPolicy' && c.resource === GROUP_ARN;
    const error = await client
      .send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: GROUP_ARN, ActionNames: ['s3:GetObject'] }))
      .catch((e: unknown) => e);
    expect((error as { name?: string }).name).toBe('AccessDenied');
    expect(String((error as Error).message)).not.toContain('audit-read');
  });

  it('an unknown group, a group ARN with the wrong path and one of another account are NoSuchEntity', async () => {
    for (const arn of [
      `arn:aws:iam::${ACCOUNT}:group/nope`,
      `arn:aws:iam::${ACCOUNT}:group/auditors`,
      'arn:aws:iam::444455556666:group/teams/auditors',
    ]) {
      await expect(
        client.send(
          new SimulatePrincipalPolicyCommand({ PolicySourceArn: arn, ActionNames: ['s3:GetObject'] }),
        ),
      ).rejects.toBeInstanceOf(NoSuchEntityException);
    }
  });

  it('a malformed group ARN is InvalidInput', async () => {
    await expect(
      client.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${ACCOUNT}:group/`,
          ActionNames: ['s3:GetObject'],
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidInputException);
  });
});

describe('refusals', () => {
  it('a caller not allowed iam:SimulatePrincipalPolicy on the role learns nothing about it', async () => {
    ctx.deny = (c) => c.action === 'iam:SimulatePrincipalPolicy';
    const error = await client
      .send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: ROLE_ARN, ActionNames: ['s3:GetObject'] }))
      .catch((e: unknown) => e);
    expect((error as { name?: string }).name).toBe('AccessDenied');
    expect(String((error as Error).message)).not.toContain('docs');
  });

  it('an unknown role, a user, a role of another account and the role under another path are NoSuchEntity', async () => {
    for (const arn of [
      `arn:aws:iam::${ACCOUNT}:role/nope`,
      // The role is /app: authorization is on the ARN given, so another path must not reach it.
      `arn:aws:iam::${ACCOUNT}:role/public/app`,
      `arn:aws:iam::${ACCOUNT}:role/APP`,
      `arn:aws:iam::${ACCOUNT}:user/bob`,
      'arn:aws:iam::444455556666:role/app',
    ]) {
      await expect(
        client.send(
          new SimulatePrincipalPolicyCommand({ PolicySourceArn: arn, ActionNames: ['s3:GetObject'] }),
        ),
      ).rejects.toBeInstanceOf(NoSuchEntityException);
    }
  });

  it('InvalidInput: a resource policy without a caller, an invalid input policy, a garbage Marker, a bad context value', async () => {
    const allowAll = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    });
    const cases = [
      new SimulateCustomPolicyCommand({
        PolicyInputList: [allowAll],
        ActionNames: ['s3:GetObject'],
        ResourcePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' }],
        }),
      }),
      new SimulateCustomPolicyCommand({
        PolicyInputList: ['{"Statement":[{"Effect":"Maybe"}]}'],
        ActionNames: ['s3:GetObject'],
      }),
      new SimulateCustomPolicyCommand({
        PolicyInputList: [allowAll],
        ActionNames: ['s3:GetObject'],
        Marker: 'garbage',
      }),
      new SimulateCustomPolicyCommand({
        PolicyInputList: [allowAll],
        ActionNames: ['s3:GetObject'],
        ContextEntries: [
          {
            ContextKeyName: 'aws:MultiFactorAuthPresent',
            ContextKeyValues: ['yes'],
            ContextKeyType: 'boolean',
          },
        ],
      }),
      ...[
        { type: 'ip', value: '10.0.0.300' },
        { type: 'ipList', value: '10.0.0.0/33' },
        { type: 'binary', value: 'not base64!' },
      ].map(
        ({ type, value }) =>
          new SimulateCustomPolicyCommand({
            PolicyInputList: [allowAll],
            ActionNames: ['s3:GetObject'],
            ContextEntries: [
              { ContextKeyName: 'aws:SourceIp', ContextKeyValues: [value], ContextKeyType: type as 'ip' },
            ],
          }),
      ),
    ];
    for (const command of cases) {
      await expect(client.send(command)).rejects.toBeInstanceOf(InvalidInputException);
    }
  });

  it('ip and binary context values are checked as such and match IpAddress conditions', async () => {
    const fromOffice = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: '*',
          Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
        },
      ],
    });
    const decide = async (ip: string): Promise<string | undefined> => {
      const out = await client.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [fromOffice],
          ActionNames: ['s3:GetObject'],
          ContextEntries: [{ ContextKeyName: 'aws:SourceIp', ContextKeyValues: [ip], ContextKeyType: 'ip' }],
        }),
      );
      return out.EvaluationResults?.[0]?.EvalDecision;
    };
    expect(await decide('203.0.113.7')).toBe('allowed');
    expect(await decide('198.51.100.7')).toBe('implicitDeny');
    expect(await decide('2001:db8::1')).toBe('implicitDeny');
  });

  it('hostile resource names are escaped and come back as sent', async () => {
    const hostile = 'arn:aws:s3:::b/<x>&"\']]></EvalResourceName><EvalDecision>allowed';
    const out = await client.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
          }),
        ],
        ActionNames: ['s3:GetObject'],
        ResourceArns: [hostile],
      }),
    );
    expect(out.EvaluationResults?.[0]?.EvalResourceName).toBe(hostile);
    expect(out.EvaluationResults?.[0]?.EvalDecision).toBe('explicitDeny');
  });
});

describe('GetContextKeysFor*Policy', () => {
  it('lists the condition keys of the role and of given policies, once each', async () => {
    const principal = await client.send(
      new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: ROLE_ARN }),
    );
    expect(principal.ContextKeyNames).toEqual(['aws:ResourceTag/team']);
    const custom = await client.send(
      new GetContextKeysForCustomPolicyCommand({
        PolicyInputList: [
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: '*',
                Resource: '*',
                Condition: {
                  Bool: { 'aws:MultiFactorAuthPresent': 'true' },
                  IpAddress: { 'aws:SourceIp': '10.0.0.0/8' },
                },
              },
              {
                Effect: 'Deny',
                Action: '*',
                Resource: '*',
                Condition: { Bool: { 'AWS:MultiFactorAuthPresent': 'false' } },
              },
            ],
          }),
        ],
      }),
    );
    expect(custom.ContextKeyNames).toEqual(['aws:MultiFactorAuthPresent', 'aws:SourceIp']);
  });
});
