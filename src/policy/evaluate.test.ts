import { describe, expect, it } from 'vitest';
import type { PolicyType } from './ast.js';
import { compilePolicy } from './compile.js';
import type { CompiledPolicy } from './compile.js';
import { createRequestContext, principalContextKeys } from './context.js';
import type { ContextInput, RequestPrincipal } from './context.js';
import { evaluate } from './evaluate.js';
import type { AuthorizationRequest, PolicySet } from './evaluate.js';
import { accessDeniedMessage, describeMissingAllow, describeStatement } from './explain.js';
import { parsePolicy } from './parse.js';

const ACCT = '111122223333';
const OTHER = '444455556666';

let counter = 0;
function policy(kind: PolicyType, statements: object | object[], version = '2012-10-17'): CompiledPolicy {
  const doc = parsePolicy({ Version: version, Statement: statements });
  return compilePolicy(doc, { id: `${kind}-${++counter}`, kind });
}
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}): object => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: object = {}): object => ({
  Effect: 'Deny',
  Action,
  Resource,
  ...extra,
});

const user: RequestPrincipal = {
  type: 'User',
  arn: `arn:aws:iam::${ACCT}:user/alice`,
  userId: 'AIDAALICE',
  userName: 'alice',
  account: ACCT,
};
const session: RequestPrincipal = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${ACCT}:assumed-role/app/s1`,
  roleArn: `arn:aws:iam::${ACCT}:role/app`,
  userId: 'AROAAPP:s1',
  account: ACCT,
};
const federated: RequestPrincipal = {
  type: 'FederatedUser',
  arn: `arn:aws:sts::${ACCT}:federated-user/bob`,
  sourceUserArn: `arn:aws:iam::${ACCT}:user/alice`,
  userId: `${ACCT}:bob`,
  account: ACCT,
};

const BUCKET = 'arn:aws:s3:::docs/report.txt';
function req(
  principal: RequestPrincipal,
  action = 's3:GetObject',
  resource = BUCKET,
  context: Record<string, ContextInput> = {},
  resourceAccount?: string,
): AuthorizationRequest {
  const r: AuthorizationRequest = {
    principal,
    action,
    resource,
    context: createRequestContext({ ...principalContextKeys(principal), ...context }),
  };
  if (resourceAccount !== undefined) r.resourceAccount = resourceAccount;
  return r;
}
const decide = (r: AuthorizationRequest, p: PolicySet): string => evaluate(r, p).decision;
const rbp = (principal: object, action = 's3:GetObject', resource = BUCKET): CompiledPolicy =>
  policy('resource', [{ Effect: 'Allow', Principal: principal, Action: action, Resource: resource }]);

describe('reference_policies_evaluation-logic: identity policies, explicit deny, implicit deny', () => {
  it('policy-eval-denyallow: no policy → implicit deny, "no identity-based policy allows"', () => {
    const d = evaluate(req(user), {});
    expect(d.decision).toBe('ImplicitDeny');
    expect(d.explanation.missing).toEqual([{ kind: 'identity' }]);
    expect(accessDeniedMessage(req(user), d)).toBe(
      `User: arn:aws:iam::${ACCT}:user/alice is not authorized to perform: s3:GetObject on resource: ${BUCKET} because no identity-based policy allows the s3:GetObject action`,
    );
  });

  it('policy-eval-denyallow: an Allow grants', () => {
    expect(
      decide(req(user), { identity: [policy('identity', allow('s3:Get*', 'arn:aws:s3:::docs/*'))] }),
    ).toBe('Allow');
    expect(decide(req(user, 's3:PutObject'), { identity: [policy('identity', allow('s3:Get*'))] })).toBe(
      'ImplicitDeny',
    );
  });

  it('policy-eval-denyallow: an explicit deny in any policy overrides every allow, and is explained with its source location', () => {
    const text = `{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Allow", "Action": "s3:*", "Resource": "*" },
    { "Sid": "NoReports", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::docs/report*" }
  ]
}`;
    const p = compilePolicy(parsePolicy(text), {
      id: 'arn:aws:iam::111122223333:policy/ops',
      name: 'ops',
      kind: 'identity',
    });
    const d = evaluate(req(user), { identity: [p] });
    expect(d.decision).toBe('ExplicitDeny');
    expect(d.explanation.deciding).toHaveLength(1);
    const ref = d.explanation.deciding[0];
    expect(ref).toMatchObject({ policyName: 'ops', statementIndex: 1, sid: 'NoReports', effect: 'Deny' });
    expect(ref?.loc.start?.line).toBe(5);
    expect(describeStatement(ref!)).toBe(
      'Statement[1] (Sid "NoReports") of identity policy "ops" (line 5, column 5)',
    );
    expect(d.explanation.matched).toHaveLength(2);
    expect(accessDeniedMessage(req(user), d)).toMatch(/with an explicit deny in an identity-based policy$/);
  });

  it('reference_policies_elements_notaction: NotAction with Allow grants everything else; Resource still must match', () => {
    const p = policy('identity', { Effect: 'Allow', NotAction: 'iam:*', Resource: 'arn:aws:s3:::docs/*' });
    expect(decide(req(user), { identity: [p] })).toBe('Allow');
    expect(decide(req(user, 'iam:CreateUser'), { identity: [p] })).toBe('ImplicitDeny');
    expect(decide(req(user, 's3:GetObject', 'arn:aws:s3:::other/x'), { identity: [p] })).toBe('ImplicitDeny');
  });

  it('coreEngineTests/commas + whitespaceActions: an action with a comma never matches, so it always matches under NotAction', () => {
    const commas = policy('identity', allow('s3:GetObject, s3:PutObject'));
    expect(decide(req(user), { identity: [commas] })).toBe('ImplicitDeny');
    const notAction = policy('identity', [
      allow('*'),
      { Effect: 'Deny', NotAction: ' s3:GetObject', Resource: '*' },
    ]);
    expect(decide(req(user), { identity: [notAction] })).toBe('ExplicitDeny');
  });

  it('reference_policies_elements_resource: NotResource', () => {
    const p = policy('identity', [
      allow('s3:*'),
      { Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::docs/*' },
    ]);
    expect(decide(req(user), { identity: [p] })).toBe('Allow');
    expect(decide(req(user, 's3:GetObject', 'arn:aws:s3:::secret/x'), { identity: [p] })).toBe(
      'ExplicitDeny',
    );
  });

  it('reference_policies_variables: per-user home prefix with a default for untagged principals', () => {
    const p = policy(
      'identity',
      allow('s3:GetObject', "arn:aws:s3:::shared-docs/${aws:PrincipalTag/team, 'unassigned'}/*"),
    );
    const r = (ctx: Record<string, ContextInput>, key: string): string =>
      decide(req(user, 's3:GetObject', `arn:aws:s3:::shared-docs/${key}`, ctx), { identity: [p] });
    expect(r({ 'aws:PrincipalTag/team': 'red' }, 'red/a')).toBe('Allow');
    expect(r({ 'aws:PrincipalTag/team': 'red' }, 'blue/a')).toBe('ImplicitDeny');
    expect(r({}, 'unassigned/a')).toBe('Allow');
    const old = policy(
      'identity',
      allow('s3:GetObject', 'arn:aws:s3:::docs/${aws:username}/*'),
      '2008-10-17',
    );
    expect(decide(req(user, 's3:GetObject', 'arn:aws:s3:::docs/alice/x'), { identity: [old] })).toBe(
      'ImplicitDeny',
    );
  });
});

describe('access_policies_boundaries and access_policies_session: boundary and session policies', () => {
  const identity = [policy('identity', allow('s3:*'))];
  it('effective permissions are the intersection of identity policy and boundary', () => {
    expect(decide(req(session), { identity, boundary: policy('boundary', allow('s3:GetObject')) })).toBe(
      'Allow',
    );
    const d = evaluate(req(session), { identity, boundary: policy('boundary', allow('ec2:*')) });
    expect(d.decision).toBe('ImplicitDeny');
    expect(d.explanation.missing).toEqual([{ kind: 'boundary' }]);
    expect(accessDeniedMessage(req(session), d)).toMatch(
      /because no permissions boundary allows the s3:GetObject action$/,
    );
    // The boundary alone grants nothing.
    expect(decide(req(session), { boundary: policy('boundary', allow('*')) })).toBe('ImplicitDeny');
  });

  it('a session policy limits a role session; a role session without one is not limited', () => {
    expect(decide(req(session), { identity })).toBe('Allow');
    expect(decide(req(session), { identity, session: [policy('session', allow('s3:GetObject'))] })).toBe(
      'Allow',
    );
    const d = evaluate(req(session), { identity, session: [policy('session', allow('s3:PutObject'))] });
    expect(d.explanation.missing).toEqual([{ kind: 'session' }]);
    expect(accessDeniedMessage(req(session), d)).toMatch(/because no session policy allows/);
  });

  it('a GetFederationToken session without a session policy has no permissions', () => {
    expect(decide(req(federated), { identity })).toBe('ImplicitDeny');
    expect(decide(req(federated), { identity, session: [policy('session', allow('s3:*'))] })).toBe('Allow');
  });

  it('access_policies_boundaries: Deny + NotPrincipal always denies a principal with a permissions boundary', () => {
    const notPrincipalDeny = policy('resource', [
      {
        Effect: 'Deny',
        NotPrincipal: {
          AWS: [
            `arn:aws:iam::${ACCT}:root`,
            `arn:aws:iam::${ACCT}:role/app`,
            `arn:aws:sts::${ACCT}:assumed-role/app/s1`,
          ],
        },
        Action: 's3:*',
        Resource: '*',
      },
    ]);
    // Fully listed and no boundary: exempt from the deny.
    expect(decide(req(session), { identity, resource: notPrincipalDeny })).toBe('Allow');
    // Same principal with a boundary attached (which itself allows): denied anyway.
    const d = evaluate(req(session), {
      identity,
      resource: notPrincipalDeny,
      boundary: policy('boundary', allow('*')),
    });
    expect(d.decision).toBe('ExplicitDeny');
    expect(accessDeniedMessage(req(session), d)).toMatch(/explicit deny in a resource-based policy$/);
    // Not fully listed (no session ARN): denied even without a boundary.
    const partial = policy('resource', [
      {
        Effect: 'Deny',
        NotPrincipal: { AWS: [`arn:aws:iam::${ACCT}:role/app`] },
        Action: 's3:*',
        Resource: '*',
      },
    ]);
    expect(decide(req(session), { identity, resource: partial })).toBe('ExplicitDeny');
  });
});

describe('reference_policies_evaluation-logic: same-account resource-based policy table', () => {
  const noBoundary = policy('boundary', allow('ec2:*'));
  const noSession = [policy('session', allow('ec2:*'))];

  it('IAM user ARN named: grants without identity policy and without the boundary', () => {
    const resource = rbp({ AWS: user.arn });
    expect(decide(req(user), { resource })).toBe('Allow');
    expect(decide(req(user), { resource, boundary: noBoundary })).toBe('Allow');
  });

  it('IAM role ARN named, caller a session of the role: no identity Allow needed, but boundary and session policy limit', () => {
    const resource = rbp({ AWS: session.roleArn });
    expect(decide(req(session), { resource })).toBe('Allow');
    expect(evaluate(req(session), { resource, boundary: noBoundary }).explanation.missing).toEqual([
      { kind: 'boundary' },
    ]);
    expect(evaluate(req(session), { resource, session: noSession }).explanation.missing).toEqual([
      { kind: 'session' },
    ]);
  });

  it('Discrepancy decided by the AWS docs (Policy evaluation logic): role-session ARN named → not limited by session policy or boundary', () => {
    const resource = rbp({ AWS: session.arn });
    expect(decide(req(session), { resource, session: noSession })).toBe('Allow');
    expect(decide(req(session), { resource, boundary: noBoundary, session: noSession })).toBe('Allow');
    // Also by unique id `AROA…:session`.
    expect(decide(req(session), { resource: rbp({ AWS: 'AROAAPP:s1' }), session: noSession })).toBe('Allow');
  });

  it('federated user session ARN named: grants even without a session policy', () => {
    expect(decide(req(federated), { resource: rbp({ AWS: federated.arn }) })).toBe('Allow');
  });

  it('IAM user ARN named, caller a GetFederationToken session of that user: boundary and session policy limit', () => {
    const resource = rbp({ AWS: user.arn });
    expect(decide(req(federated), { resource, session: [policy('session', allow('s3:*'))] })).toBe('Allow');
    expect(decide(req(federated), { resource })).toBe('ImplicitDeny');
    expect(
      decide(req(federated), { resource, session: [policy('session', allow('s3:*'))], boundary: noBoundary }),
    ).toBe('ImplicitDeny');
  });

  it('account named: the account delegates to its identity policies, which must allow', () => {
    const resource = rbp({ AWS: ACCT });
    expect(decide(req(user), { resource })).toBe('ImplicitDeny');
    expect(decide(req(user), { resource, identity: [policy('identity', allow('s3:GetObject'))] })).toBe(
      'Allow',
    );
  });

  it('a Deny in the resource policy wins over everything', () => {
    const resource = policy('resource', [
      { Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: user.arn }, Action: 's3:GetObject', Resource: '*' },
    ]);
    expect(decide(req(user), { resource })).toBe('ExplicitDeny');
    expect(decide(req(session), { resource })).toBe('Allow');
  });

  it('anonymous and service principals rely on the resource policy alone', () => {
    const pub = policy('resource', [
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::docs/*' },
    ]);
    expect(decide(req({ type: 'Anonymous' }), { resource: pub })).toBe('Allow');
    const d = evaluate(req({ type: 'Anonymous' }), {});
    expect(d.explanation.missing).toEqual([{ kind: 'resource' }]);
    expect(accessDeniedMessage(req({ type: 'Anonymous' }), d)).toMatch(
      /^User: anonymous is not authorized.*no resource-based policy allows/,
    );
  });
});

describe('reference_policies_evaluation-logic-cross-account: both accounts must allow', () => {
  const identity = [policy('identity', allow('s3:GetObject'))];
  const other: RequestPrincipal = {
    ...session,
    account: OTHER,
    arn: `arn:aws:sts::${OTHER}:assumed-role/app/s1`,
    roleArn: `arn:aws:iam::${OTHER}:role/app`,
  };
  const r = req(other, 's3:GetObject', BUCKET, {}, ACCT);

  it('resource policy names the other account and its identity policy allows → Allow', () => {
    const d = evaluate(r, { identity, resource: rbp({ AWS: OTHER }) });
    expect(d.decision).toBe('Allow');
    expect(d.explanation.crossAccount).toBe(true);
  });
  it('identity policy missing → ImplicitDeny even when the resource policy names the session', () => {
    expect(evaluate(r, { resource: rbp({ AWS: other.arn }) }).explanation.missing).toEqual([
      { kind: 'identity' },
    ]);
  });
  it('resource policy missing → ImplicitDeny "no resource-based policy allows"', () => {
    const d = evaluate(r, { identity });
    expect(d.explanation.missing).toEqual([{ kind: 'resource' }]);
  });
  it('an RCP in the resource account and an SCP in the principal account both apply', () => {
    const rcpDeny = policy('rcp', [
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: '*',
        Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-123' } },
      },
    ]);
    const rcpFull = policy('rcp', { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' });
    const base = { identity, resource: rbp({ AWS: OTHER }) };
    expect(decide(r, { ...base, rcp: [[rcpFull], [rcpFull, rcpDeny]] })).toBe('ExplicitDeny');
    expect(evaluate(r, { ...base, rcp: [[rcpFull], []] }).explanation.missing).toEqual([
      { kind: 'rcp', level: 1 },
    ]);
    expect(
      decide(req(other, 's3:GetObject', BUCKET, { 'aws:PrincipalOrgID': 'o-123' }, ACCT), {
        ...base,
        rcp: [[rcpFull], [rcpFull, rcpDeny]],
      }),
    ).toBe('Allow');
  });
});

describe('orgs_manage_policies_scps: every SCP level must allow', () => {
  const identity = [policy('identity', allow('*'))];
  const full = policy('scp', allow('*'));
  const s3Only = policy('scp', allow('s3:*'));
  it('allowed when each level allows', () => {
    expect(decide(req(session), { identity, scp: [[full], [s3Only], [full]] })).toBe('Allow');
  });
  it('a level without an Allow → ImplicitDeny naming that level', () => {
    const d = evaluate(req(session, 'ec2:RunInstances', '*'), { identity, scp: [[full], [s3Only], [full]] });
    expect(d.decision).toBe('ImplicitDeny');
    expect(d.explanation.missing).toEqual([{ kind: 'scp', level: 1 }]);
    expect(describeMissingAllow(d.explanation.missing[0]!)).toBe('an SCP at level 1 does not allow');
    expect(accessDeniedMessage(req(session, 'ec2:RunInstances', '*'), d)).toMatch(
      /because no service control policy allows the ec2:RunInstances action$/,
    );
  });
  it('SCPs limit even a same-account resource-policy grant', () => {
    expect(
      decide(req(user), { resource: rbp({ AWS: user.arn }), scp: [[policy('scp', allow('ec2:*'))]] }),
    ).toBe('ImplicitDeny');
  });
});

describe('ec2 ExamplePolicies_EC2 + instance-metadata-transition-to-version-2: IMDSv2 guardrail SCP vectors', () => {
  const guardrail = policy('scp', [
    {
      Sid: 'NoImdsV1Credentials',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { NumericLessThan: { 'ec2:RoleDelivery': '2.0' } },
    },
    {
      Sid: 'LaunchOnlyWithTokens',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { StringNotEquals: { 'ec2:MetadataHttpTokens': 'required' } },
    },
    {
      Sid: 'HopLimitAtMostTwo',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: 'arn:aws:ec2:*:*:instance/*',
      Condition: { NumericGreaterThan: { 'ec2:MetadataHttpPutResponseHopLimit': '2' } },
    },
    {
      Sid: 'OnlyAdminsChangeMetadataOptions',
      Effect: 'Deny',
      Action: 'ec2:ModifyInstanceMetadataOptions',
      Resource: '*',
      Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/imds-admin' } },
    },
    allow('*'),
  ]);
  const policies: PolicySet = { identity: [policy('identity', allow('*'))], scp: [[guardrail]] };
  const instance = `arn:aws:ec2:us-east-1:${ACCT}:instance/*`;
  it.each([
    ['RoleDelivery "1.0" → denied', 's3:ListBuckets', '*', { 'ec2:RoleDelivery': '1.0' }, 'ExplicitDeny'],
    ['RoleDelivery "2.0" → not denied', 's3:ListBuckets', '*', { 'ec2:RoleDelivery': '2.0' }, 'Allow'],
    ['RoleDelivery absent (user keys) → not denied', 's3:ListBuckets', '*', {}, 'Allow'],
    [
      'RunInstances without the tokens key → denied',
      'ec2:RunInstances',
      instance,
      { 'ec2:RoleDelivery': 2 },
      'ExplicitDeny',
    ],
    [
      'RunInstances with tokens required → allowed',
      'ec2:RunInstances',
      instance,
      { 'ec2:MetadataHttpTokens': 'required' },
      'Allow',
    ],
    [
      'RunInstances with hop limit 3 → denied',
      'ec2:RunInstances',
      instance,
      { 'ec2:MetadataHttpTokens': 'required', 'ec2:MetadataHttpPutResponseHopLimit': 3 },
      'ExplicitDeny',
    ],
    [
      'ModifyInstanceMetadataOptions by a non-admin role → denied',
      'ec2:ModifyInstanceMetadataOptions',
      '*',
      {},
      'ExplicitDeny',
    ],
  ] as [string, string, string, Record<string, ContextInput>, string][])(
    '%s',
    (_n, action, resource, ctx, expected) => {
      expect(decide(req(session, action, resource, ctx), policies)).toBe(expected);
    },
  );
  it('ModifyInstanceMetadataOptions by the imds-admin role → allowed (aws:PrincipalArn is the role ARN)', () => {
    const admin = {
      ...session,
      arn: `arn:aws:sts::${ACCT}:assumed-role/imds-admin/s`,
      roleArn: `arn:aws:iam::${ACCT}:role/imds-admin`,
    };
    expect(decide(req(admin, 'ec2:ModifyInstanceMetadataOptions', '*'), policies)).toBe('Allow');
  });
});

describe('documented surprises at the evaluator level (epoch seconds, principal keys, absent keys)', () => {
  it('item 2: aws:EpochTime is seconds', () => {
    const p = policy(
      'identity',
      allow('s3:*', '*', { Condition: { DateLessThan: { 'aws:EpochTime': '2030-01-01T00:00:00Z' } } }),
    );
    expect(
      decide(req(user, 's3:GetObject', BUCKET, { 'aws:EpochTime': 1704067200 }), { identity: [p] }),
    ).toBe('Allow');
    expect(
      decide(req(user, 's3:GetObject', BUCKET, { 'aws:EpochTime': 1704067200000 }), { identity: [p] }),
    ).toBe('ImplicitDeny');
  });

  it('item 4: aws:PrincipalArn of a role session is the role ARN, aws:userid is ROLEID:session', () => {
    const keys = principalContextKeys(session);
    expect(keys['aws:PrincipalArn']).toBe(session.roleArn);
    expect(keys['aws:userid']).toBe('AROAAPP:s1');
    expect(keys['aws:username']).toBeUndefined();
    const p = policy(
      'identity',
      allow('s3:*', '*', {
        Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/app` } },
      }),
    );
    expect(decide(req(session), { identity: [p] })).toBe('Allow');
  });

  it('item 5: a `Bool aws:MultiFactorAuthPresent false` Deny does not catch long-term keys; BoolIfExists does', () => {
    const identity = policy('identity', allow('*'));
    const plain = policy(
      'identity',
      deny('*', '*', { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }),
    );
    const ifExists = policy(
      'identity',
      deny('*', '*', { Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } }),
    );
    expect(decide(req(user), { identity: [identity, plain] })).toBe('Allow');
    expect(decide(req(user), { identity: [identity, ifExists] })).toBe('ExplicitDeny');
    expect(
      decide(req(session, 's3:GetObject', BUCKET, { 'aws:MultiFactorAuthPresent': false }), {
        identity: [identity, plain],
      }),
    ).toBe('ExplicitDeny');
  });

  it('item 6: ForAllValues on an absent key is true (the documented Allow pitfall); a negated operator on an absent key is true', () => {
    const p = policy(
      'identity',
      allow('ec2:CreateTags', '*', {
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } },
      }),
    );
    expect(decide(req(user, 'ec2:CreateTags'), { identity: [p] })).toBe('Allow');
    expect(
      decide(req(user, 'ec2:CreateTags', '*', { 'aws:TagKeys': ['env', 'owner'] }), { identity: [p] }),
    ).toBe('ImplicitDeny');
    const d = policy('identity', [
      allow('*'),
      deny('s3:*', '*', { Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } } }),
    ]);
    expect(decide(req(user), { identity: [d] })).toBe('ExplicitDeny');
  });
});

describe('id_roles_create_for-user / id_roles_create_for-idp_oidc: trust policies via evaluate', () => {
  const roleArn = `arn:aws:iam::${ACCT}:role/deployer`;
  const trust = (statements: object[]): CompiledPolicy => policy('trust', statements);

  it('a trust policy naming the account needs an identity Allow for sts:AssumeRole', () => {
    const t = trust([
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' },
    ]);
    const r = req(user, 'sts:AssumeRole', roleArn, {}, ACCT);
    expect(decide(r, { resource: t })).toBe('ImplicitDeny');
    expect(decide(r, { resource: t, identity: [policy('identity', allow('sts:AssumeRole', roleArn))] })).toBe(
      'Allow',
    );
  });

  it('a trust policy naming the user ARN suffices on its own in the same account', () => {
    const t = trust([{ Effect: 'Allow', Principal: { AWS: user.arn }, Action: 'sts:AssumeRole' }]);
    expect(decide(req(user, 'sts:AssumeRole', roleArn, {}, ACCT), { resource: t })).toBe('Allow');
  });

  it('the trust policy must explicitly allow: an identity Allow alone is not enough', () => {
    const t = trust([
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'sts:AssumeRole' },
    ]);
    const d = evaluate(req(user, 'sts:AssumeRole', roleArn, {}, ACCT), {
      resource: t,
      identity: [policy('identity', allow('sts:AssumeRole'))],
    });
    expect(d.decision).toBe('ImplicitDeny');
    expect(d.explanation.missing).toEqual([{ kind: 'resource' }]);
  });

  it('cross-account AssumeRole: trust names the account and the caller identity policy allows', () => {
    const caller: RequestPrincipal = {
      type: 'User',
      arn: `arn:aws:iam::${OTHER}:user/carol`,
      account: OTHER,
    };
    const t = trust([{ Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'sts:AssumeRole' }]);
    const r = req(caller, 'sts:AssumeRole', roleArn, {}, ACCT);
    expect(decide(r, { resource: t })).toBe('ImplicitDeny');
    expect(decide(r, { resource: t, identity: [policy('identity', allow('sts:AssumeRole', roleArn))] })).toBe(
      'Allow',
    );
  });

  it('AssumeRoleWithWebIdentity (IRSA): Federated OIDC provider with sub/aud conditions', () => {
    const provider = `arn:aws:iam::${ACCT}:oidc-provider/oidc.example.com/id/ABC`;
    const t = trust([
      {
        Effect: 'Allow',
        Principal: { Federated: provider },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'oidc.example.com/id/ABC:sub': 'system:serviceaccount:default:app',
            'oidc.example.com/id/ABC:aud': 'sts.amazonaws.com',
          },
        },
      },
    ]);
    const web: RequestPrincipal = { type: 'WebIdentity', federatedProvider: provider };
    const ok = req(web, 'sts:AssumeRoleWithWebIdentity', roleArn, {
      'oidc.example.com/id/ABC:sub': 'system:serviceaccount:default:app',
      'oidc.example.com/id/ABC:aud': 'sts.amazonaws.com',
    });
    expect(decide(ok, { resource: t })).toBe('Allow');
    const wrongSub = req(web, 'sts:AssumeRoleWithWebIdentity', roleArn, {
      'oidc.example.com/id/ABC:sub': 'system:serviceaccount:default:other',
      'oidc.example.com/id/ABC:aud': 'sts.amazonaws.com',
    });
    expect(decide(wrongSub, { resource: t })).toBe('ImplicitDeny');
    const otherProvider = req(
      { type: 'WebIdentity', federatedProvider: 'accounts.google.com' },
      'sts:AssumeRoleWithWebIdentity',
      roleArn,
    );
    expect(decide(otherProvider, { resource: t })).toBe('ImplicitDeny');
  });

  it('a service principal (ec2.amazonaws.com) assumes its role through the trust policy', () => {
    const t = trust([
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(
      decide(req({ type: 'Service', service: 'ec2.amazonaws.com' }, 'sts:AssumeRole', roleArn), {
        resource: t,
      }),
    ).toBe('Allow');
    expect(
      decide(req({ type: 'Service', service: 'lambda.amazonaws.com' }, 'sts:AssumeRole', roleArn), {
        resource: t,
      }),
    ).toBe('ImplicitDeny');
  });
});

describe('compile: statements are indexed by action and service', () => {
  it('only statements that can match the action are candidates', () => {
    const p = policy('identity', [
      allow('s3:GetObject'),
      allow('ec2:*'),
      allow('s3:Put*'),
      { Effect: 'Deny', NotAction: 'iam:*', Resource: '*' },
      allow('*'),
      allow('*:Describe*'),
    ]);
    const b = p.candidates('s3:getobject', 's3');
    expect(b.sure.map((s) => s.ref.statementIndex)).toEqual([0, 4]);
    expect(b.maybe.map((s) => s.ref.statementIndex)).toEqual([2, 3, 5]);
    const other = p.candidates('sqs:sendmessage', 'sqs');
    expect(other.sure.map((s) => s.ref.statementIndex)).toEqual([4]);
    expect(other.maybe.map((s) => s.ref.statementIndex)).toEqual([3, 5]);
  });
});

describe('explanations and AccessDenied messages', () => {
  const identityAllowAll = policy('identity', allow('*'));
  it.each([
    ['identity', { identity: [policy('identity', [allow('*'), deny('s3:*')])] }, 'an identity-based policy'],
    [
      'resource',
      {
        identity: [identityAllowAll],
        resource: policy('resource', [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }]),
      },
      'a resource-based policy',
    ],
    [
      'boundary',
      { identity: [identityAllowAll], boundary: policy('boundary', [allow('*'), deny('s3:GetObject')]) },
      'a permissions boundary',
    ],
    [
      'session',
      { identity: [identityAllowAll], session: [policy('session', [allow('*'), deny('s3:*')])] },
      'a session policy',
    ],
    [
      'scp',
      { identity: [identityAllowAll], scp: [[policy('scp', [allow('*'), deny('s3:*')])]] },
      'a service control policy',
    ],
    [
      'rcp',
      {
        identity: [identityAllowAll],
        rcp: [
          [
            policy('rcp', [
              { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' },
              { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
            ]),
          ],
        ],
      },
      'a resource control policy',
    ],
  ] as [string, PolicySet, string][])('explicit deny in %s', (_kind, set, phrase) => {
    const d = evaluate(req(session), set);
    expect(d.decision).toBe('ExplicitDeny');
    expect(accessDeniedMessage(req(session), d)).toBe(
      `User: ${session.arn} is not authorized to perform: s3:GetObject on resource: ${BUCKET} with an explicit deny in ${phrase}`,
    );
  });

  it('Allow lists the Allow statements that applied; no message for Allow', () => {
    const p = policy('identity', [
      { Sid: 'Read', ...allow('s3:GetObject') },
      deny('s3:GetObject', '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
    const d = evaluate(req(user, 's3:GetObject', BUCKET, { 'aws:SecureTransport': true }), { identity: [p] });
    expect(d.decision).toBe('Allow');
    expect(d.explanation.deciding.map((s) => s.sid)).toEqual(['Read']);
    expect(accessDeniedMessage(req(user), d)).toBeUndefined();
  });

  it('an implicit deny lists every policy type that lacked an Allow', () => {
    const d = evaluate(req(session), {
      identity: [],
      boundary: policy('boundary', allow('ec2:*')),
      session: [policy('session', allow('ec2:*'))],
      scp: [[policy('scp', allow('*'))], [policy('scp', allow('ec2:*'))]],
    });
    expect(d.explanation.missing).toEqual([
      { kind: 'scp', level: 1 },
      { kind: 'identity' },
      { kind: 'boundary' },
      { kind: 'session' },
    ]);
    expect(d.explanation.missing.map(describeMissingAllow)).toEqual([
      'an SCP at level 1 does not allow',
      'no identity-based policy allows',
      'no permissions boundary allows',
      'no session policy allows',
    ]);
  });
});

describe('hostile input never crashes the evaluator', () => {
  it('odd actions, resources and context values evaluate to a decision', () => {
    const p = policy('identity', [
      allow('s3:*', ['arn:aws:s3:::*/${aws:username}', 'arn:aws:*:*:*:*', 'arn:', 'not-an-arn*']),
      deny('*', '*', {
        Condition: {
          NumericLessThan: { n: 'abc' },
          DateGreaterThan: { d: 'x' },
          IpAddress: { i: '1.2.3.4/99' },
          BinaryEquals: { b: '%%%' },
        },
      }),
    ]);
    for (const action of ['', ':', 's3', 's3:', '::::', 'S3:GETOBJECT', '*']) {
      for (const resource of [
        '',
        '*',
        'arn',
        'arn:aws:s3:::',
        ':::::',
        'arn:aws:s3:::b/'.padEnd(5000, '*'),
      ]) {
        const d = evaluate(
          req(user, action, resource, { n: '1', d: 'y', i: 'z', b: 'QQ==', 'aws:username': ['x'] }),
          { identity: [p] },
        );
        expect(['Allow', 'ImplicitDeny', 'ExplicitDeny']).toContain(d.decision);
      }
    }
  });
});

