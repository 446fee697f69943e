/**
 * CreateServiceLinkedRole, DeleteServiceLinkedRole and GetServiceLinkedRoleDeletionStatus for the AWS services whose workloads credplane serves (ECS, EKS, EC2
 * Spot, EC2 Auto Scaling). As IAM does: the role is named by the service
 * (`AWSServiceRoleFor...`, plus `_<CustomSuffix>` where the service allows one), lives under
 * `/aws-service-role/<service>/`, trusts the service principal with `sts:AssumeRole`, and has the
 * service's AWS managed policy attached (IAM User Guide, "Using service-linked roles" and
 * "AWS services that work with IAM").
 */
import { randomUUID } from 'node:crypto';
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import type { OperationContext } from '../control/operation.js';
import { instanceProfileArn } from '../iam/arn.js';
import { InvalidInputError, NoSuchEntityError } from '../iam/errors.js';
import { NAME_LIMITS, checkRoleName } from '../iam/names.js';
import { SERVICE_LINKED_PATH } from '../iam/service-linked.js';
import type { Role } from '../iam/types.js';
import type { RoleUsage, Store } from '../store/store.js';
import { instanceIdOf, type Workload } from '../workloads/index.js';
import type { IamOperation } from './operation.js';
import { IamParams, checkText } from './params.js';
import { authorizeOnRole, noSuchRole, roleResource } from './resources.js';
import { roleXml } from './serialize.js';

interface LinkedService {
  roleName: string;
  /** The AWS managed policy IAM attaches, under `/aws-service-role/`. */
  policyName: string;
  /** Whether IAM accepts `CustomSuffix` for this service. */
  suffixAllowed: boolean;
}

/** The services credplane knows, with the role names and policies AWS's documentation gives them. */
export const LINKED_SERVICES: ReadonlyMap<string, LinkedService> = new Map([
  [
    'ecs.amazonaws.com',
    { roleName: 'AWSServiceRoleForECS', policyName: 'AmazonECSServiceRolePolicy', suffixAllowed: false },
  ],
  [
    'eks.amazonaws.com',
    {
      roleName: 'AWSServiceRoleForAmazonEKS',
      policyName: 'AmazonEKSServiceRolePolicy',
      suffixAllowed: false,
    },
  ],
  [
    'eks-nodegroup.amazonaws.com',
    {
      roleName: 'AWSServiceRoleForAmazonEKSNodegroup',
      policyName: 'AWSServiceRoleForAmazonEKSNodegroup',
      suffixAllowed: false,
    },
  ],
  [
    'eks-fargate.amazonaws.com',
    {
      roleName: 'AWSServiceRoleForAmazonEKSForFargate',
      policyName: 'AmazonEKSForFargateServiceRolePolicy',
      suffixAllowed: false,
    },
  ],
  [
    'spot.amazonaws.com',
    { roleName: 'AWSServiceRoleForEC2Spot', policyName: 'AWSEC2SpotServiceRolePolicy', suffixAllowed: false },
  ],
  // EC2 Auto Scaling documents custom suffixes for its service-linked roles (one per key policy).
  [
    'autoscaling.amazonaws.com',
    {
      roleName: 'AWSServiceRoleForAutoScaling',
      policyName: 'AutoScalingServiceRolePolicy',
      suffixAllowed: true,
    },
  ],
]);

const SUFFIX_RULE = { min: 1, max: 64, re: /^[\w+=,.@-]+$/, pattern: '[\\w+=,.@-]+' };
const SERVICE_RULE = { min: 1, max: 128, re: /^[\w+=,.@-]+$/, pattern: '[\\w+=,.@-]+' };

