/**
 * GetAccountAuthorizationDetails: every user, group, role and managed policy of the account with
 * what is attached to or embedded in it, in one answer (botocore `iam` model:
 * `UserDetail`, `GroupDetail`, `RoleDetail`, `ManagedPolicyDetail`).
 *
 * Paging runs over the whole answer, as IAM's does: one `Marker` across the concatenated lists
 * (users, then groups, roles, customer managed policies, AWS managed policies), so a page may end
 * in the middle of any list. Policy documents are URL-encoded as everywhere in IAM's API (botocore
 * decodes every `policyDocumentType` member; the JS SDK leaves them encoded, as on AWS).
 *
 * AWS managed policies are listed only when some user, group or role of the account attaches one
 * or uses it as a permissions boundary. IAM's reference does not say which ones the
 * `AWSManagedPolicy` filter returns; IAM's answers hold the ones in use in the account, not the
 * whole catalog, and the catalog's others grant nothing here. Their `PolicyVersionList` holds the
 * default version only (what the catalog keeps in memory); customer managed policies list every
 * version with its document.
 */
import type { OperationContext } from '../control/operation.js';
import { findAwsManagedPolicy, listAwsManagedPolicies } from '../catalog/aws-managed-policies.js';
import type {
  AttachedPolicy,
  EmbeddedPolicy,
  Group,
  ManagedPolicy,
  PolicyVersion,
  Role,
  User,
} from '../iam/types.js';
import type { XmlNode } from '../protocol/xml.js';
import { awsPolicyView, entityPolicyUsage, everything } from './aws-policies.js';
import type { IamOperation } from './operation.js';
import { pageOf } from './paging.js';
import { IamParams } from './params.js';
import { encodePolicyDocument, instanceProfileXml, isoDate, policyVersionXml, tagsXml } from './serialize.js';

export const ENTITY_TYPES = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;
type EntityType = (typeof ENTITY_TYPES)[number];

/** One entry of the concatenated answer; the key's first digit orders the lists. */
type Entry =
  | { key: string; kind: 'user'; user: User }
  | { key: string; kind: 'group'; group: Group }
  | { key: string; kind: 'role'; role: Role }
  | { key: string; kind: 'policy'; policy: ManagedPolicy; aws: boolean };

function embeddedXml(policies: readonly EmbeddedPolicy[]): XmlNode[] {
  return policies.map((p) => ({
    PolicyName: p.policyName,
    PolicyDocument: encodePolicyDocument(p.document),
  }));
}

function attachedXml(policies: readonly AttachedPolicy[]): XmlNode[] {
  return policies.map((p) => ({ PolicyName: p.policyName, PolicyArn: p.policyArn }));
}

function boundaryXml(arn: string | undefined): XmlNode | undefined {
  return arn === undefined
    ? undefined
    : { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: arn };
}

async function userDetail(ctx: OperationContext, user: User): Promise<XmlNode> {
  const { accountId, store } = ctx;
  const name = user.userName;
  const inline = await everything((o) => store.listUserPolicies(accountId, name, o));
  const groups = await everything((o) => store.listGroupsForUser(accountId, name, o));
  const attached = await everything((o) => store.listAttachedUserPolicies(accountId, name, o));
  return {
    Path: user.path,
    UserName: name,
    UserId: user.userId,
    Arn: user.arn,
    CreateDate: isoDate(user.createDate),
    UserPolicyList: embeddedXml(inline),
    GroupList: groups.map((g) => g.groupName),
    AttachedManagedPolicies: attachedXml(attached),
    PermissionsBoundary: boundaryXml(user.permissionsBoundaryArn),
    Tags: user.tags.length === 0 ? undefined : tagsXml(user.tags),
  };
}

async function groupDetail(ctx: OperationContext, group: Group): Promise<XmlNode> {
  const { accountId, store } = ctx;
  const name = group.groupName;
  const inline = await everything((o) => store.listGroupPolicies(accountId, name, o));
  const attached = await everything((o) => store.listAttachedGroupPolicies(accountId, name, o));
  return {
    Path: group.path,
    GroupName: name,
    GroupId: group.groupId,
    Arn: group.arn,
    CreateDate: isoDate(group.createDate),
    GroupPolicyList: embeddedXml(inline),
    AttachedManagedPolicies: attachedXml(attached),
  };
}

async function roleDetail(ctx: OperationContext, role: Role): Promise<XmlNode> {
  const { accountId, store } = ctx;
  const name = role.roleName;
  const profiles = await everything((o) => store.listInstanceProfilesForRole(accountId, name, o));
  const inline = await everything((o) => store.listRolePolicies(accountId, name, o));
  const attached = await everything((o) => store.listAttachedRolePolicies(accountId, name, o));
  return {
    Path: role.path,
    RoleName: name,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: isoDate(role.createDate),
    AssumeRolePolicyDocument: encodePolicyDocument(role.assumeRolePolicyDocument),
    InstanceProfileList: profiles.map((p) => instanceProfileXml(p)),
    RolePolicyList: embeddedXml(inline),
    AttachedManagedPolicies: attachedXml(attached),
    PermissionsBoundary: boundaryXml(role.permissionsBoundaryArn),
    Tags: role.tags.length === 0 ? undefined : tagsXml(role.tags),
    // credplane does not record role use by region; IAM answers an empty element then too.
    RoleLastUsed: {},
  };
}

