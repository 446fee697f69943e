/**
 * Each console endpoint authorized as the AWS API calls it stands for (`contract.ts` lists them),
 * through the one authorization path of the Query APIs (`control/authorize.ts`): the same engine,
 * the same policies, the same `AccessDenied` message with its encoded explanation.
 */
import type { AuthenticatedCaller } from '../control/authenticate.js';
import { authorize, decide, type AuthorizeInput } from '../control/authorize.js';
import type { KeyRing } from '../crypto/index.js';

export interface ActionCheck {
  action: string;
  resource: string;
  /** The operation's condition keys, as the API call adds them (`control/authorize.ts`). */
  extra?: AuthorizeInput['extra'];
}

/** Throws `AccessDenied` at the first action the caller may not perform. */
export function requireAll(auth: AuthenticatedCaller, checks: readonly ActionCheck[], ring?: KeyRing): void {
  for (const check of checks) authorize(auth, check, ring);
}

/** Whether every check is allowed (for `SessionInfo.can`). */
export function allows(auth: AuthenticatedCaller, checks: readonly ActionCheck[]): boolean {
  return checks.every((check) => decide(auth, check).decision === 'Allow');
}

/** The ARNs the checks name. */
export interface Arns {
  partition: string;
  accountId: string;
  region: string;
}

export const roleArnOf = (a: Arns, roleName: string): string =>
  `arn:${a.partition}:iam::${a.accountId}:role/${roleName}`;

/** `iam:ListRoles` is authorized on the path prefix (`arn:…:role/` for all), as the IAM API does. */
export const listRolesCheck = (a: Arns): ActionCheck => ({
  action: 'iam:ListRoles',
  resource: `arn:${a.partition}:iam::${a.accountId}:role/`,
});

/** What a role page reads. */
export function roleReadChecks(roleArn: string): ActionCheck[] {
  return ['iam:GetRole', 'iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies'].map(
    (action) => ({ action, resource: roleArn }),
  );
}

/** What changing a role's policies takes (`SessionInfo.can.changeRolePolicies`, on every role). */
export function changePolicyChecks(a: Arns): ActionCheck[] {
  const resource = `arn:${a.partition}:iam::${a.accountId}:role/*`;
  return ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy'].map(
    (action) => ({ action, resource }),
  );
}

/** The SSRF lab launches an instance with a role: `ec2:RunInstances` with `iam:PassRole`. */
export function labChecks(a: Arns): ActionCheck[] {
  return [
    { action: 'ec2:RunInstances', resource: `arn:${a.partition}:ec2:${a.region}:${a.accountId}:instance/*` },
    { action: 'iam:PassRole', resource: `arn:${a.partition}:iam::${a.accountId}:role/*` },
  ];
}

/** `credplane logs` reads the access log as CloudTrail's `LookupEvents`. */
export const lookupEventsCheck: ActionCheck = { action: 'cloudtrail:LookupEvents', resource: '*' };

export const describeInstancesCheck: ActionCheck = { action: 'ec2:DescribeInstances', resource: '*' };
