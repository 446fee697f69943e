import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { formatSimulationJson, formatSimulationText } from './format.js';
import { simulate, simulationSnapshot, type SimulateEnv } from './simulate.js';

const ACCOUNT = '123456789012';
const ISSUER = 'token.actions.example.com';
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement }, null, 2);

const TRUST = doc(
  { Sid: 'Ec2', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
  {
    Sid: 'Ci',
    Effect: 'Allow',
    Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}` },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${ISSUER}:sub`]: 'repo:acme/app:ref:refs/heads/main',
        [`${ISSUER}:aud`]: 'sts.amazonaws.com',
      },
    },
  },
  {
    Sid: 'Deployer',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/deployer` },
    Action: 'sts:AssumeRole',
  },
  {
    Sid: 'Partner',
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::444455556666:root' },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'sts:ExternalId': 'x-1' } },
  },
);

describe('simulate', () => {
  let store: Store;
  let env: SimulateEnv;
  beforeEach(async () => {
    store = await openStore(':memory:');
    await store.createAccount({ accountId: ACCOUNT });
    await store.createRole(ACCOUNT, { roleName: 'app', assumeRolePolicyDocument: TRUST });
    await store.putRolePolicy(
      ACCOUNT,
      'app',
      'docs',
      doc(
        {
          Sid: 'ReadWriteDocs',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: 'arn:aws:s3:::docs/*',
        },
        { Sid: 'NoSecrets', Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::docs/secret/*' },
        {
          Sid: 'TeamTables',
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
        },
      ),
    );
    const boundary = await store.createPolicy(ACCOUNT, {
      policyName: 'read-only-fence',
      document: doc({ Effect: 'Allow', Action: ['s3:Get*', 'dynamodb:*', 'sts:AssumeRole'], Resource: '*' }),
    });
    await store.putRolePermissionsBoundary(ACCOUNT, 'app', boundary.arn);
    await store.createRole(ACCOUNT, { roleName: 'deployer', assumeRolePolicyDocument: TRUST });
    await store.putRolePolicy(
      ACCOUNT,
      'deployer',
      'assume',
      doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }),
    );
    await store.createRole(ACCOUNT, { roleName: 'intruder', assumeRolePolicyDocument: TRUST });
    await store.putRolePolicy(
      ACCOUNT,
      'intruder',
      'assume',
      doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }),
    );
    await store.createOidcProvider(ACCOUNT, {
      url: `https://${ISSUER}`,
      clientIds: ['sts.amazonaws.com'],
      thumbprints: [],
    });
    env = { store, ...simulationSnapshot(store), accountId: ACCOUNT };
  });
  afterEach(async () => {
    await store.close();
  });

  it('allows through the identity policy, naming the deciding statement and its line', async () => {
    const [r] = await simulate(env, {
      roleName: 'app',
      actions: ['s3:GetObject'],
      resource: 'arn:aws:s3:::docs/a.txt',
    });
    expect(r!.evalDecision).toBe('allowed');
    expect(r!.caller).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/app/credplane-simulate`);
    expect(r!.decision.explanation.deciding).toMatchObject([
      { policyName: 'docs', sid: 'ReadWriteDocs', statementIndex: 0 },
      { policyKind: 'boundary', policyName: 'read-only-fence', statementIndex: 0 },
    ]);
    expect(r!.policies.map((p) => `${p.kind}:${p.name}`)).toEqual([
      'identity:docs',
      'boundary:read-only-fence',
    ]);
    const text = formatSimulationText([r!]);
    expect(text).toContain('s3:GetObject on arn:aws:s3:::docs/a.txt: allowed');
    expect(text).toMatch(
      /allowed by Statement\[0\] \(Sid "ReadWriteDocs"\) of identity policy "docs" \(line 4, column 5\)/,
    );
  });

  it('cuts at the permissions boundary: implicit deny with the reason and AWS message', async () => {
    const [r] = await simulate(env, {
      roleName: 'app',
      actions: ['s3:PutObject'],
      resource: 'arn:aws:s3:::docs/a.txt',
    });
    expect(r!.evalDecision).toBe('implicitDeny');
    expect(r!.decision.explanation.missing).toEqual([{ kind: 'boundary' }]);
    expect(r!.message).toMatch(/because no permissions boundary allows the s3:PutObject action$/);
    expect(formatSimulationText([r!])).toContain('why: no permissions boundary allows s3:PutObject');
  });

  it('reports an explicit deny and the statement that denied', async () => {
    const [r] = await simulate(env, {
      roleName: 'app',
      actions: ['s3:GetObject'],
      resource: 'arn:aws:s3:::docs/secret/k',
    });
    expect(r!.evalDecision).toBe('explicitDeny');
    expect(r!.decision.explanation.deciding).toMatchObject([{ sid: 'NoSecrets', effect: 'Deny' }]);
    expect(formatSimulationText([r!])).toMatch(/denied by Statement\[1\] \(Sid "NoSecrets"\)/);
  });

  it('uses the given context keys, several actions at once, and a session policy', async () => {
    const results = await simulate(env, {
      roleName: 'app',
      actions: ['dynamodb:GetItem', 's3:GetObject'],
      resource: 'arn:aws:s3:::docs/a.txt',
      context: { 'aws:RequestedRegion': ['eu-west-1'] },
      sessionPolicy: doc({ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }),
    });
    expect(results.map((r) => r.evalDecision)).toEqual(['allowed', 'implicitDeny']);
    expect(results[1]!.decision.explanation.missing).toEqual([{ kind: 'session' }]);
    const [noRegion] = await simulate(env, { roleName: 'app', actions: ['dynamodb:GetItem'] });
    expect(noRegion!.evalDecision).toBe('implicitDeny');
    const json = JSON.parse(formatSimulationJson(results)) as {
      EvaluationResults: { EvalDecision: string }[];
    };
    expect(json.EvaluationResults.map((e) => e.EvalDecision)).toEqual(['allowed', 'implicitDeny']);
  });

  it('a role that does not exist is NoSuchEntity', async () => {
    await expect(simulate(env, { roleName: 'nope', actions: ['s3:GetObject'] })).rejects.toMatchObject({
      code: 'NoSuchEntity',
    });
  });

  describe('trust policies', () => {
    it('allows the service principal the trust policy names and refuses another', async () => {
      const [ec2] = await simulate(env, {
        roleName: 'app',
        actions: ['sts:AssumeRole'],
        principal: { kind: 'service', service: 'ec2.amazonaws.com' },
      });
      expect(ec2!.evalDecision).toBe('allowed');
      expect(ec2!.mode).toBe('trust');
      expect(ec2!.resource).toBe(`arn:aws:iam::${ACCOUNT}:role/app`);
      expect(ec2!.decision.explanation.deciding).toMatchObject([{ policyKind: 'trust', sid: 'Ec2' }]);
      const [lambda] = await simulate(env, {
        roleName: 'app',
        actions: ['sts:AssumeRole'],
        principal: { kind: 'service', service: 'lambda.amazonaws.com' },
      });
      expect(lambda!.evalDecision).toBe('implicitDeny');
      expect(lambda!.decision.explanation.missing).toEqual([{ kind: 'resource' }]);
      expect(formatSimulationText([lambda!])).toContain("the role's trust policy is the resource policy");
    });

    it('checks a web identity against the :sub and :aud conditions', async () => {
      const ask = (sub: string) =>
        simulate(env, {
          roleName: 'app',
          actions: ['sts:AssumeRoleWithWebIdentity'],
          principal: { kind: 'web-identity', provider: `https://${ISSUER}` },
          context: { [`${ISSUER}:sub`]: [sub], [`${ISSUER}:aud`]: ['sts.amazonaws.com'] },
        });
      const [main] = await ask('repo:acme/app:ref:refs/heads/main');
      expect(main!.evalDecision).toBe('allowed');
      expect(main!.caller).toBe(`arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`);
      expect(main!.notes).toEqual([]);
      const [fork] = await ask('repo:evil/app:ref:refs/heads/main');
      expect(fork!.evalDecision).toBe('implicitDeny');
      const [unknown] = await simulate(env, {
        roleName: 'app',
        actions: ['sts:AssumeRoleWithWebIdentity'],
        principal: { kind: 'web-identity', provider: 'other.example.com' },
      });
      expect(unknown!.evalDecision).toBe('implicitDeny');
      expect(unknown!.notes.join()).toMatch(/no IAM OIDC provider for other.example.com/);
    });

    it('evaluates a role of this account with its own policies, as STS does', async () => {
      const [deployer] = await simulate(env, {
        roleName: 'app',
        actions: ['sts:AssumeRole'],
        principal: { kind: 'aws', arn: `arn:aws:iam::${ACCOUNT}:role/deployer` },
      });
      expect(deployer!.evalDecision).toBe('allowed');
      expect(deployer!.policies.map((p) => p.kind)).toEqual(['identity', 'trust']);
      const [intruder] = await simulate(env, {
        roleName: 'app',
        actions: ['sts:AssumeRole'],
        principal: { kind: 'aws', arn: `arn:aws:iam::${ACCOUNT}:role/intruder` },
      });
      expect(intruder!.evalDecision).toBe('implicitDeny');
      expect(intruder!.decision.explanation.missing).toContainEqual({ kind: 'resource' });
    });

    it('answers for another account from the trust policy alone, and says so', async () => {
      const partner = { kind: 'aws' as const, arn: 'arn:aws:iam::444455556666:role/ci' };
      const [withId] = await simulate(env, {
        roleName: 'app',
        actions: ['sts:AssumeRole'],
        principal: partner,
        context: { 'sts:ExternalId': ['x-1'] },
      });
      expect(withId!.evalDecision).toBe('allowed');
      expect(withId!.decision.explanation.deciding).toMatchObject([{ sid: 'Partner' }]);
      expect(withId!.notes.join()).toMatch(
        /identity-based policies of arn:aws:iam::444455556666:role\/ci are not known/,
      );
      const [without] = await simulate(env, {
        roleName: 'app',
        actions: ['sts:AssumeRole'],
        principal: partner,
      });
      expect(without!.evalDecision).toBe('implicitDeny');
    });
  });
});
