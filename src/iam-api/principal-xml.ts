/**
 * IAM's `User`, `Group` and `AccessKeyMetadata` members (botocore `iam` model). `ListUsers` and
 * the user lists of `GetGroup` leave out `PermissionsBoundary` and `Tags`, as IAM's docs say its
 * listing operations do; `GetUser` and `CreateUser` carry them.
 */
import type { AccessKey, Group, User } from '../iam/types.js';
import type { XmlNode } from '../protocol/xml.js';
import { isoDate, tagsXml } from './serialize.js';

export function userXml(user: User, view: 'full' | 'list' = 'full'): XmlNode {
  const node: Record<string, XmlNode[keyof XmlNode]> = {
    Path: user.path,
    UserName: user.userName,
    UserId: user.userId,
    Arn: user.arn,
    CreateDate: isoDate(user.createDate),
  };
  if (view === 'list') return node;
  if (user.permissionsBoundaryArn !== undefined) {
    node.PermissionsBoundary = {
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: user.permissionsBoundaryArn,
    };
  }
  node.Tags = user.tags.length === 0 ? undefined : tagsXml(user.tags);
  return node;
}

export function groupXml(group: Group): XmlNode {
  return {
    Path: group.path,
    GroupName: group.groupName,
    GroupId: group.groupId,
    Arn: group.arn,
    CreateDate: isoDate(group.createDate),
  };
}

export function accessKeyMetadataXml(key: AccessKey): XmlNode {
  return {
    UserName: key.userName,
    AccessKeyId: key.accessKeyId,
    Status: key.status,
    CreateDate: isoDate(key.createDate),
  };
}