async function policyDetail(ctx: OperationContext, policy: ManagedPolicy, aws: boolean): Promise<XmlNode> {
  const versions: Pick<PolicyVersion, 'versionId' | 'isDefaultVersion' | 'createDate' | 'document'>[] = aws
    ? []
    : await ctx.store.listPolicyVersions(policy.arn);
  if (aws) {
    const catalog = findAwsManagedPolicy(policy.arn);
    const version = catalog?.versions.find((v) => v.isDefaultVersion);
    if (catalog !== undefined && version !== undefined)
      versions.push({ ...version, document: catalog.document });
  }
  return {
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: policy.attachmentCount,
    PermissionsBoundaryUsageCount: policy.permissionsBoundaryUsageCount,
    IsAttachable: policy.isAttachable,
    Description: policy.description,
    CreateDate: isoDate(policy.createDate),
    UpdateDate: isoDate(policy.updateDate),
    PolicyVersionList: versions.map((v) => policyVersionXml(v, true)),
  };
}

/** The account's entities the filter asks for, in answer order, keyed for one marker over all. */
async function entries(ctx: OperationContext, wanted: ReadonlySet<EntityType>): Promise<Entry[]> {
  const { accountId, store } = ctx;
  const aws = wanted.has('AWSManagedPolicy');
  const needUsers = wanted.has('User') || aws;
  const needGroups = wanted.has('Group') || aws;
  const needRoles = wanted.has('Role') || aws;
  const users = needUsers ? await everything((o) => store.listUsers(accountId, o)) : [];
  const groups = needGroups ? await everything((o) => store.listGroups(accountId, o)) : [];
  const roles = needRoles ? await everything((o) => store.listRoles(accountId, o)) : [];
  const list: Entry[] = [];
  if (wanted.has('User'))
    list.push(...users.map((user) => ({ key: `1${user.userName}`, kind: 'user' as const, user })));
  if (wanted.has('Group'))
    list.push(...groups.map((group) => ({ key: `2${group.groupName}`, kind: 'group' as const, group })));
  if (wanted.has('Role'))
    list.push(...roles.map((role) => ({ key: `3${role.roleName}`, kind: 'role' as const, role })));
  if (wanted.has('LocalManagedPolicy')) {
    const local = await everything((o) => store.listPolicies(accountId, o));
    list.push(
      ...local.map((policy) => ({ key: `4${policy.arn}`, kind: 'policy' as const, policy, aws: false })),
    );
  }
  if (aws) {
    const usage = await entityPolicyUsage(ctx, users, groups, roles);
    for (const p of listAwsManagedPolicies({ partition: ctx.partition })) {
      const policy = awsPolicyView(p, usage);
      if (policy.attachmentCount > 0 || policy.permissionsBoundaryUsageCount > 0) {
        list.push({ key: `5${policy.arn}`, kind: 'policy', policy, aws: true });
      }
    }
  }
  // Sorted by key so that "after the marker's key" is the rest of the answer (`pageOf`).
  return list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const getAccountAuthorizationDetails: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const filter = input.list('Filter', 'filter', (value, field) =>
    typeof value === 'string' && (ENTITY_TYPES as readonly string[]).includes(value)
      ? []
      : [{ field, value, constraint: `satisfy enum value set: [${ENTITY_TYPES.join(', ')}]` }],
  ) as EntityType[];
  const paging = input.paging();
  input.done();
  // IAM's service authorization reference: no resource type, so `*`.
  ctx.authorize('iam:GetAccountAuthorizationDetails', '*');

  const wanted = new Set<EntityType>(filter.length === 0 ? ENTITY_TYPES : filter);
  const page = pageOf(await entries(ctx, wanted), paging, (e) => e.key);
  const users: XmlNode[] = [];
  const groups: XmlNode[] = [];
  const roles: XmlNode[] = [];
  const policies: XmlNode[] = [];
  for (const entry of page.items) {
    if (entry.kind === 'user') users.push(await userDetail(ctx, entry.user));
    else if (entry.kind === 'group') groups.push(await groupDetail(ctx, entry.group));
    else if (entry.kind === 'role') roles.push(await roleDetail(ctx, entry.role));
    else policies.push(await policyDetail(ctx, entry.policy, entry.aws));
  }
  return {
    UserDetailList: users,
    GroupDetailList: groups,
    RoleDetailList: roles,
    Policies: policies,
    IsTruncated: page.isTruncated,
    Marker: page.isTruncated ? page.marker : undefined,
  };
};

export const authorizationDetailsOperations: Record<string, IamOperation> = {
  GetAccountAuthorizationDetails: getAccountAuthorizationDetails,
};
