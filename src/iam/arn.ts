/**
 * Amazon Resource Names: `arn:partition:service:region:account:resource`, and the IAM/STS shapes
 * credplane issues and reads (roles, assumed roles, users, root, instance profiles, managed
 * policies, OIDC providers).
 *
 * Parsing is strict about the structure and lenient about what it cannot know (a partition that
 * matches `aws(-name)*` is accepted). A malformed ARN throws `ValidationError`.
 */
import { ValidationError } from '../errors.js';
import type { AccountId, ArnString, IamPath, Partition } from './types.js';

/** IAM's length limit for ARN parameters. */
export const MAX_ARN_LENGTH = 2048;

export interface Arn {
  partition: Partition;
  service: string;
  region: string;
  /** 12 digits, `aws` for AWS managed policies, or empty for account-less resources. */
  accountId: string;
  resource: string;
}

const PARTITION_RE = /^aws(?:-[a-z]+)*$/;
const ACCOUNT_RE = /^\d{12}$/;
const SERVICE_RE = /^[a-z0-9-]+$/;
const REGION_RE = /^(?:[a-z0-9-]*)$/;
const NAME_RE = /^[\w+=,.@-]+$/;
const PATH_RE = /^(?:\/|\/[\u0021-\u007F]+\/)$/;

function invalid(text: string, why?: string): ValidationError {
  const shown = text.length > 256 ? `${text.slice(0, 256)}...` : text;
  return new ValidationError(`ARN ${shown} is not valid.${why ? ` ${why}` : ''}`);
}

/**
 * The six parts of anything shaped like an ARN (`arn:` and at least five more `:`-separated
 * fields, any of them possibly empty); `undefined` otherwise. It checks nothing else: callers
 * that must refuse malformed ARNs use {@link parseArn}. The resource may itself contain `:`.
 *
 * @example
 * splitArn('arn:aws:sns:us-east-1:111122223333:orders:5f1c')?.resource; // 'orders:5f1c'
 */