const createServiceLinkedRole: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const service = input.required('AWSServiceName', 'aWSServiceName', (v, f) => checkText(v, f, SERVICE_RULE));
  const description = input.roleDescription();
  const suffix = input.optional('CustomSuffix', 'customSuffix', (v, f) => checkText(v, f, SUFFIX_RULE));
  input.done();

  const known = LINKED_SERVICES.get(service);
  const roleName =
    known === undefined ? undefined : `${known.roleName}${suffix === undefined ? '' : `_${suffix}`}`;
  const path = `${SERVICE_LINKED_PATH}${service}/`;
  // The condition key IAM documents for this action: policies can allow some services only.
  ctx.authorize('iam:CreateServiceLinkedRole', roleResource(ctx, roleName ?? '*', path), {
    'iam:AWSServiceName': service,
  });
  if (known === undefined || roleName === undefined) {
    // credplane's wording: only the services it serves have service-linked roles here.
    throw new InvalidInputError(
      `Service ${service} is not a service that credplane creates service-linked roles for.`,
    );
  }
  if (suffix !== undefined && !known.suffixAllowed) {
    throw new InvalidInputError(`Custom suffix is not allowed for ${service}`);
  }
  // The suffix may be 64 characters, but the role name it makes is held to IAM's role-name rule
  // (64 at most) like any other: a longer name is refused as a parameter by every other
  // operation, DeleteServiceLinkedRole included, so the role could never be read or removed.
  const nameProblems = checkRoleName(roleName);
  if (nameProblems.length > 0) {
    throw new InvalidInputError(
      `Custom suffix ${suffix ?? ''} makes the role name ${roleName} longer than ${NAME_LIMITS.roleName} characters.`,
    );
  }
  const policy = findAwsManagedPolicy(
    `arn:${ctx.partition}:iam::aws:policy/aws-service-role/${known.policyName}`,
  );
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
  const role = await ctx.store.transaction(async (tx) => {
    if ((await tx.findRole(ctx.accountId, roleName)) !== undefined) {
      throw new InvalidInputError(
        `Service role name ${roleName} has been taken in this account, please try a different suffix.`,
      );
    }
    const created = await tx.createRole(ctx.accountId, {
      roleName,
      path,
      assumeRolePolicyDocument: trust,
      ...(description === undefined ? {} : { description }),
    });
    if (policy !== undefined) await tx.attachRolePolicy(ctx.accountId, roleName, policy.arn);
    return created;
  });
  return { Role: roleXml(role) };
};

/** `/aws-service-role/<service>/` → the service; `undefined` for any other path. */
function linkedServiceOf(role: Role): string | undefined {
  const m = /^\/aws-service-role\/([\w+=,.@-]+)\/$/.exec(role.path);
  return m?.[1];
}

/**
 * `task/aws-service-role/<service-principal-name>/<role-name>/<task-uuid>`, the format the IAM API
 * Reference gives for `DeletionTaskId`. The uuid is random (CSPRNG), so an id cannot be guessed,
 * and the store finds a task only in the account that made it.
 */
const TASK_ID =
  /^task\/aws-service-role\/([\w+=,.@-]{1,128})\/([\w+=,.@-]{1,64})\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const TASK_ID_RULE = { min: 1, max: 1000 };

/**
 * The resource a workload is, as its service would name it in `RoleUsageList`: the instance, task
 * definition, function or Pod Identity association ARN. An IRSA service account is no AWS resource;
 * credplane names it `arn:<partition>:eks:<region>:<account>:serviceaccount/<cluster>/<namespace>/<name>`.
 */
function workloadResource(ctx: OperationContext, w: Workload): string {
  const base = (service: string) => `arn:${ctx.partition}:${service}:${ctx.region}:${ctx.accountId}`;
  switch (w.kind) {
    case 'ec2-instance':
      return `${base('ec2')}:instance/${instanceIdOf(w)}`;
    case 'ecs-task-definition':
      return w.settings.taskDefinitionArn ?? `${base('ecs')}:task-definition/${w.name}`;
    case 'lambda-function':
      return `${base('lambda')}:function:${w.name}`;
    case 'eks-pod-identity':
      return w.settings.associationArn ?? `${base('eks')}:podidentityassociation/${w.name}`;
    case 'eks-service-account':
      return `${base('eks')}:serviceaccount/${w.name}`;
  }
}

/**
 * Where the role is in use: the workloads credplane serves with it (instances through their
 * profile, task definitions, functions, Pod Identity associations, service accounts) and the
 * instance profiles holding it. A role in use stays, as the linked service refuses to let its role
 * go while its resources use it (IAM User Guide, "Deleting a service-linked role").
 */
async function roleUsage(tx: Store, ctx: OperationContext, role: Role): Promise<RoleUsage[]> {
  const resources: string[] = [];
  for (const w of await tx.listWorkloads(ctx.accountId, { roleName: role.roleName })) {
    resources.push(workloadResource(ctx, w));
  }
  const profiles = await tx.listInstanceProfilesForRole(ctx.accountId, role.roleName, { maxItems: 1000 });
  for (const p of profiles.items) {
    resources.push(
      instanceProfileArn({
        partition: ctx.partition,
        accountId: ctx.accountId,
        path: p.path,
        instanceProfileName: p.instanceProfileName,
      }),
    );
  }
  return resources.length === 0 ? [] : [{ region: ctx.region, resources }];
}

