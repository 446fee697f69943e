/**
 * IAM users, groups and access keys through `@aws-sdk/client-iam` and the `aws` CLI against the
 * production handler, so every answer is proven against the SDKs' own parsers and error types.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteConflictException,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DeleteUserCommand,
  DeleteUserPermissionsBoundaryCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachUserPolicyCommand,
  EntityAlreadyExistsException,
  GetAccessKeyLastUsedCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  type IAMClient,
  LimitExceededException,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  ListUsersCommand,
  NoSuchEntityException,
  PutGroupPolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  UpdateGroupCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey } from '../crypto/master-key.js';
import { openSecret, sealSecret } from '../crypto/index.js';
import { startIamSdkServer, type IamSdkServer } from './test-support/sdk-server.js';
import { ACCOUNT, CALLER_ARN, READ_LOGS } from './test-support/context.js';

const run = promisify(execFile);
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const masterKey = generateMasterKey();

let h: IamSdkServer;
let client: IAMClient;
const defaultCaller = () => h.ctx.caller;
let savedCaller: IamSdkServer['ctx']['caller'];

beforeAll(async () => {
  h = await startIamSdkServer('credplane-iam-users-');
  client = h.client;
  h.ctx.accessKeys = { seal: (secret, id) => sealSecret(secret, id, masterKey) };
  // The fake caller is the user `admin`: here it exists, as the first user does on a real server.
  await h.ctx.store.createUser(ACCOUNT, { userName: 'admin' });
  savedCaller = defaultCaller();
});

afterEach(() => {
  h.ctx.caller = savedCaller;
  h.ctx.deny = () => false;
});

afterAll(async () => {
  await h?.close();
});

async function rejects<T>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as T;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string } | undefined;
  expect(error).toBeDefined();
  return error!;
}

describe('users', () => {
  it('creates, gets, lists with paging, renames and tags a user', async () => {
    const created = await client.send(
      new CreateUserCommand({ UserName: 'alice', Path: '/eng/', Tags: [{ Key: 'team', Value: 'payments' }] }),
    );
    expect(created.User?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/eng/alice`);
    expect(created.User?.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
    expect(created.User?.CreateDate).toBeInstanceOf(Date);
    expect(created.User?.Tags).toEqual([{ Key: 'team', Value: 'payments' }]);
    expect(h.ctx.calls.slice(-2).map((c) => [c.action, c.resource])).toEqual([
      ['iam:CreateUser', `arn:aws:iam::${ACCOUNT}:user/eng/alice`],
      ['iam:TagUser', `arn:aws:iam::${ACCOUNT}:user/eng/alice`],
    ]);
    await rejects(client.send(new CreateUserCommand({ UserName: 'ALICE' })), EntityAlreadyExistsException);

    const got = await client.send(new GetUserCommand({ UserName: 'Alice' }));
    expect(got.User?.UserId).toBe(created.User?.UserId);
    expect(got.User?.UserName).toBe('alice');

    await client.send(new CreateUserCommand({ UserName: 'bob' }));
    const first = await client.send(new ListUsersCommand({ MaxItems: 1, PathPrefix: '/' }));
    expect(first.IsTruncated).toBe(true);
    expect(first.Users?.map((u) => u.UserName)).toEqual(['admin']);
    // Listing leaves out tags and boundaries, as IAM's list operations do.
    expect(first.Users?.[0]?.Tags).toBeUndefined();
    const second = await client.send(new ListUsersCommand({ MaxItems: 5, Marker: first.Marker }));
    expect(second.Users?.map((u) => u.UserName)).toEqual(['alice', 'bob']);
    expect(
      (await client.send(new ListUsersCommand({ PathPrefix: '/eng/' }))).Users?.map((u) => u.UserName),
    ).toEqual(['alice']);
    await expect(client.send(new ListUsersCommand({ Marker: 'garbage' }))).rejects.toThrow(/marker/);

    await client.send(new TagUserCommand({ UserName: 'alice', Tags: [{ Key: 'Env', Value: 'prod' }] }));
    const tags = await client.send(new ListUserTagsCommand({ UserName: 'alice' }));
    expect(tags.Tags).toEqual([
      { Key: 'team', Value: 'payments' },
      { Key: 'Env', Value: 'prod' },
    ]);
    await client.send(new UntagUserCommand({ UserName: 'alice', TagKeys: ['team'] }));
    expect((await client.send(new GetUserCommand({ UserName: 'alice' }))).User?.Tags).toEqual([
      { Key: 'Env', Value: 'prod' },
    ]);

    await client.send(new UpdateUserCommand({ UserName: 'bob', NewUserName: 'robert', NewPath: '/ops/' }));
    const renamed = await client.send(new GetUserCommand({ UserName: 'robert' }));
    expect(renamed.User?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/ops/robert`);
    // The rename is authorized on the old and the new user.
    expect(h.ctx.calls.filter((c) => c.action === 'iam:UpdateUser').map((c) => c.resource)).toEqual([
      `arn:aws:iam::${ACCOUNT}:user/bob`,
      `arn:aws:iam::${ACCOUNT}:user/ops/robert`,
    ]);
    await rejects(client.send(new GetUserCommand({ UserName: 'bob' })), NoSuchEntityException);
    await client.send(new DeleteUserCommand({ UserName: 'robert' }));
  });

  it('answers GetUser without a name with the caller, and refuses it to a role session as IAM does', async () => {
    const me = await client.send(new GetUserCommand({}));
    expect(me.User?.UserName).toBe('admin');
    h.ctx.caller = {
      kind: 'AssumedRole',
      accountId: ACCOUNT,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/web/s`,
      userId: 'AROAEXAMPLEEXAMPLE12:s',
      principalArn: `arn:aws:iam::${ACCOUNT}:role/web`,
      accessKeyId: 'ASIAEXAMPLE',
    };
    const error = await failure(client.send(new GetUserCommand({})));
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: 'Must specify userName when calling with non-User credentials',
    });
    const keys = await failure(client.send(new ListAccessKeysCommand({})));
    expect(keys.name).toBe('ValidationError');
  });

  it('checks names against the model and denies before it tells whether a user exists', async () => {
    const long = await failure(client.send(new CreateUserCommand({ UserName: 'u'.repeat(65) })));
    expect(long.name).toBe('ValidationError');
    expect(long.message).toContain('Member must have length less than or equal to 64');
    // An existing user's name may be up to 128 long (existingUserNameType): not a validation error.
    await rejects(client.send(new GetUserCommand({ UserName: 'u'.repeat(100) })), NoSuchEntityException);
    h.ctx.deny = (c) => c.action === 'iam:GetUser';
    const denied = await failure(client.send(new GetUserCommand({ UserName: 'ghost' })));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.message).toContain(`on resource: arn:aws:iam::${ACCOUNT}:user/ghost`);
  });

  it('keeps inline and attached policies and a boundary, and refuses deletion while any is left', async () => {
    await client.send(new CreateUserCommand({ UserName: 'carol', PermissionsBoundary: READ_ONLY }));
    expect((await client.send(new GetUserCommand({ UserName: 'carol' }))).User?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: READ_ONLY,
    });
    await client.send(
      new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'logs', PolicyDocument: READ_LOGS }),
    );
    const inline = await client.send(new GetUserPolicyCommand({ UserName: 'carol', PolicyName: 'LOGS' }));
    expect(inline.UserName).toBe('carol');
    expect(decodeURIComponent(inline.PolicyDocument ?? '')).toBe(READ_LOGS);
    expect((await client.send(new ListUserPoliciesCommand({ UserName: 'carol' }))).PolicyNames).toEqual([
      'logs',
    ]);
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(2000)}/*` },
      ],
    });
    const tooBig = await rejects(
      client.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'big', PolicyDocument: big })),
      LimitExceededException,
    );
    expect(tooBig.message).toBe('Maximum policy size of 2048 bytes exceeded for user carol');

    await client.send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: READ_ONLY }));
    expect(
      (await client.send(new ListAttachedUserPoliciesCommand({ UserName: 'carol' }))).AttachedPolicies,
    ).toEqual([{ PolicyName: 'ReadOnlyAccess', PolicyArn: READ_ONLY }]);
    await rejects(
      client.send(
        new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/none` }),
      ),
      NoSuchEntityException,
    );

    const conflict = await rejects(
      client.send(new DeleteUserCommand({ UserName: 'carol' })),
      DeleteConflictException,
    );
    expect(conflict.message).toBe('Cannot delete entity, must delete policies first.');
    await client.send(new DeleteUserPolicyCommand({ UserName: 'carol', PolicyName: 'logs' }));
    await rejects(client.send(new DeleteUserCommand({ UserName: 'carol' })), DeleteConflictException);
    await client.send(new DetachUserPolicyCommand({ UserName: 'carol', PolicyArn: READ_ONLY }));
    await client.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'carol' }));
    expect(
      (await client.send(new GetUserCommand({ UserName: 'carol' }))).User?.PermissionsBoundary,
    ).toBeUndefined();
    await client.send(
      new PutUserPermissionsBoundaryCommand({ UserName: 'carol', PermissionsBoundary: READ_ONLY }),
    );
    // A boundary does not hold a user back.
    await client.send(new DeleteUserCommand({ UserName: 'carol' }));
  });
});

describe('access keys', () => {
  it('issues at most two keys, shows the secret once, deactivates and deletes', async () => {
    await client.send(new CreateUserCommand({ UserName: 'ci' }));
    const first = await client.send(new CreateAccessKeyCommand({ UserName: 'ci' }));
    expect(first.AccessKey).toMatchObject({ UserName: 'ci', Status: 'Active' });
    expect(first.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(first.AccessKey?.SecretAccessKey).toMatch(/^[A-Za-z0-9/+]{40}$/);
    // Stored sealed: the store holds no clear secret, and the sealed one opens to it.
    const stored = await h.ctx.store.getAccessKey(first.AccessKey!.AccessKeyId!);
    expect(Buffer.from(stored.sealedSecret).toString('latin1')).not.toContain(
      first.AccessKey!.SecretAccessKey!,
    );
    expect(openSecret(stored.sealedSecret, stored.accessKeyId, masterKey)).toBe(
      first.AccessKey?.SecretAccessKey,
    );

    await client.send(new CreateAccessKeyCommand({ UserName: 'ci' }));
    const third = await rejects(
      client.send(new CreateAccessKeyCommand({ UserName: 'ci' })),
      LimitExceededException,
    );
    expect(third.message).toBe('Cannot exceed quota for AccessKeysPerUser: 2');

    const listed = await client.send(new ListAccessKeysCommand({ UserName: 'ci' }));
    expect(listed.AccessKeyMetadata).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain(first.AccessKey!.SecretAccessKey!);
    const id = first.AccessKey!.AccessKeyId!;
    await client.send(new UpdateAccessKeyCommand({ UserName: 'ci', AccessKeyId: id, Status: 'Inactive' }));
    expect((await h.ctx.store.getAccessKey(id)).status).toBe('Inactive');
    // Another user's key, through this user's name, "cannot be found".
    await rejects(
      client.send(new DeleteAccessKeyCommand({ UserName: 'admin', AccessKeyId: id })),
      NoSuchEntityException,
    );
    await expect(
      client.send(new UpdateAccessKeyCommand({ UserName: 'ci', AccessKeyId: id, Status: 'Expired' })),
    ).rejects.toThrow(/Expired/);

    const never = await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }));
    expect(never).toMatchObject({ UserName: 'ci', AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
    await h.ctx.store.recordAccessKeyUse([
      { accessKeyId: id, date: new Date('2026-05-01T12:00:00Z'), serviceName: 's3', region: 'eu-west-1' },
    ]);
    const used = await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }));
    expect(used.AccessKeyLastUsed).toEqual({
      LastUsedDate: new Date('2026-05-01T12:00:00Z'),
      ServiceName: 's3',
      Region: 'eu-west-1',
    });
    await rejects(
      client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: 'AKIANOSUCHKEY0000000' })),
      NoSuchEntityException,
    );

    const conflict = await rejects(
      client.send(new DeleteUserCommand({ UserName: 'ci' })),
      DeleteConflictException,
    );
    expect(conflict.message).toBe('Cannot delete entity, must delete access keys first.');
    for (const k of listed.AccessKeyMetadata ?? []) {
      await client.send(new DeleteAccessKeyCommand({ UserName: 'ci', AccessKeyId: k.AccessKeyId }));
    }
    await client.send(new DeleteUserCommand({ UserName: 'ci' }));
  });

  it('acts on the calling user when no UserName is given', async () => {
    const key = await client.send(new CreateAccessKeyCommand({}));
    expect(key.AccessKey?.UserName).toBe('admin');
    expect(h.ctx.calls.at(-1)).toMatchObject({ action: 'iam:CreateAccessKey', resource: CALLER_ARN });
    const mine = await client.send(new ListAccessKeysCommand({}));
    expect(mine.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([key.AccessKey?.AccessKeyId]);
    await client.send(new DeleteAccessKeyCommand({ AccessKeyId: key.AccessKey!.AccessKeyId! }));
  });
});

describe('groups', () => {
  it('holds members and policies, lists both ways, refuses deletion while used', async () => {
    const created = await client.send(new CreateGroupCommand({ GroupName: 'devs', Path: '/eng/' }));
    expect(created.Group?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:group/eng/devs`);
    expect(created.Group?.GroupId).toMatch(/^AGPA[A-Z0-9]{17}$/);
    await client.send(new CreateUserCommand({ UserName: 'dana' }));
    await client.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'dana' }));
    await client.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'admin' }));
    await rejects(
      client.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'nobody' })),
      NoSuchEntityException,
    );
    const group = await client.send(new GetGroupCommand({ GroupName: 'DEVS', MaxItems: 1 }));
    expect(group.Group?.GroupName).toBe('devs');
    expect(group.Users?.map((u) => u.UserName)).toEqual(['admin']);
    expect(group.IsTruncated).toBe(true);
    const rest = await client.send(new GetGroupCommand({ GroupName: 'devs', Marker: group.Marker }));
    expect(rest.Users?.map((u) => u.UserName)).toEqual(['dana']);
    expect(
      (await client.send(new ListGroupsForUserCommand({ UserName: 'dana' }))).Groups?.map((g) => g.GroupName),
    ).toEqual(['devs']);
    expect((await client.send(new ListGroupsCommand({}))).Groups?.map((g) => g.Arn)).toContain(
      created.Group?.Arn,
    );

    await client.send(
      new PutGroupPolicyCommand({ GroupName: 'devs', PolicyName: 'logs', PolicyDocument: READ_LOGS }),
    );
    const inline = await client.send(new GetGroupPolicyCommand({ GroupName: 'devs', PolicyName: 'logs' }));
    expect(inline.GroupName).toBe('devs');
    expect(decodeURIComponent(inline.PolicyDocument ?? '')).toBe(READ_LOGS);
    expect((await client.send(new ListGroupPoliciesCommand({ GroupName: 'devs' }))).PolicyNames).toEqual([
      'logs',
    ]);
    await client.send(new AttachGroupPolicyCommand({ GroupName: 'devs', PolicyArn: READ_ONLY }));
    expect(
      (await client.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'devs' }))).AttachedPolicies,
    ).toEqual([{ PolicyName: 'ReadOnlyAccess', PolicyArn: READ_ONLY }]);

    await rejects(client.send(new DeleteUserCommand({ UserName: 'dana' })), DeleteConflictException);
    await rejects(client.send(new DeleteGroupCommand({ GroupName: 'devs' })), DeleteConflictException);
    await client.send(new RemoveUserFromGroupCommand({ GroupName: 'devs', UserName: 'dana' }));
    await client.send(new RemoveUserFromGroupCommand({ GroupName: 'devs', UserName: 'admin' }));
    await client.send(new DeleteGroupPolicyCommand({ GroupName: 'devs', PolicyName: 'logs' }));
    await client.send(new DetachGroupPolicyCommand({ GroupName: 'devs', PolicyArn: READ_ONLY }));
    await client.send(new UpdateGroupCommand({ GroupName: 'devs', NewGroupName: 'developers' }));
    await client.send(new DeleteGroupCommand({ GroupName: 'developers' }));
    await client.send(new DeleteUserCommand({ UserName: 'dana' }));
    await rejects(client.send(new GetGroupCommand({ GroupName: 'developers' })), NoSuchEntityException);
  });
});

describe('ListEntitiesForPolicy', () => {
  it('lists the users and groups a policy is attached to or bounds, beside the roles, on one marker', async () => {
    await client.send(new CreateUserCommand({ UserName: 'e-user', PermissionsBoundary: READ_ONLY }));
    await client.send(new CreateUserCommand({ UserName: 'e-attached' }));
    await client.send(new AttachUserPolicyCommand({ UserName: 'e-attached', PolicyArn: READ_ONLY }));
    await client.send(new CreateGroupCommand({ GroupName: 'e-group' }));
    await client.send(new AttachGroupPolicyCommand({ GroupName: 'e-group', PolicyArn: READ_ONLY }));
    const all = await client.send(new ListEntitiesForPolicyCommand({ PolicyArn: READ_ONLY }));
    expect(all.PolicyUsers?.map((u) => u.UserName)).toEqual(['e-attached', 'e-user']);
    expect(all.PolicyUsers?.[0]?.UserId).toMatch(/^AIDA/);
    expect(all.PolicyGroups?.map((g) => g.GroupName)).toEqual(['e-group']);
    const attached = await client.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: READ_ONLY, PolicyUsageFilter: 'PermissionsPolicy' }),
    );
    expect(attached.PolicyUsers?.map((u) => u.UserName)).toEqual(['e-attached']);
    const bounded = await client.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: READ_ONLY, PolicyUsageFilter: 'PermissionsBoundary' }),
    );
    expect(bounded.PolicyUsers?.map((u) => u.UserName)).toEqual(['e-user']);
    expect(bounded.PolicyGroups).toEqual([]);
    const first = await client.send(new ListEntitiesForPolicyCommand({ PolicyArn: READ_ONLY, MaxItems: 2 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.PolicyGroups?.map((g) => g.GroupName)).toEqual(['e-group']);
    const rest = await client.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: READ_ONLY, MaxItems: 2, Marker: first.Marker }),
    );
    expect([...(first.PolicyUsers ?? []), ...(rest.PolicyUsers ?? [])].map((u) => u.UserName)).toEqual([
      'e-attached',
      'e-user',
    ]);
    await client.send(new DetachUserPolicyCommand({ UserName: 'e-attached', PolicyArn: READ_ONLY }));
    await client.send(new DetachGroupPolicyCommand({ GroupName: 'e-group', PolicyArn: READ_ONLY }));
    await client.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'e-user' }));
    for (const name of ['e-user', 'e-attached']) await client.send(new DeleteUserCommand({ UserName: name }));
    await client.send(new DeleteGroupCommand({ GroupName: 'e-group' }));
  });
});

describe('aws CLI', () => {
  const aws = async (...args: string[]) => {
    const { stdout } = await run(
      'aws',
      ['iam', ...args, '--endpoint-url', h.server.url, '--output', 'json'],
      {
        env: h.cliEnv,
      },
    );
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
  };

  it('creates a user, a key, a group membership, and reads them back', async () => {
    const user = (await aws('create-user', '--user-name', 'cli-user')) as { User: { Arn: string } };
    expect(user.User.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/cli-user`);
    const key = (await aws('create-access-key', '--user-name', 'cli-user')) as {
      AccessKey: { AccessKeyId: string; SecretAccessKey: string; Status: string };
    };
    expect(key.AccessKey.Status).toBe('Active');
    expect(key.AccessKey.SecretAccessKey).toHaveLength(40);
    const listed = (await aws('list-access-keys', '--user-name', 'cli-user')) as {
      AccessKeyMetadata: { AccessKeyId: string }[];
    };
    expect(listed.AccessKeyMetadata.map((k) => k.AccessKeyId)).toEqual([key.AccessKey.AccessKeyId]);
    const lastUsed = (await aws(
      'get-access-key-last-used',
      '--access-key-id',
      key.AccessKey.AccessKeyId,
    )) as {
      AccessKeyLastUsed: { ServiceName: string };
    };
    expect(lastUsed.AccessKeyLastUsed.ServiceName).toBe('N/A');
    await aws('create-group', '--group-name', 'cli-group');
    await aws('add-user-to-group', '--group-name', 'cli-group', '--user-name', 'cli-user');
    const groups = (await aws('list-groups-for-user', '--user-name', 'cli-user')) as {
      Groups: { GroupName: string }[];
    };
    expect(groups.Groups.map((g) => g.GroupName)).toEqual(['cli-group']);
    const users = (await aws('get-group', '--group-name', 'cli-group')) as { Users: { UserName: string }[] };
    expect(users.Users.map((u) => u.UserName)).toEqual(['cli-user']);
  }, 60_000);
});