describe('reference_policies_condition-logic-multiple-context-keys-or-values: AND across keys and operators', () => {
  const p = policy(
    'identity',
    allow('s3:GetObject', '*', {
      Condition: {
        StringEquals: { 'aws:PrincipalTag/team': 'red', 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] },
        Bool: { 'aws:SecureTransport': 'true' },
      },
    }),
  );
  it.each([
    [
      { 'aws:PrincipalTag/team': 'red', 'aws:RequestedRegion': 'eu-west-1', 'aws:SecureTransport': true },
      'Allow',
    ],
    [
      { 'aws:PrincipalTag/team': 'red', 'aws:RequestedRegion': 'us-west-2', 'aws:SecureTransport': true },
      'ImplicitDeny',
    ],
    [
      { 'aws:PrincipalTag/team': 'blue', 'aws:RequestedRegion': 'us-east-1', 'aws:SecureTransport': true },
      'ImplicitDeny',
    ],
    [
      { 'aws:PrincipalTag/team': 'red', 'aws:RequestedRegion': 'us-east-1', 'aws:SecureTransport': false },
      'ImplicitDeny',
    ],
    [{ 'aws:PrincipalTag/team': 'red', 'aws:RequestedRegion': 'us-east-1' }, 'ImplicitDeny'],
  ] as [Record<string, ContextInput>, string][])('%j → %s', (ctx, expected) => {
    expect(decide(req(user, 's3:GetObject', BUCKET, ctx), { identity: [p] })).toBe(expected);
  });

  it('the AccessDenied message names the SCP when an SCP and an identity policy both deny', () => {
    const r = req(user);
    const d = evaluate(r, {
      identity: [policy('identity', [allow('*'), deny('s3:*')])],
      scp: [[policy('scp', [allow('*'), deny('s3:GetObject')])]],
    });
    expect(d.explanation.deciding.map((s) => s.policyKind).sort()).toEqual(['identity', 'scp']);
    expect(accessDeniedMessage(r, d)).toMatch(/explicit deny in a service control policy$/);
  });
});
