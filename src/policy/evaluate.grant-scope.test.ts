/**
 * How far a grant reaches: which principal forms a resource-based policy grant is limited by
 * permissions boundaries and session policies, `Allow` + `NotPrincipal`, resource policies without
 * a principal, and the accounts SCPs and RCPs belong to (IAM User Guide "Policy evaluation for
 * requests within a single account", "AWS JSON policy elements: Principal" and "NotPrincipal";
 * AWS Organizations "Service control policies" and "Resource control policies").
 */
import { describe, expect, it } from 'vitest';
import type { PolicyType } from './ast.js';
import { compilePolicy, compilePolicyStrict } from './compile.js';
import type { CompiledPolicy } from './compile.js';
import { createRequestContext, principalContextKeys } from './context.js';
import type { ContextInput, RequestPrincipal } from './context.js';
import { MalformedPolicyDocumentError } from './errors.js';
import { evaluate } from './evaluate.js';
import type { AuthorizationRequest, PolicySet } from './evaluate.js';
import { parsePolicy } from './parse.js';

const ACCT = '111122223333';
const OTHER = '444455556666';
const BUCKET = 'arn:aws:s3:::docs/report.txt';

let counter = 0;
const policy = (kind: PolicyType, statements: object | object[]): CompiledPolicy =>
  compilePolicy(parsePolicy({ Version: '2012-10-17', Statement: statements }), {
    id: `${kind}-${++counter}`,
    kind,
  });
const allow = (Action: string, extra: object = {}): object => ({
  Effect: 'Allow',
  Action,
  Resource: '*',
  ...extra,
});

const session: RequestPrincipal = {
  type: 'AssumedRole',
  arn: `arn:aws:sts::${ACCT}:assumed-role/app/s1`,
  roleArn: `arn:aws:iam::${ACCT}:role/app`,
  userId: 'AROAAPP:s1',
  account: ACCT,
};
const user: RequestPrincipal = {
  type: 'User',
  arn: `arn:aws:iam::${ACCT}:user/alice`,
  userId: 'AIDAALICE',
  userName: 'alice',
  account: ACCT,
};
const federated: RequestPrincipal = {
  type: 'FederatedUser',
  arn: `arn:aws:sts::${ACCT}:federated-user/bob`,
  sourceUserArn: user.arn,
  userId: `${ACCT}:bob`,
  account: ACCT,
};

function req(
  principal: RequestPrincipal,
  resourceAccount?: string,
  context: Record<string, ContextInput> = {},
): AuthorizationRequest {
  return {
    principal,
    action: 's3:GetObject',
    resource: BUCKET,
    ...(resourceAccount === undefined ? {} : { resourceAccount }),
    context: createRequestContext(principalContextKeys(principal), context),
  };
}
const decide = (r: AuthorizationRequest, p: PolicySet): string => evaluate(r, p).decision;

describe('Principal "*" narrowed by aws:PrincipalArn: not limited by boundaries or session policies', () => {
  // "Permissions boundaries and session policies do not limit permissions granted using the
  // aws:PrincipalArn condition key with a wildcard(*) in the Principal element, unless the
  // identity-based policies contain an explicit deny."
  const byPrincipalArn = (principal: unknown): CompiledPolicy =>
    policy('resource', {
      Effect: 'Allow',
      Principal: principal,
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { ArnEquals: { 'aws:PrincipalArn': session.roleArn } },
    });
  const ec2Boundary = policy('boundary', allow('ec2:*'));
  const ec2Session = [policy('session', allow('ec2:*'))];

  for (const principal of ['*', { AWS: '*' }]) {
    it(`Principal ${JSON.stringify(principal)}: a role session with an ec2-only boundary and session policy is allowed`, () => {
      const resource = byPrincipalArn(principal);
      expect(decide(req(session), { resource, boundary: ec2Boundary })).toBe('Allow');
      expect(decide(req(session), { resource, session: ec2Session })).toBe('Allow');
      expect(decide(req(session), { resource, boundary: ec2Boundary, session: ec2Session })).toBe('Allow');
      expect(evaluate(req(session), { resource, boundary: ec2Boundary }).explanation.resourceGrant).toBe(3);
    });
  }

  it('an explicit deny in an identity-based policy still denies', () => {
    const resource = byPrincipalArn({ AWS: '*' });
    const identity = [policy('identity', { Effect: 'Deny', Action: 's3:*', Resource: '*' })];
    expect(decide(req(session), { resource, identity, boundary: ec2Boundary })).toBe('ExplicitDeny');
  });

  it('the condition still narrows: another role of the account gets nothing from it', () => {
    const other: RequestPrincipal = {
      ...session,
      arn: `arn:aws:sts::${ACCT}:assumed-role/other/s1`,
      roleArn: `arn:aws:iam::${ACCT}:role/other`,
    };
    expect(decide(req(other), { resource: byPrincipalArn('*') })).toBe('ImplicitDeny');
  });

  it('a grant to the role ARN in Principal is still limited by the boundary and the session policy', () => {
    const resource = policy('resource', {
      Effect: 'Allow',
      Principal: { AWS: session.roleArn },
      Action: 's3:GetObject',
      Resource: '*',
    });
    expect(decide(req(session), { resource, boundary: ec2Boundary })).toBe('ImplicitDeny');
    expect(decide(req(session), { resource, session: ec2Session })).toBe('ImplicitDeny');
  });

  it('a GetFederationToken session granted through "*" needs no session policy', () => {
    const resource = policy('resource', {
      Effect: 'Allow',
      Principal: '*',
      Action: 's3:GetObject',
      Resource: '*',
    });
    expect(decide(req(federated), { resource })).toBe('Allow');
  });
});

