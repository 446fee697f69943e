/**
 * Inline and managed policies of users and groups: Put/Get/List/DeleteUserPolicy,
 * Attach/Detach/ListAttachedUserPolicies and their Group twins. The two kinds differ only in the
 * store methods, the action names and IAM's inline quota (2,048 characters for all of a user's
 * inline policies together, 5,120 for a group's, whitespace not counted).
 */
import type { OperationContext } from '../control/operation.js';
import { parsePolicyArn } from '../iam/arn.js';
import { LimitExceededError } from '../iam/errors.js';
import { IAM_QUOTAS } from '../iam/quotas.js';
import type { AttachedPolicy, EmbeddedPolicy } from '../iam/types.js';
import type { ListOptions, Page } from '../store/store.js';
import { documentSize, parseForUse } from './documents.js';
import type { IamOperation } from './operation.js';
import { PrincipalParams, authorizeOnGroup, authorizeOnUser } from './principals.js';
import { policyTarget } from './resources.js';
import { encodePolicyDocument, pageXml } from './serialize.js';

interface Kind {
  /** `User` or `Group`: the action names' middle part and the parameter's prefix. */
  noun: 'User' | 'Group';
  name: (input: PrincipalParams) => string;
  authorize: (
    ctx: OperationContext,
    action: string,
    name: string,
    extra?: Record<string, string>,
  ) => Promise<{ name: string }>;
  inlineQuota: number;
  put: (ctx: OperationContext, name: string, policyName: string, document: string) => Promise<void>;
  get: (ctx: OperationContext, name: string, policyName: string) => Promise<EmbeddedPolicy>;
  list: (ctx: OperationContext, name: string, options: ListOptions) => Promise<Page<EmbeddedPolicy>>;
  remove: (ctx: OperationContext, name: string, policyName: string) => Promise<void>;
  attach: (ctx: OperationContext, name: string, arn: string) => Promise<void>;
  detach: (ctx: OperationContext, name: string, arn: string) => Promise<void>;
  attached: (ctx: OperationContext, name: string, options: ListOptions) => Promise<Page<AttachedPolicy>>;
}

const USER: Kind = {
  noun: 'User',
  name: (input) => input.userName(),
  authorize: async (ctx, action, name, extra) => ({
    name: (await authorizeOnUser(ctx, action, name, extra)).userName,
  }),
  inlineQuota: IAM_QUOTAS.userInlinePolicySize,
  put: (ctx, n, p, d) => ctx.store.putUserPolicy(ctx.accountId, n, p, d),
  get: (ctx, n, p) => ctx.store.getUserPolicy(ctx.accountId, n, p),
  list: (ctx, n, o) => ctx.store.listUserPolicies(ctx.accountId, n, o),
  remove: (ctx, n, p) => ctx.store.deleteUserPolicy(ctx.accountId, n, p),
  attach: (ctx, n, a) => ctx.store.attachUserPolicy(ctx.accountId, n, a),
  detach: (ctx, n, a) => ctx.store.detachUserPolicy(ctx.accountId, n, a),
  attached: (ctx, n, o) => ctx.store.listAttachedUserPolicies(ctx.accountId, n, o),
};

const GROUP: Kind = {
  noun: 'Group',
  name: (input) => input.groupName(),
  authorize: async (ctx, action, name) => ({ name: (await authorizeOnGroup(ctx, action, name)).groupName }),
  inlineQuota: IAM_QUOTAS.groupInlinePolicySize,
  put: (ctx, n, p, d) => ctx.store.putGroupPolicy(ctx.accountId, n, p, d),
  get: (ctx, n, p) => ctx.store.getGroupPolicy(ctx.accountId, n, p),
  list: (ctx, n, o) => ctx.store.listGroupPolicies(ctx.accountId, n, o),
  remove: (ctx, n, p) => ctx.store.deleteGroupPolicy(ctx.accountId, n, p),
  attach: (ctx, n, a) => ctx.store.attachGroupPolicy(ctx.accountId, n, a),
  detach: (ctx, n, a) => ctx.store.detachGroupPolicy(ctx.accountId, n, a),
  attached: (ctx, n, o) => ctx.store.listAttachedGroupPolicies(ctx.accountId, n, o),
};

