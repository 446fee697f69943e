/**
 * IAM's XML member shapes (botocore `iam` model: `Role`, `Policy`, `PolicyVersion`,
 * `InstanceProfile`, `Tag`, ...) built from the model's domain types, for `toXml`.
 *
 * Which members each operation returns follows IAM: list operations leave out members IAM's docs
 * say they do not return (`ListRoles` has no `Tags`, `PermissionsBoundary` or `RoleLastUsed`;
 * `ListPolicies` no `Description` or `Tags`), and policy documents are URL-encoded.
 */
import type { InstanceProfile, ManagedPolicy, PolicyVersion, Role, Tag } from '../iam/types.js';
import type { XmlNode } from '../protocol/xml.js';
import type { Page } from '../store/store.js';

/** IAM's XML namespace. */
export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const IAM_VERSION = '2010-05-08';

/**
 * ISO 8601 in UTC to the second, as IAM writes timestamps.
 *
 * @example
 * isoDate(new Date(0)); // '1970-01-01T00:00:00Z'
 */
export function isoDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A policy document as IAM returns it: URL-encoded as UTF-8 with `%20` for spaces (never `+`,
 * which botocore's `unquote` would not turn back into a space), as `encodeURIComponent` does.
 *
 * @example
 * encodePolicyDocument('{"Version": "2012-10-17"}'); // '%7B%22Version%22%3A%20%222012-10-17%22%7D'
 */
export function encodePolicyDocument(text: string): string {
  return encodeURIComponent(text);
}

export function tagsXml(tags: readonly Tag[]): XmlNode[] {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}

/** `Tags` only when there are some, as IAM omits an empty tag list. */
function optionalTags(tags: readonly Tag[]): XmlNode[] | undefined {
  return tags.length === 0 ? undefined : tagsXml(tags);
}

/** `full`: GetRole, CreateRole, UpdateRoleDescription. `list`: ListRoles. `profile`: a role inside an instance profile. */
export type RoleView = 'full' | 'list' | 'profile';

export function roleXml(role: Role, view: RoleView = 'full'): XmlNode {
  const base: Record<string, XmlNode[keyof XmlNode]> = {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: isoDate(role.createDate),
    AssumeRolePolicyDocument: encodePolicyDocument(role.assumeRolePolicyDocument),
  };
  if (view === 'profile') return base;
  base.Description = role.description;
  base.MaxSessionDuration = role.maxSessionDuration;
  if (view === 'list') return base;
  if (role.permissionsBoundaryArn !== undefined) {
    base.PermissionsBoundary = {
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: role.permissionsBoundaryArn,
    };
  }
  base.Tags = optionalTags(role.tags);
  base.RoleLastUsed = {};
  return base;
}

/** A managed policy (customer or AWS) as `GetPolicy`/`CreatePolicy` (`full`) or `ListPolicies` (`list`) return it. */
export function policyXml(policy: ManagedPolicy, view: 'full' | 'list' = 'full'): XmlNode {
  return {
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: policy.attachmentCount,
    PermissionsBoundaryUsageCount: policy.permissionsBoundaryUsageCount,
    IsAttachable: policy.isAttachable,
    Description: view === 'full' ? policy.description : undefined,
    CreateDate: isoDate(policy.createDate),
    UpdateDate: isoDate(policy.updateDate),
    Tags: view === 'full' ? optionalTags(policy.tags) : undefined,
  };
}

/** `withDocument` for `GetPolicyVersion`; `CreatePolicyVersion` and `ListPolicyVersions` leave it out. */
export function policyVersionXml(
  version: Pick<PolicyVersion, 'versionId' | 'isDefaultVersion' | 'createDate'> & { document?: string },
  withDocument: boolean,
): XmlNode {
  return {
    Document:
      withDocument && version.document !== undefined ? encodePolicyDocument(version.document) : undefined,
    VersionId: version.versionId,
    IsDefaultVersion: version.isDefaultVersion,
    CreateDate: isoDate(version.createDate),
  };
}

export function instanceProfileXml(profile: InstanceProfile, view: 'full' | 'list' = 'full'): XmlNode {
  return {
    Path: profile.path,
    InstanceProfileName: profile.instanceProfileName,
    InstanceProfileId: profile.instanceProfileId,
    Arn: profile.arn,
    CreateDate: isoDate(profile.createDate),
    Roles: profile.roles.map((r) => roleXml(r, 'profile')),
    Tags: view === 'full' ? optionalTags(profile.tags) : undefined,
  };
}

/** `IsTruncated` and, when truncated, `Marker`, after a page's list member. */
export function pageXml<T>(listName: string, page: Page<T>, member: (item: T) => XmlNode | string): XmlNode {
  return {
    [listName]: page.items.map(member),
    IsTruncated: page.isTruncated,
    Marker: page.isTruncated ? page.marker : undefined,
  };
}