describe('Allow + NotPrincipal never grants a principal it names', () => {
  const notPrincipal = (names: string[]): CompiledPolicy =>
    policy('resource', {
      Effect: 'Allow',
      NotPrincipal: { AWS: names },
      Action: 's3:GetObject',
      Resource: '*',
    });

  it('the session ARN, the role ARN or the account named: the session is not granted', () => {
    for (const names of [
      [session.arn!],
      [session.roleArn!],
      [ACCT],
      [`arn:aws:iam::${ACCT}:root`],
      ['AROAAPP:s1'],
    ]) {
      expect(decide(req(session), { resource: notPrincipal(names) }), names.join()).toBe('ImplicitDeny');
    }
  });

  it('the user ARN named: the user is not granted, also through its identity policies', () => {
    const resource = notPrincipal([user.arn!]);
    expect(decide(req(user), { resource })).toBe('ImplicitDeny');
    // Its own identity policy still grants: NotPrincipal only withholds the resource policy's grant.
    expect(decide(req(user), { resource, identity: [policy('identity', allow('s3:GetObject'))] })).toBe(
      'Allow',
    );
  });

  it('a principal it does not name is granted', () => {
    expect(decide(req(user), { resource: notPrincipal([session.arn!]) })).toBe('Allow');
  });
});

describe('resource and trust policies without Principal are refused, never applied to everyone', () => {
  for (const kind of ['resource', 'trust', 'rcp'] as const) {
    it(`compilePolicy(kind ${kind}) throws MalformedPolicyDocument MISSING_PRINCIPAL`, () => {
      const doc = parsePolicy({ Version: '2012-10-17', Statement: [allow('s3:GetObject')] });
      let error: unknown;
      try {
        compilePolicy(doc, { id: 'p', kind });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MalformedPolicyDocumentError);
      expect((error as MalformedPolicyDocumentError).issueCode).toBe('MISSING_PRINCIPAL');
      expect((error as MalformedPolicyDocumentError).code).toBe('MalformedPolicyDocument');
    });
  }

  it('evaluate refuses a principal-less policy passed as the resource policy', () => {
    const identityShaped = policy('identity', allow('s3:GetObject'));
    expect(() => evaluate(req({ type: 'Anonymous' }), { resource: identityShaped })).toThrow(
      MalformedPolicyDocumentError,
    );
  });

  it('compilePolicyStrict validates first: ERROR findings throw, with their issue code', () => {
    const refused = (input: object, kind: PolicyType): string | undefined => {
      try {
        compilePolicyStrict(input, { id: 'p', kind });
      } catch (e) {
        if (e instanceof MalformedPolicyDocumentError) return e.issueCode;
        throw e;
      }
      return undefined;
    };
    const noPrincipal = { Version: '2012-10-17', Statement: [allow('s3:GetObject')] };
    expect(refused(noPrincipal, 'resource')).toBe('MISSING_PRINCIPAL');
    expect(
      refused({ Version: '2012-10-17', Statement: [allow('s3:GetObject', { Principal: '*' })] }, 'identity'),
    ).toBe('PRINCIPAL_NOT_ALLOWED');
    expect(
      refused({ Version: '2012-10-17', Statement: [allow('s3:GetObject')] }, 'identity'),
    ).toBeUndefined();
    const compiled = compilePolicyStrict(JSON.stringify(noPrincipal), { id: 'ok', kind: 'identity' });
    expect(decide(req(user), { identity: [compiled] })).toBe('Allow');
  });
});

describe('SCPs apply to principals of their account; RCPs to resources of theirs', () => {
  const identity = [policy('identity', allow('*'))];
  const scpDenyAll = [[policy('scp', allow('ec2:*'))]];
  const rcpDenyAll = [[policy('rcp', { Effect: 'Allow', Principal: '*', Action: 'ec2:*', Resource: '*' })]];
  const publicRead = policy('resource', {
    Effect: 'Allow',
    Principal: '*',
    Action: 's3:GetObject',
    Resource: '*',
  });

  it('an SCP attached to the resource account does not limit a principal of another account', () => {
    const foreign: RequestPrincipal = { ...user, arn: `arn:aws:iam::${OTHER}:user/alice`, account: OTHER };
    const r = req(foreign, ACCT);
    expect(decide(r, { identity, resource: publicRead, scp: scpDenyAll, scpAccount: ACCT })).toBe('Allow');
    // The principal's own account's SCP does.
    expect(decide(r, { identity, resource: publicRead, scp: scpDenyAll, scpAccount: OTHER })).toBe(
      'ImplicitDeny',
    );
  });

  it('anonymous and service principals are outside SCPs', () => {
    const set = { resource: publicRead, scp: scpDenyAll, scpAccount: ACCT };
    expect(decide(req({ type: 'Anonymous' }, ACCT), set)).toBe('Allow');
    expect(decide(req({ type: 'Service', service: 'cloudtrail.amazonaws.com' }, ACCT), set)).toBe('Allow');
    expect(
      decide(req({ type: 'Service', service: 'cloudtrail.amazonaws.com' }, ACCT), {
        ...set,
        scpAccount: undefined,
      }),
    ).toBe('Allow');
  });

  it('an RCP applies to resources of its account only', () => {
    const set = { identity, resource: publicRead, rcp: rcpDenyAll };
    expect(decide(req(user, ACCT), { ...set, rcpAccount: OTHER })).toBe('Allow');
    expect(decide(req(user, ACCT), { ...set, rcpAccount: ACCT })).toBe('ImplicitDeny');
    // Anonymous callers are still limited by the resource account's RCPs.
    expect(decide(req({ type: 'Anonymous' }, ACCT), { ...set, rcpAccount: ACCT })).toBe('ImplicitDeny');
  });
});
