/**
 * A fixed corpus of Query API calls (STS, IAM, EC2, web identity) as the control plane hands them
 * to the access log, for `query-api-record.golden.test.ts`: every event built from it must be
 * byte-identical (after `JSON.stringify`) to what the code before the record's optimisation built
 * (`query-api-record.golden.json`, generated from main at 1dd6fe7 by `golden-generate.ts`). Only
 * deterministic inputs: fixed times, request ids, keys; the event id is replaced by the caller.
 */
import type { AuthenticatedCaller } from '../../control/authenticate.js';
import { decide } from '../../control/authorize.js';
import type { SessionClaims } from '../../crypto/index.js';
import type { ApiRequest } from '../../http/types.js';
import { compilePolicy, parsePolicy } from '../../policy/index.js';
import { XmlMap, type XmlNode } from '../../protocol/xml.js';
import type { QueryApiCall } from '../query-api-record.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const TIME = new Date('2026-11-29T09:16:23.456Z');

function request(id: string, extra: Partial<ApiRequest> = {}): ApiRequest {
  return {
    method: 'POST',
    url: '/',
    rawHeaders: ['Host', '127.0.0.1', 'User-Agent', 'aws-sdk-js/3.700.0 os/linux'],
    headers: { host: '127.0.0.1', 'user-agent': 'aws-sdk-js/3.700.0 os/linux' },
    body: Buffer.alloc(0),
    remoteAddress: '::ffff:127.0.0.1',
    requestId: id,
    receivedAt: TIME.getTime(),
    ...extra,
  };
}

const adminPolicy = compilePolicy(
  parsePolicy({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*' },
      { Sid: 'NoDelete', Effect: 'Deny', Action: 'iam:DeleteAccountPasswordPolicy', Resource: '*' },
    ],
  }),
  { id: 'credplane-admin', kind: 'identity' },
);

const limitedPolicy = compilePolicy(
  parsePolicy({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadRoles', Effect: 'Allow', Action: ['iam:GetRole', 'iam:ListRoles'], Resource: '*' },
    ],
  }),
  { id: 'ANPALIMITED0000000001', name: 'limited', kind: 'identity' },
);

function admin(): AuthenticatedCaller {
  return {
    caller: {
      kind: 'User',
      accountId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
      userId: 'AIDAEXAMPLEUSERID0001',
      principalArn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
      accessKeyId: 'AKIAEXAMPLEKEY000001',
      userName: 'credplane-admin',
    },
    principal: {
      type: 'User',
      arn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
      account: ACCOUNT,
      userId: 'AIDAEXAMPLEUSERID0001',
      userName: 'credplane-admin',
    },
    policies: { identity: [adminPolicy] },
    region: 'us-east-1',
    service: 'sts',
    sourceIp: '127.0.0.1',
    userAgent: 'aws-sdk-js/3.700.0 os/linux',
    requestTime: TIME,
    decisions: [],
  };
}

const session: SessionClaims = {
  accountId: ACCOUNT,
  roleArn: `arn:aws:iam::${ACCOUNT}:role/app/reporter`,
  roleId: 'AROAEXAMPLEROLEID0001',
  roleName: 'reporter',
  roleSessionName: 'ci-42',
  issuedAt: Date.parse('2026-11-29T08:00:00Z') / 1000,
  expiresAt: Date.parse('2026-11-29T14:00:00Z') / 1000,
  sourceIdentity: 'alice',
};

function role(): AuthenticatedCaller {
  return {
    caller: {
      kind: 'AssumedRole',
      accountId: ACCOUNT,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/reporter/ci-42`,
      userId: 'AROAEXAMPLEROLEID0001:ci-42',
      principalArn: session.roleArn,
      accessKeyId: 'ASIAEXAMPLEKEY000001',
      session,
    },
    principal: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/reporter/ci-42`,
      account: ACCOUNT,
      roleArn: session.roleArn,
      roleId: session.roleId,
      userId: 'AROAEXAMPLEROLEID0001:ci-42',
    },
    policies: { identity: [limitedPolicy] },
    region: 'eu-west-1',
    service: 'iam',
    sourceIp: '10.0.0.7',
    requestTime: TIME,
    decisions: [],
  };
}