const deleteServiceLinkedRole: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const roleName = input.roleName();
  input.done();
  const role = await authorizeOnRole(ctx, 'iam:DeleteServiceLinkedRole', roleName);
  const service = linkedServiceOf(role);
  if (service === undefined) {
    // Not in botocore's error list for this operation, and IAM does not document its answer for an
    // ordinary role: credplane's wording. Only DeleteRole deletes an ordinary role.
    throw new InvalidInputError(`Role ${role.roleName} is not a service-linked role.`);
  }
  const deletionTaskId = `task/aws-service-role/${service}/${role.roleName}/${randomUUID()}`;
  await ctx.store.transaction(async (tx) => {
    // Again inside the transaction: the role's attachments and users are read where they are changed.
    const current = await tx.findRole(ctx.accountId, role.roleName);
    if (current === undefined) throw noSuchRole(roleName);
    const usage = await roleUsage(tx, ctx, current);
    if (usage.length > 0) {
      const count = usage.reduce((n, u) => n + u.resources.length, 0);
      await tx.recordDeletionTask(ctx.accountId, {
        deletionTaskId,
        roleName: current.roleName,
        status: 'FAILED',
        reason: `The service-linked role ${current.roleName} is in use by ${count} resource${count === 1 ? '' : 's'}; delete ${count === 1 ? 'it' : 'them'} first.`,
        roleUsage: usage,
      });
      return;
    }
    // The role goes with what IAM put on it (its service's managed policy); its inline policies
    // too, though the API never lets one onto a service-linked role.
    for (const a of (await tx.listAttachedRolePolicies(ctx.accountId, current.roleName, { maxItems: 1000 }))
      .items) {
      await tx.detachRolePolicy(ctx.accountId, current.roleName, a.policyArn);
    }
    for (const p of (await tx.listRolePolicies(ctx.accountId, current.roleName, { maxItems: 1000 })).items) {
      await tx.deleteRolePolicy(ctx.accountId, current.roleName, p.policyName);
    }
    await tx.deleteRole(ctx.accountId, current.roleName);
    await tx.recordDeletionTask(ctx.accountId, {
      deletionTaskId,
      roleName: current.roleName,
      status: 'SUCCEEDED',
    });
  });
  return { DeletionTaskId: deletionTaskId };
};

const getServiceLinkedRoleDeletionStatus: IamOperation = async (ctx, params) => {
  const input = new IamParams(params);
  const taskId = input.required('DeletionTaskId', 'deletionTaskId', (v, f) => checkText(v, f, TASK_ID_RULE));
  input.done();
  const m = TASK_ID.exec(taskId);
  if (m === null) {
    // Checked before authorizing, as parameter shapes are: a malformed id names no role.
    throw new InvalidInputError(
      'DeletionTaskId must be task/aws-service-role/<service-principal-name>/<role-name>/<task-uuid>.',
    );
  }
  const [, service = '', roleName = ''] = m;
  // On the role the task deletes (service authorization reference: resource type `role`), which
  // may be gone by now: its ARN comes from the id, in the caller's account.
  ctx.authorize(
    'iam:GetServiceLinkedRoleDeletionStatus',
    roleResource(ctx, roleName, `/aws-service-role/${service}/`),
  );
  const task = await ctx.store.findDeletionTask(ctx.accountId, taskId);
  if (task === undefined) throw new NoSuchEntityError(`Deletion task ${taskId} cannot be found.`);
  return {
    Status: task.status,
    Reason:
      task.reason === undefined
        ? undefined
        : {
            Reason: task.reason,
            RoleUsageList: task.roleUsage.map((u) => ({ Region: u.region, Resources: u.resources })),
          },
  };
};

export const serviceLinkedRoleOperations: Record<string, IamOperation> = {
  CreateServiceLinkedRole: createServiceLinkedRole,
  DeleteServiceLinkedRole: deleteServiceLinkedRole,
  GetServiceLinkedRoleDeletionStatus: getServiceLinkedRoleDeletionStatus,
};