export function splitArn(text: string): Arn | undefined {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', accountId = ''] = parts;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

/**
 * Splits an ARN into its six parts, refusing a malformed one. The resource may itself contain
 * `:` and `/`.
 *
 * @example
 * parseArn('arn:aws:iam::111122223333:role/deployer').resource; // 'role/deployer'
 */
export function parseArn(text: string): Arn {
  if (typeof text !== 'string' || text.length > MAX_ARN_LENGTH) throw invalid(String(text).slice(0, 256));
  const arn = splitArn(text);
  if (arn === undefined) throw invalid(text);
  if (!PARTITION_RE.test(arn.partition)) throw invalid(text, 'Unknown partition.');
  if (!SERVICE_RE.test(arn.service) || !REGION_RE.test(arn.region) || arn.resource === '')
    throw invalid(text);
  return arn;
}

/**
 * Joins the six parts of an ARN.
 *
 * @example
 * formatArn({ partition: 'aws', service: 's3', region: '', accountId: '', resource: 'bucket' }); // 'arn:aws:s3:::bucket'
 */
export function formatArn(arn: Arn): ArnString {
  return `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.accountId}:${arn.resource}`;
}

/** Splits `a/b/Name` into IAM path `/a/b/` and name `Name`: the exact inverse of `joinPathName`. */
function splitPathName(rest: string, text: string): { path: IamPath; name: string } {
  const slash = rest.lastIndexOf('/');
  const name = rest.slice(slash + 1);
  const path = slash < 0 ? '/' : `/${rest.slice(0, slash)}/`;
  if (!NAME_RE.test(name) || !PATH_RE.test(path)) throw invalid(text);
  return { path, name };
}

function joinPathName(path: IamPath, name: string): string {
  return `${path.slice(1)}${name}`;
}

function iamArn(text: string, prefix: string, allowAws = false): { arn: Arn; rest: string } {
  const arn = parseArn(text);
  if (arn.service !== 'iam' || arn.region !== '') throw invalid(text);
  const accountOk = ACCOUNT_RE.test(arn.accountId) || (allowAws && arn.accountId === 'aws');
  if (!accountOk || !arn.resource.startsWith(prefix)) throw invalid(text);
  return { arn, rest: arn.resource.slice(prefix.length) };
}

export interface RoleArnParts {
  partition: Partition;
  accountId: AccountId;
  path: IamPath;
  roleName: string;
}

/**
 * `arn:aws:iam::111122223333:role/service-role/deployer`
 *
 * @example
 * roleArn({ partition: 'aws', accountId: '111122223333', path: '/ci/', roleName: 'deployer' });
 */
export function roleArn(p: RoleArnParts): ArnString {
  return `arn:${p.partition}:iam::${p.accountId}:role/${joinPathName(p.path, p.roleName)}`;
}

/** The parts of a role ARN. @example parseRoleArn('arn:aws:iam::111122223333:role/ci/deployer').path // '/ci/' */
export function parseRoleArn(text: string): RoleArnParts {
  const { arn, rest } = iamArn(text, 'role/');
  const { path, name } = splitPathName(rest, text);
  return { partition: arn.partition, accountId: arn.accountId, path, roleName: name };
}

export interface AssumedRoleArnParts {
  partition: Partition;
  accountId: AccountId;
  roleName: string;
  roleSessionName: string;
}

/**
 * `arn:aws:sts::111122223333:assumed-role/deployer/ci-run` (the role's path is not part of it).
 *
 * @example
 * assumedRoleArn({ partition: 'aws', accountId: '111122223333', roleName: 'deployer', roleSessionName: 'ci' });
 */
export function assumedRoleArn(p: AssumedRoleArnParts): ArnString {
  return `arn:${p.partition}:sts::${p.accountId}:assumed-role/${p.roleName}/${p.roleSessionName}`;
}

/** The parts of an assumed-role ARN. @example parseAssumedRoleArn(arn).roleSessionName */
export function parseAssumedRoleArn(text: string): AssumedRoleArnParts {
  const arn = parseArn(text);
  const prefix = 'assumed-role/';
  if (arn.service !== 'sts' || arn.region !== '' || !ACCOUNT_RE.test(arn.accountId)) throw invalid(text);
  if (!arn.resource.startsWith(prefix)) throw invalid(text);
  const segments = arn.resource.slice(prefix.length).split('/');
  if (segments.length !== 2) throw invalid(text);
  const [roleName = '', roleSessionName = ''] = segments;
  if (!NAME_RE.test(roleName) || !NAME_RE.test(roleSessionName)) throw invalid(text);
  return { partition: arn.partition, accountId: arn.accountId, roleName, roleSessionName };
}

export interface UserArnParts {
  partition: Partition;
  accountId: AccountId;
  path: IamPath;
  userName: string;
}

/** `arn:aws:iam::111122223333:user/admin`. @example userArn({ partition: 'aws', accountId, path: '/', userName: 'admin' }) */
export function userArn(p: UserArnParts): ArnString {
  return `arn:${p.partition}:iam::${p.accountId}:user/${joinPathName(p.path, p.userName)}`;
}

/** The parts of a user ARN. @example parseUserArn('arn:aws:iam::111122223333:user/admin').userName */
export function parseUserArn(text: string): UserArnParts {
  const { arn, rest } = iamArn(text, 'user/');
  const { path, name } = splitPathName(rest, text);
  return { partition: arn.partition, accountId: arn.accountId, path, userName: name };
}

export interface GroupArnParts {
  partition: Partition;
  accountId: AccountId;
  path: IamPath;
  groupName: string;
}

/**
 * The parts of a group ARN (`arn:aws:iam::111122223333:group/PATH/NAME`). A group is no principal,
 * so `parseIamArn` does not accept one; only the places that name a group (the policy simulator's
 * `PolicySourceArn`) parse it.
 *
 * @example parseGroupArn('arn:aws:iam::111122223333:group/teams/auditors').groupName // 'auditors'
 */
export function parseGroupArn(text: string): GroupArnParts {
  const { arn, rest } = iamArn(text, 'group/');
  const { path, name } = splitPathName(rest, text);
  return { partition: arn.partition, accountId: arn.accountId, path, groupName: name };
}

/** `arn:aws:iam::111122223333:root`, the account principal. @example rootArn('aws', '111122223333') */
export function rootArn(partition: Partition, accountId: AccountId): ArnString {
  return `arn:${partition}:iam::${accountId}:root`;
}

export interface InstanceProfileArnParts {
  partition: Partition;
  accountId: AccountId;
  path: IamPath;
  instanceProfileName: string;
}

/** `arn:aws:iam::111122223333:instance-profile/web`. @example instanceProfileArn({ ..., instanceProfileName: 'web' }) */
export function instanceProfileArn(p: InstanceProfileArnParts): ArnString {
  return `arn:${p.partition}:iam::${p.accountId}:instance-profile/${joinPathName(p.path, p.instanceProfileName)}`;
}

/** The parts of an instance profile ARN. @example parseInstanceProfileArn(arn).instanceProfileName */
export function parseInstanceProfileArn(text: string): InstanceProfileArnParts {
  const { arn, rest } = iamArn(text, 'instance-profile/');
  const { path, name } = splitPathName(rest, text);
  return { partition: arn.partition, accountId: arn.accountId, path, instanceProfileName: name };
}

/** The account of AWS managed policies in their ARNs. */
export const AWS_MANAGED_ACCOUNT = 'aws';

export interface PolicyArnParts {
  partition: Partition;
  /** 12 digits for customer managed policies, `aws` for AWS managed ones. */
  accountId: AccountId | typeof AWS_MANAGED_ACCOUNT;
  path: IamPath;
  policyName: string;
}

/**
 * `arn:aws:iam::111122223333:policy/ReadLogs`, or `arn:aws:iam::aws:policy/ReadOnlyAccess`.
 *
 * @example
 * policyArn({ partition: 'aws', accountId: 'aws', path: '/job-function/', policyName: 'ViewOnlyAccess' });
 */
export function policyArn(p: PolicyArnParts): ArnString {
  return `arn:${p.partition}:iam::${p.accountId}:policy/${joinPathName(p.path, p.policyName)}`;
}

/** The parts of a managed policy ARN (customer or AWS managed). @example parsePolicyArn(arn).policyName */
export function parsePolicyArn(text: string): PolicyArnParts {
  const { arn, rest } = iamArn(text, 'policy/', true);
  const { path, name } = splitPathName(rest, text);
  return { partition: arn.partition, accountId: arn.accountId, path, policyName: name };
}

/** True for `arn:<partition>:iam::aws:policy/...`. @example isAwsManagedPolicyArn('arn:aws:iam::aws:policy/ReadOnlyAccess') */
export function isAwsManagedPolicyArn(text: string): boolean {
  try {
    return parsePolicyArn(text).accountId === AWS_MANAGED_ACCOUNT;
  } catch {
    return false;
  }
}

/**
 * An OIDC issuer URL as IAM keeps it: without the `https://` scheme and trailing slash.
 *
 * @example
 * oidcProviderUrl('https://token.example.com/cluster/'); // 'token.example.com/cluster'
 */
export function oidcProviderUrl(url: string): string {
  return url.replace(/^https:\/\//i, '').replace(/\/+$/, '');
}

export interface OidcProviderArnParts {
  partition: Partition;
  accountId: AccountId;
  /** `host/path`, without scheme. */
  url: string;
}

/**
 * `arn:aws:iam::111122223333:oidc-provider/token.example.com/cluster`
 *
 * @example
 * oidcProviderArn({ partition: 'aws', accountId: '111122223333', url: 'https://token.example.com' });
 */
export function oidcProviderArn(p: OidcProviderArnParts): ArnString {
  return `arn:${p.partition}:iam::${p.accountId}:oidc-provider/${oidcProviderUrl(p.url)}`;
}

/** The parts of an OIDC provider ARN. @example parseOidcProviderArn(arn).url // 'token.example.com' */
export function parseOidcProviderArn(text: string): OidcProviderArnParts {
  const { arn, rest } = iamArn(text, 'oidc-provider/');
  if (rest === '' || rest.startsWith('/')) throw invalid(text);
  return { partition: arn.partition, accountId: arn.accountId, url: rest };
}

/** Any IAM or STS identity or resource ARN credplane understands, by kind. */
export type IamArn =
  | ({ kind: 'role' } & RoleArnParts)
  | ({ kind: 'assumed-role' } & AssumedRoleArnParts)
  | ({ kind: 'user' } & UserArnParts)
  | { kind: 'root'; partition: Partition; accountId: AccountId }
  | ({ kind: 'instance-profile' } & InstanceProfileArnParts)
  | ({ kind: 'policy' } & PolicyArnParts)
  | ({ kind: 'oidc-provider' } & OidcProviderArnParts);

/**
 * Parses an ARN into the IAM/STS shape it has, or throws `ValidationError`.
 *
 * @example
 * const a = parseIamArn('arn:aws:sts::111122223333:assumed-role/deployer/ci');
 * if (a.kind === 'assumed-role') a.roleSessionName; // 'ci'
 */
export function parseIamArn(text: string): IamArn {
  const arn = parseArn(text);
  if (arn.service === 'sts') return { kind: 'assumed-role', ...parseAssumedRoleArn(text) };
  if (arn.service !== 'iam') throw invalid(text);
  const type = arn.resource.split('/')[0];
  switch (type) {
    case 'role':
      return { kind: 'role', ...parseRoleArn(text) };
    case 'user':
      return { kind: 'user', ...parseUserArn(text) };
    case 'root':
      if (arn.region !== '' || !ACCOUNT_RE.test(arn.accountId)) throw invalid(text);
      return { kind: 'root', partition: arn.partition, accountId: arn.accountId };
    case 'instance-profile':
      return { kind: 'instance-profile', ...parseInstanceProfileArn(text) };
    case 'policy':
      return { kind: 'policy', ...parsePolicyArn(text) };
    case 'oidc-provider':
      return { kind: 'oidc-provider', ...parseOidcProviderArn(text) };
    default:
      throw invalid(text);
  }
}

/** True for a 12-digit account id. @example isAccountId('111122223333') // true */
export function isAccountId(value: string): value is AccountId {
  return ACCOUNT_RE.test(value);
}