/** Records a check on the caller as `authorize` does (without throwing on a denial). */
function check(auth: AuthenticatedCaller, action: string, resource: string): AuthenticatedCaller {
  auth.decisions!.push({ action, resource, decision: decide(auth, { action, resource }) });
  return auth;
}

const CREDENTIALS: XmlNode = {
  AccessKeyId: 'ASIAEXAMPLEISSUED001',
  SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1',
  SessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKENSECRETSECRETSECRET==',
  Expiration: '2026-11-29T10:16:23Z',
};

type Pairs = [string, string][];

function sts(action: string, pairs: Pairs): Pairs {
  return [['Action', action], ['Version', '2011-06-15'], ...pairs];
}
function iam(action: string, pairs: Pairs): Pairs {
  return [['Action', action], ['Version', '2010-05-08'], ...pairs];
}

/** The corpus, freshly built (calls carry mutable callers). Names are stable fixture keys. */
export function corpus(): { name: string; call: QueryApiCall }[] {
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/app/deployer`;
  const out: { name: string; call: QueryApiCall }[] = [];
  const add = (
    name: string,
    call: Omit<QueryApiCall, 'eventTime' | 'region'> & { region?: string },
  ): void => {
    out.push({ name, call: { region: 'us-east-1', eventTime: TIME, ...call } });
  };

  add('sts GetCallerIdentity, user', {
    channel: 'sts',
    service: 'sts',
    action: 'GetCallerIdentity',
    request: request('req-gci-1'),
    parameters: sts('GetCallerIdentity', []),
    auth: admin(),
    response: {
      status: 200,
      outcome: {
        result: {
          UserId: 'AIDAEXAMPLEUSERID0001',
          Account: ACCOUNT,
          Arn: `arn:aws:iam::${ACCOUNT}:user/credplane-admin`,
        },
      },
    },
  });
  add('sts GetCallerIdentity, assumed role, IPv4 address', {
    channel: 'sts',
    service: 'sts',
    action: 'GetCallerIdentity',
    request: request('req-gci-2', { remoteAddress: '127.0.0.1', headers: { host: 'x' } }),
    parameters: sts('GetCallerIdentity', []),
    auth: role(),
    response: { status: 200, outcome: { result: { UserId: 'x', Account: ACCOUNT, Arn: 'y' } } },
  });
  add('sts AssumeRole with tags, policy, MFA, source identity', {
    channel: 'sts',
    service: 'sts',
    action: 'AssumeRole',
    request: request('req-ar-1'),
    parameters: sts('AssumeRole', [
      ['RoleArn', roleArn],
      ['RoleSessionName', 'deploy-7'],
      ['DurationSeconds', '3600'],
      ['ExternalId', 'ext-123'],
      ['SerialNumber', `arn:aws:iam::${ACCOUNT}:mfa/admin`],
      ['TokenCode', '123456'],
      ['SourceIdentity', 'alice'],
      [
        'Policy',
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
        }),
      ],
      ['PolicyArns.member.1.arn', `arn:aws:iam::${ACCOUNT}:policy/boundary`],
      ['Tags.member.1.Key', 'team'],
      ['Tags.member.1.Value', 'payments'],
      ['Tags.member.2.Key', 'cost-center'],
      ['Tags.member.2.Value', ''],
      ['TransitiveTagKeys.member.1', 'team'],
    ]),
    auth: check(check(admin(), 'sts:AssumeRole', roleArn), 'sts:TagSession', roleArn),
    roleName: 'deployer',
    roleArn,
    response: {
      status: 200,
      outcome: {
        result: {
          Credentials: CREDENTIALS,
          AssumedRoleUser: {
            AssumedRoleId: 'AROAEXAMPLEROLEID0002:deploy-7',
            Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/deploy-7`,
          },
          PackedPolicySize: 12,
          SourceIdentity: 'alice',
        },
      },
    },
  });
  add('sts AssumeRole denied (implicit deny, missing allows)', {
    channel: 'sts',
    service: 'sts',
    action: 'AssumeRole',
    request: request('req-ar-2', { headers: { 'user-agent': ['a', 'b'] as unknown as string } }),
    parameters: sts('AssumeRole', [
      ['RoleArn', `arn:aws:iam::${OTHER}:role/elsewhere`],
      ['RoleSessionName', 's'],
    ]),
    auth: check(role(), 'sts:AssumeRole', `arn:aws:iam::${OTHER}:role/elsewhere`),
    response: {
      status: 403,
      outcome: {
        error: { code: 'AccessDenied', message: 'User: x is not authorized to perform: sts:AssumeRole' },
      },
    },
  });
  add('sts GetSessionToken (a Get that records its response)', {
    channel: 'sts',
    service: 'sts',
    action: 'GetSessionToken',
    request: request('req-gst'),
    parameters: sts('GetSessionToken', [
      ['DurationSeconds', '900'],
      ['SerialNumber', 'arn:aws:iam::111122223333:mfa/admin'],
      ['TokenCode', '654321'],
    ]),
    auth: admin(),
    response: { status: 200, outcome: { result: { Credentials: CREDENTIALS } } },
  });
  add('sts AssumeRoleWithWebIdentity, unsigned', {
    channel: 'web-identity',
    service: 'sts',
    action: 'AssumeRoleWithWebIdentity',
    request: request('req-wi'),
    parameters: sts('AssumeRoleWithWebIdentity', [
      ['RoleArn', `arn:aws:iam::${OTHER}:role/ci/gha`],
      ['RoleSessionName', 'gha'],
      ['WebIdentityToken', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOngifQ.c2lnbmF0dXJl'],
      ['ProviderId', 'token.actions.githubusercontent.com'],
    ]),
    webIdentity: {
      identityProvider: 'https://token.actions.githubusercontent.com',
      audience: 'sts.amazonaws.com',
      subject: 'repo:org/app:ref:refs/heads/main',
    },
    response: {
      status: 200,
      outcome: {
        result: {
          Credentials: CREDENTIALS,
          SubjectFromWebIdentityToken: 'repo:org/app:ref:refs/heads/main',
          Audience: 'sts.amazonaws.com',
          Provider: 'https://token.actions.githubusercontent.com',
        },
      },
    },
  });
  add('sts AssumeRoleWithWebIdentity, unsigned, malformed RoleArn (not logged)', {
    channel: 'web-identity',
    service: 'sts',
    action: 'AssumeRoleWithWebIdentity',
    request: request('req-wi-2'),
    parameters: sts('AssumeRoleWithWebIdentity', [['RoleArn', 'arn:aws:iam::1:role/x']]),
    response: { status: 400, outcome: { error: { code: 'ValidationError', message: 'bad' } } },
  });
  add('sts AssumeRoleWithWebIdentity, invalid token, suppressed count', {
    channel: 'web-identity',
    service: 'sts',
    action: 'AssumeRoleWithWebIdentity',
    request: request('req-wi-3'),
    parameters: sts('AssumeRoleWithWebIdentity', [
      ['RoleArn', `arn:aws:iam::${OTHER}:role/gha`],
      ['WebIdentityToken', 'not-a-jwt'],
    ]),
    suppressedUnauthenticated: 3,
    response: { status: 400, outcome: { error: { code: 'InvalidIdentityToken', message: 'bad token' } } },
  });
  add('iam CreateRole with tags and trust policy', {
    channel: 'iam',
    service: 'iam',
    action: 'CreateRole',
    request: request('req-cr'),
    parameters: iam('CreateRole', [
      ['RoleName', 'web'],
      ['Path', '/apps/'],
      ['Description', 'a <web> & "app" role'],
      ['AssumeRolePolicyDocument', '{"Version":"2012-10-17","Statement":[]}'],
      ['Tags.member.1.Key', 'team'],
      ['Tags.member.1.Value', 'payments'],
    ]),
    auth: check(admin(), 'iam:CreateRole', `arn:aws:iam::${ACCOUNT}:role/apps/web`),
    response: {
      status: 200,
      outcome: {
        result: {
          Role: {
            Path: '/apps/',
            RoleName: 'web',
            RoleId: 'AROAEXAMPLEROLEID0003',
            Arn: `arn:aws:iam::${ACCOUNT}:role/apps/web`,
            CreateDate: '2026-11-29T09:16:23Z',
            AssumeRolePolicyDocument: '%7B%7D',
            Tags: [{ Key: 'team', Value: 'payments' }],
            MaxSessionDuration: 3600,
            RoleLastUsed: {},
            PermissionsBoundary: undefined,
            Description: null,
          },
        },
      },
    },
  });
  add('iam CreateAccessKey (secret in the response)', {
    channel: 'iam',
    service: 'iam',
    action: 'CreateAccessKey',
    request: request('req-cak'),
    parameters: iam('CreateAccessKey', [['UserName', 'bob']]),
    auth: check(admin(), 'iam:CreateAccessKey', `arn:aws:iam::${ACCOUNT}:user/bob`),
    response: {
      status: 200,
      outcome: {
        result: {
          AccessKey: {
            UserName: 'bob',
            AccessKeyId: 'AKIAEXAMPLEBOB000001',
            Status: 'Active',
            SecretAccessKey: 'bobSECRETbobSECRETbobSECRETbobSECRET0001',
            CreateDate: '2026-11-29T09:16:23Z',
          },
        },
      },
    },
  });
  add('iam ChangePassword and CreateLoginProfile (secrets in the request)', {
    channel: 'iam',
    service: 'iam',
    action: 'ChangePassword',
    request: request('req-cp'),
    parameters: iam('ChangePassword', [
      ['OldPassword', 'old-Secret-1'],
      ['NewPassword', 'new-Secret-2'],
      ['Extra.Password', 'p'],
      ['Nested.member.1.ClientSecret', 'cs'],
    ]),
    auth: check(admin(), 'iam:ChangePassword', `arn:aws:iam::${ACCOUNT}:user/credplane-admin`),
    response: { status: 200, outcome: {} },
  });
  add('iam CreateVirtualMFADevice (seed in the response)', {
    channel: 'iam',
    service: 'iam',
    action: 'CreateVirtualMFADevice',
    request: request('req-mfa'),
    parameters: iam('CreateVirtualMFADevice', [['VirtualMFADeviceName', 'phone']]),
    auth: check(admin(), 'iam:CreateVirtualMFADevice', `arn:aws:iam::${ACCOUNT}:mfa/phone`),
    response: {
      status: 200,
      outcome: {
        result: {
          VirtualMFADevice: {
            SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/phone`,
            Base32StringSeed: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
            QRCodePNG: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk',
          },
        },
      },
    },
  });
  add('iam EnableMFADevice (codes in the request)', {
    channel: 'iam',
    service: 'iam',
    action: 'EnableMFADevice',
    request: request('req-emfa'),
    parameters: iam('EnableMFADevice', [
      ['UserName', 'bob'],
      ['SerialNumber', `arn:aws:iam::${ACCOUNT}:mfa/phone`],
      ['AuthenticationCode1', '123456'],
      ['AuthenticationCode2', '654321'],
    ]),
    auth: check(admin(), 'iam:EnableMFADevice', `arn:aws:iam::${ACCOUNT}:user/bob`),
    response: { status: 200, outcome: {} },
  });
  add('iam ListRoles by a role (read: no responseElements)', {
    channel: 'iam',
    service: 'iam',
    action: 'ListRoles',
    request: request('req-lr'),
    parameters: iam('ListRoles', [
      ['PathPrefix', '/'],
      ['MaxItems', '10'],
    ]),
    auth: check(role(), 'iam:ListRoles', `arn:aws:iam::${ACCOUNT}:role/*`),
    response: { status: 200, outcome: { result: { Roles: [{ RoleName: 'a' }], IsTruncated: false } } },
  });
  add('iam DeleteRole denied by the limited role (explicit resources, other account)', {
    channel: 'iam',
    service: 'iam',
    action: 'DeleteRole',
    request: request('req-dr'),
    parameters: iam('DeleteRole', [['RoleName', 'web']]),
    auth: check(
      check(role(), 'iam:DeleteRole', `arn:aws:iam::${ACCOUNT}:role/apps/web`),
      'iam:GetRole',
      `arn:aws:iam::${OTHER}:instance-profile/p`,
    ),
    response: { status: 403, outcome: { error: { code: 'AccessDenied', message: 'not authorized' } } },
  });
  add('iam explicit deny by the admin policy', {
    channel: 'iam',
    service: 'iam',
    action: 'DeleteAccountPasswordPolicy',
    request: request('req-dapp'),
    parameters: iam('DeleteAccountPasswordPolicy', []),
    auth: check(admin(), 'iam:DeleteAccountPasswordPolicy', '*'),
    response: { status: 403, outcome: { error: { code: 'AccessDenied', message: 'explicit deny' } } },
  });
  add('iam validation error (not a denial)', {
    channel: 'iam',
    service: 'iam',
    action: 'CreateUser',
    request: request('req-cu'),
    parameters: iam('CreateUser', [['UserName', 'bad name!']]),
    auth: check(admin(), 'iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/bad name!`),
    response: { status: 400, outcome: { error: { code: 'ValidationError', message: '1 validation error' } } },
  });
  add('iam odd parameter names (prototype, collisions, presigning, indexes)', {
    channel: 'iam',
    service: 'iam',
    action: 'TagRole',
    request: request('req-odd', { remoteAddress: '::1' }),
    parameters: [
      ['Action', 'TagRole'],
      ['Version', '2010-05-08'],
      ['X-Amz-Signature', 'abcdef0123'],
      ['X-Amz-Credential', 'AKIA/2026/us-east-1/iam/aws4_request'],
      ['x-amz-security-token', 'tok'],
      ['__proto__.polluted', 'yes'],
      ['__proto__', 'p'],
      ['constructor.prototype.x', 'y'],
      ['toString', 't'],
      ['A', '1'],
      ['A.B', '2'],
      ['Tags.member.0.Key', 'zero'],
      ['Tags.member.1.Key', 'k'],
      ['Tags.member.1.Key', 'dup'],
      ['Tags.member.3.Value', 'gap'],
      ['List.1', 'a'],
      ['List.x', 'b'],
      ['Foo..Bar', 'dots'],
      ['', 'empty'],
      ['.', 'dot'],
      ['Entry.entry.1.Value', 'v'],
      ['Value', 'not secret here'],
      ['Token', 'secret whole name'],
      ['Credentials', 'blob'],
      ['MySessionTokenThing', 'fragment'],
      ['ÜnicodeKey', 'ü'],
    ],
    auth: check(admin(), 'iam:TagRole', `arn:aws:iam::${ACCOUNT}:role/web`),
    response: { status: 200, outcome: {} },
  });
  add('ec2 RunInstances with item lists and a map', {
    channel: 'ec2',
    service: 'ec2',
    action: 'RunInstances',
    region: 'eu-central-1',
    request: request('req-ri'),
    parameters: [
      ['Action', 'RunInstances'],
      ['Version', '2016-11-15'],
      ['ImageId', 'ami-1'],
      ['TagSpecification.1.Tag.1.Key', 'Name'],
      ['UserData', 'c2VjcmV0'],
    ],
    auth: check(admin(), 'ec2:RunInstances', `arn:aws:ec2:eu-central-1:${ACCOUNT}:instance/*`),
    response: {
      status: 200,
      outcome: {
        result: {
          reservationId: 'r-1',
          instancesSet: { item: [{ instanceId: 'i-1', empty: [] }, { instanceId: 'i-2' }] },
          groupSet: [],
          tags: new XmlMap([
            ['a', '1'],
            ['password', 'x'],
          ]),
          nums: [1, null, true, undefined],
          single: { member: { Name: 'n' } },
          both: { member: 'm', Other: 'o' },
        },
      },
    },
  });
  add('ec2 StartInstances with an instance resource', {
    channel: 'ec2',
    service: 'ec2',
    action: 'StartInstances',
    request: request('req-si'),
    parameters: [
      ['Action', 'StartInstances'],
      ['InstanceId.1', 'i-1'],
    ],
    accountId: OTHER,
    auth: check(role(), 'ec2:StartInstances', `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-1`),
    response: { status: 200, outcome: { result: {} } },
  });
  return out;
}