async function allInline(ctx: OperationContext, kind: Kind, name: string): Promise<EmbeddedPolicy[]> {
  const out: EmbeddedPolicy[] = [];
  let marker: string | undefined;
  do {
    const page = await kind.list(ctx, name, { maxItems: 1000, ...(marker === undefined ? {} : { marker }) });
    out.push(...page.items);
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return out;
}

function operations(kind: Kind): Record<string, IamOperation> {
  const noun = kind.noun;
  const field = `${noun}Name`;
  return {
    [`Put${noun}Policy`]: async (ctx, params) => {
      const input = new PrincipalParams(params);
      const name = kind.name(input);
      const policyName = input.policyName();
      const document = input.policyDocument();
      input.done();
      const owner = await kind.authorize(ctx, `iam:Put${noun}Policy`, name);
      // Checked as an identity policy (IAM's grammar); the quota is the owner's, below.
      parseForUse(document, 'role-inline');
      const others = (await allInline(ctx, kind, owner.name)).filter(
        (p) => p.policyName.toLowerCase() !== policyName.toLowerCase(),
      );
      const total = others.reduce((sum, p) => sum + documentSize(p.document), documentSize(document));
      if (total > kind.inlineQuota) {
        throw new LimitExceededError(
          `Maximum policy size of ${kind.inlineQuota} bytes exceeded for ${noun.toLowerCase()} ${owner.name}`,
        );
      }
      await kind.put(ctx, name, policyName, document);
      return undefined;
    },
    [`Get${noun}Policy`]: async (ctx, params) => {
      const input = new PrincipalParams(params);
      const name = kind.name(input);
      const policyName = input.policyName();
      input.done();
      const owner = await kind.authorize(ctx, `iam:Get${noun}Policy`, name);
      const policy = await kind.get(ctx, name, policyName);
      return {
        [field]: owner.name,
        PolicyName: policy.policyName,
        PolicyDocument: encodePolicyDocument(policy.document),
      };
    },
    [`List${noun}Policies`]: async (ctx, params) => {
      const input = new PrincipalParams(params);
      const name = kind.name(input);
      const paging = input.paging();
      input.done();
      await kind.authorize(ctx, `iam:List${noun}Policies`, name);
      const page = await kind.list(ctx, name, paging);
      return pageXml('PolicyNames', page, (p) => p.policyName);
    },
    [`Delete${noun}Policy`]: async (ctx, params) => {
      const input = new PrincipalParams(params);
      const name = kind.name(input);
      const policyName = input.policyName();
      input.done();
      await kind.authorize(ctx, `iam:Delete${noun}Policy`, name);
      await kind.remove(ctx, name, policyName);
      return undefined;
    },
    [`Attach${noun}Policy`]: async (ctx, params) => {
      const input = new PrincipalParams(params);
      const name = noun === 'User' ? input.newUserName() : kind.name(input);
      const arn = input.arn('PolicyArn', 'policyArn');
      input.done();
      await kind.authorize(ctx, `iam:Attach${noun}Policy`, name, { 'iam:PolicyARN': arn });
      // AWS managed policies are checked against the catalog here; the store checks customer ones.
      policyTarget(ctx, arn);
      await kind.attach(ctx, name, arn);
      return undefined;
    },
    [`Detach${noun}Policy`]: async (ctx, params) => {
      const input = new PrincipalParams(params);
      const name = noun === 'User' ? input.newUserName() : kind.name(input);
      const arn = input.arn('PolicyArn', 'policyArn');
      input.done();
      await kind.authorize(ctx, `iam:Detach${noun}Policy`, name, { 'iam:PolicyARN': arn });
      await kind.detach(ctx, name, arn);
      return undefined;
    },
    [`ListAttached${noun}Policies`]: async (ctx, params) => {
      const input = new PrincipalParams(params);
      const name = noun === 'User' ? input.newUserName() : kind.name(input);
      const pathPrefix = input.policyPath('PathPrefix', 'pathPrefix');
      const paging = input.paging();
      input.done();
      await kind.authorize(ctx, `iam:ListAttached${noun}Policies`, name);
      const page = await kind.attached(ctx, name, paging);
      const items =
        pathPrefix === undefined
          ? page.items
          : page.items.filter((p) => parsePolicyArn(p.policyArn).path.startsWith(pathPrefix));
      return pageXml('AttachedPolicies', { ...page, items }, (p) => ({
        PolicyName: p.policyName,
        PolicyArn: p.policyArn,
      }));
    },
  };
}

export const userPolicyOperations: Record<string, IamOperation> = operations(USER);
export const groupPolicyOperations: Record<string, IamOperation> = operations(GROUP);
