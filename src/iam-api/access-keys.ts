/**
 * Users' access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
 * GetAccessKeyLastUsed. Without `UserName` they act on the calling user (a role session must name
 * one). The secret is in CreateAccessKey's answer only; the store keeps it sealed under the master
 * key. A key named with the wrong user, or of another account, is "cannot be found", as in IAM.
 */
import type { OperationContext } from '../control/operation.js';
import { generateLongTermAccessKey } from '../crypto/index.js';
import { AwsError } from '../errors.js';
import { InvalidInputError, NoSuchEntityError } from '../iam/errors.js';
import type { AccessKey, AccessKeyStatus } from '../iam/types.js';
import type { IamOperation } from './operation.js';
import { pageOf } from './paging.js';
import { PrincipalParams, authorizeOnUser, targetUser } from './principals.js';
import { accessKeyMetadataXml } from './principal-xml.js';
import { isoDate, pageXml } from './serialize.js';

function noSuchKey(accessKeyId: string): NoSuchEntityError {
  return new NoSuchEntityError(`The Access Key with id ${accessKeyId} cannot be found.`);
}

/** The key, when it belongs to `userName` of this account (names compare without case). */
async function keyOf(ctx: OperationContext, accessKeyId: string, userName: string): Promise<AccessKey> {
  const key = await ctx.store.findAccessKey(accessKeyId);
  if (
    key === undefined ||
    key.accountId !== ctx.accountId ||
    key.userName.toLowerCase() !== userName.toLowerCase()
  ) {
    throw noSuchKey(accessKeyId);
  }
  return key;
}

const createAccessKey: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const named = input.optionalUserName();
  input.done();
  const user = await authorizeOnUser(ctx, 'iam:CreateAccessKey', targetUser(ctx, named));
  const seal = ctx.accessKeys?.seal;
  if (seal === undefined) {
    throw new AwsError('ServiceFailure', 'This server cannot issue access keys (no master key).', {
      status: 500,
    });
  }
  const generated = generateLongTermAccessKey();
  const key = await ctx.store.createAccessKey({
    accessKeyId: generated.accessKeyId,
    accountId: ctx.accountId,
    userName: user.userName,
    sealedSecret: seal(generated.secretAccessKey, generated.accessKeyId),
  });
  return {
    AccessKey: {
      UserName: key.userName,
      AccessKeyId: key.accessKeyId,
      Status: key.status,
      SecretAccessKey: generated.secretAccessKey,
      CreateDate: isoDate(key.createDate),
    },
  };
};

const listAccessKeys: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const named = input.optionalUserName();
  const paging = input.paging();
  input.done();
  const user = await authorizeOnUser(ctx, 'iam:ListAccessKeys', targetUser(ctx, named));
  const keys = await ctx.store.listAccessKeys(ctx.accountId, user.userName);
  // The store's order (creation to the millisecond, then id): a second-rounded date would sort two
  // keys of one second by id and a later page would skip one.
  const page = pageOf(keys, paging, (k) => `${k.createDate.toISOString()}/${k.accessKeyId}`);
  return pageXml('AccessKeyMetadata', page, accessKeyMetadataXml);
};

const updateAccessKey: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const named = input.optionalUserName();
  const accessKeyId = input.accessKeyId();
  const status = input.enumeration<AccessKeyStatus | 'Expired'>('Status', 'status', [
    'Active',
    'Inactive',
    'Expired',
  ]);
  input.requireSent('Status', 'status');
  input.done();
  // botocore's `statusType` lists `Expired`, which only IAM itself sets; the API reference lists
  // `Active` and `Inactive` for this call.
  if (status === 'Expired') throw new InvalidInputError('Status Expired cannot be set.');
  const user = await authorizeOnUser(ctx, 'iam:UpdateAccessKey', targetUser(ctx, named));
  await keyOf(ctx, accessKeyId, user.userName);
  await ctx.store.updateAccessKeyStatus(accessKeyId, status as AccessKeyStatus);
  return undefined;
};

const deleteAccessKey: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const named = input.optionalUserName();
  const accessKeyId = input.accessKeyId();
  input.done();
  const user = await authorizeOnUser(ctx, 'iam:DeleteAccessKey', targetUser(ctx, named));
  await keyOf(ctx, accessKeyId, user.userName);
  await ctx.store.deleteAccessKey(accessKeyId);
  return undefined;
};

/**
 * `ServiceName` and `Region` are required members: `N/A` while the key was never used, as IAM
 * answers (API reference, AccessKeyLastUsed). Authorized on the key's user; a key this account
 * does not have is authorized against the account's users, then "cannot be found".
 */
const getAccessKeyLastUsed: IamOperation = async (ctx, params) => {
  const input = new PrincipalParams(params);
  const accessKeyId = input.accessKeyId();
  input.done();
  const key = await ctx.store.findAccessKey(accessKeyId);
  const owned = key !== undefined && key.accountId === ctx.accountId ? key : undefined;
  if (owned === undefined) {
    ctx.authorize('iam:GetAccessKeyLastUsed', `arn:${ctx.partition}:iam::${ctx.accountId}:user/*`);
    throw noSuchKey(accessKeyId);
  }
  const user = await authorizeOnUser(ctx, 'iam:GetAccessKeyLastUsed', owned.userName);
  const pending = ctx.accessKeys?.pendingUse?.(accessKeyId);
  const stored = owned.lastUsed;
  const used =
    pending !== undefined && (stored === undefined || pending.date > stored.date) ? pending : stored;
  return {
    UserName: user.userName,
    AccessKeyLastUsed:
      used === undefined
        ? { ServiceName: 'N/A', Region: 'N/A' }
        : { LastUsedDate: isoDate(used.date), ServiceName: used.serviceName, Region: used.region },
  };
};

export const accessKeyOperations: Record<string, IamOperation> = {
  CreateAccessKey: createAccessKey,
  ListAccessKeys: listAccessKeys,
  UpdateAccessKey: updateAccessKey,
  DeleteAccessKey: deleteAccessKey,
  GetAccessKeyLastUsed: getAccessKeyLastUsed,
};
