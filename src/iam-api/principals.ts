/**
 * Users and groups as IAM operations name them: their ARNs (the resource every user or group
 * action is authorized on), lookups that authorize before they tell whether the entity exists,
 * the user a key operation without `UserName` acts on (the caller's own, as IAM does), and the
 * parameter shapes of the botocore model (`userNameType` 1..64, `existingUserNameType` and
 * `groupNameType` 1..128, `accessKeyIdType` 16..128 of `[\w]`).
 */
import type { ExtraContext, OperationContext } from '../control/operation.js';
import { userArn } from '../iam/arn.js';
import { NoSuchEntityError } from '../iam/errors.js';
import { PATTERNS } from '../iam/names.js';
import type { Group, User } from '../iam/types.js';
import { ValidationError } from '../errors.js';
import { IamParams } from './params.js';

const NAME = { re: /^[\w+=,.@-]+$/, pattern: PATTERNS.name };
export const USER_NAME = { min: 1, max: 64, ...NAME };
export const EXISTING_USER_NAME = { min: 1, max: 128, ...NAME };
export const GROUP_NAME = { min: 1, max: 128, ...NAME };
export const ACCESS_KEY_ID = { min: 16, max: 128, re: /^\w+$/, pattern: '[\\w]+' };

/** `IamParams` with the user, group and access key parameters. */
export class PrincipalParams extends IamParams {
  /** A new user's name (`CreateUser`, `NewUserName`): at most 64 characters. */
  newUserName(name = 'UserName'): string {
    return this.text(name, name === 'UserName' ? 'userName' : 'newUserName', USER_NAME);
  }

  /** An existing user's name: at most 128 characters. */
  userName(name = 'UserName'): string {
    return this.text(name, 'userName', EXISTING_USER_NAME);
  }

  optionalUserName(name = 'UserName'): string | undefined {
    return this.params.get(name) === undefined ? undefined : this.userName(name);
  }

  groupName(name = 'GroupName', field = 'groupName'): string {
    return this.text(name, field, GROUP_NAME);
  }

  accessKeyId(): string {
    return this.text('AccessKeyId', 'accessKeyId', ACCESS_KEY_ID);
  }
}

export function userResource(ctx: OperationContext, userName: string, path = '/'): string {
  return userArn({ partition: ctx.partition, accountId: ctx.accountId, path, userName });
}

export function groupResource(ctx: OperationContext, groupName: string, path = '/'): string {
  return `arn:${ctx.partition}:iam::${ctx.accountId}:group${path}${groupName}`;
}

export function noSuchUser(userName: string): NoSuchEntityError {
  return new NoSuchEntityError(`The user with name ${userName} cannot be found.`);
}

/**
 * Looks the user up and authorizes `action` on it (on the ARN it would have when it does not
 * exist, so a caller without access learns nothing). Resolves the user, or throws `NoSuchEntity`
 * after a successful authorization.
 */
export async function authorizeOnUser(
  ctx: OperationContext,
  action: string,
  userName: string,
  extra: ExtraContext = {},
): Promise<User> {
  const user = await ctx.store.findUser(ctx.accountId, userName);
  ctx.authorize(action, user?.arn ?? userResource(ctx, userName), {
    'iam:PermissionsBoundary': user?.permissionsBoundaryArn,
    ...extra,
  });
  if (user === undefined) throw noSuchUser(userName);
  return user;
}

export async function authorizeOnGroup(
  ctx: OperationContext,
  action: string,
  groupName: string,
): Promise<Group> {
  const group = await ctx.store.getGroup(ctx.accountId, groupName).catch((error: unknown) => {
    if (error instanceof NoSuchEntityError) return undefined;
    throw error;
  });
  ctx.authorize(action, group?.arn ?? groupResource(ctx, groupName));
  if (group === undefined) throw new NoSuchEntityError(`The group with name ${groupName} cannot be found.`);
  return group;
}

/**
 * The user an operation with an optional `UserName` acts on: the named one, else the caller's own
 * user (IAM: "IAM determines the user name implicitly based on the access key ID used to sign the
 * request"). A caller that is not a user (a role session) must name one; IAM answers it with this
 * `ValidationError`.
 */
export function targetUser(ctx: OperationContext, named: string | undefined): string {
  if (named !== undefined) return named;
  if (ctx.caller.kind === 'User' && ctx.caller.userName !== undefined) return ctx.caller.userName;
  throw new ValidationError('Must specify userName when calling with non-User credentials');
}
