/**
 * Inline role policies: PutRolePolicy, GetRolePolicy, ListRolePolicies, DeleteRolePolicy.
 *
 * IAM's quota for inline policies is per role: all of a role's inline policies together may hold
 * 10,240 characters (whitespace not counted).
 */
import type { OperationContext } from '../control/operation.js';
import type { InlinePolicy } from '../iam/types.js';
import { checkInlineSize, documentSize, parseForUse } from './documents.js';
import type { IamOperation } from './operation.js';
import { IamParams } from './params.js';
import { authorizeOnRole, refuseServiceLinkedRole } from './resources.js';
import { encodePolicyDocument, pageXml } from './serialize.js';

async function allInlinePolicies(ctx: OperationContext, roleName: string): Promise<InlinePolicy[]> {
  const out: InlinePolicy[] = [];
  let marker: string | undefined;
  do {
    const page = await ctx.store.listRolePolicies(ctx.accountId, roleName, {
      maxItems: 1000,
      ...(marker === undefined ? {} : { marker }),
    });
    out.push(...page.items);
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return out;
}

const putRolePolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const policyName = input.policyName();
  const document = input.policyDocument();
  input.done();
  const role = await authorizeOnRole(ctx, 'iam:PutRolePolicy', roleName);
  refuseServiceLinkedRole(role);
  const parsed = parseForUse(document, 'role-inline');
  const others = (await allInlinePolicies(ctx, role.roleName)).filter(
    (p) => p.policyName.toLowerCase() !== policyName.toLowerCase(),
  );
  checkInlineSize(
    others.reduce((sum, p) => sum + documentSize(p.document), parsed.size),
    role.roleName,
  );
  await ctx.store.putRolePolicy(ctx.accountId, roleName, policyName, document);
  return undefined;
};

const getRolePolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const policyName = input.policyName();
  input.done();
  await authorizeOnRole(ctx, 'iam:GetRolePolicy', roleName);
  const policy = await ctx.store.getRolePolicy(ctx.accountId, roleName, policyName);
  return {
    RoleName: policy.roleName,
    PolicyName: policy.policyName,
    PolicyDocument: encodePolicyDocument(policy.document),
  };
};

const listRolePolicies: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const paging = input.paging();
  input.done();
  await authorizeOnRole(ctx, 'iam:ListRolePolicies', roleName);
  const page = await ctx.store.listRolePolicies(ctx.accountId, roleName, paging);
  return pageXml('PolicyNames', page, (p) => p.policyName);
};

const deleteRolePolicy: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  const policyName = input.policyName();
  input.done();
  refuseServiceLinkedRole(await authorizeOnRole(ctx, 'iam:DeleteRolePolicy', roleName));
  await ctx.store.deleteRolePolicy(ctx.accountId, roleName, policyName);
  return undefined;
};

export const rolePolicyOperations: Record<string, IamOperation> = {
  PutRolePolicy: putRolePolicy,
  GetRolePolicy: getRolePolicy,
  ListRolePolicies: listRolePolicies,
  DeleteRolePolicy: deleteRolePolicy,
};
