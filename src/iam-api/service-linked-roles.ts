/**
 * CreateServiceLinkedRole for the AWS services whose workloads credplane serves (ECS, EKS, EC2
 * Spot, EC2 Auto Scaling). As IAM does: the role is named by the service
 * (`AWSServiceRoleFor...`, plus `_<CustomSuffix>` where the service allows one), lives under
 * `/aws-service-role/<service>/`, trusts the service principal with `sts:AssumeRole`, and has the
 * service's AWS managed policy attached (IAM User Guide, "Using service-linked roles" and
 * "AWS services that work with IAM").
 */
import { findAwsManagedPolicy } from '../catalog/aws-managed-policies.js';
import { InvalidInputError } from '../iam/errors.js';
import type { IamOperation } from './operation.js';
import { IamParams, checkText } from './params.js';
import { roleResource } from './resources.js';
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
  const path = `/aws-service-role/${service}/`;
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

export const serviceLinkedRoleOperations: Record<string, IamOperation> = {
  CreateServiceLinkedRole: createServiceLinkedRole,
};
