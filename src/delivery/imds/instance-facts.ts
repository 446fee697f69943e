/**
 * What one instance's metadata and credentials are made of, from its workload record: the
 * description its metadata tree serves and the request that issues its role's credentials. Shared
 * by the loopback endpoints of `credplane up` (`service.ts`) and the node agent's server side
 * (`src/delivery/fleet/`), so both serve the same instance the same way.
 */
import type { InstanceProfile } from '../../iam/types.js';
import {
  instanceTags,
  metadataOptionsOf,
  privateIpOf,
  type InstanceWorkload,
} from '../../workloads/index.js';
import type { WorkloadIssueRequest } from '../workload-issuer.js';
import type { InstanceDescription, RoleDelivery } from './tree.js';

export const EC2_SERVICE_PRINCIPAL = 'ec2.amazonaws.com';

export interface InstanceScope {
  accountId: string;
  region: string;
  partition: string;
}

/** The role an instance's profile carries (EC2 allows one), if any. */
export function instanceRoleName(profile: InstanceProfile | undefined): string | undefined {
  return profile === undefined ? undefined : profile.roles[0]?.roleName;
}

export function instanceDescription(
  instanceId: string,
  w: InstanceWorkload,
  profile: InstanceProfile | undefined,
  o: InstanceScope,
): InstanceDescription {
  const settings = w.settings;
  const roleName = instanceRoleName(profile);
  const m = metadataOptionsOf(settings);
  return {
    instanceId,
    accountId: o.accountId,
    region: o.region,
    partition: o.partition,
    availabilityZone: `${o.region}a`,
    imageId: settings.imageId ?? 'ami-0123456789abcdef0',
    instanceType: settings.instanceType ?? 't3.micro',
    privateIp: privateIpOf(instanceId),
    launchTime: w.createDate,
    ...(profile === undefined
      ? {}
      : {
          instanceProfile: {
            arn: profile.arn,
            id: profile.instanceProfileId,
            ...(roleName === undefined ? {} : { roleName }),
          },
        }),
    ...(settings.userData === undefined ? {} : { userData: Buffer.from(settings.userData, 'base64') }),
    ...(m.instanceMetadataTags === 'enabled'
      ? {
          tags: Object.fromEntries(
            instanceTags(settings)
              .filter((t) => t.key !== '')
              .map((t) => [t.key, t.value]),
          ),
        }
      : {}),
  };
}

/**
 * EC2 assuming the instance's role for one delivery version: the instance id as session name, the
 * instance ARN as `aws:SourceArn`, and `ec2:RoleDelivery` / `ec2:SourceInstanceARN` on the session
 * (Amazon EC2 User Guide, Transition to using Instance Metadata Service Version 2).
 */
export function instanceIssueRequest(
  instanceId: string,
  roleName: string,
  delivery: RoleDelivery,
  o: InstanceScope & { credentialSeconds?: number },
): WorkloadIssueRequest {
  const instanceArn = `arn:${o.partition}:ec2:${o.region}:${o.accountId}:instance/${instanceId}`;
  return {
    accountId: o.accountId,
    roleName,
    servicePrincipal: EC2_SERVICE_PRINCIPAL,
    sessionName: instanceId,
    sourceArn: instanceArn,
    ...(o.credentialSeconds === undefined ? {} : { durationSeconds: o.credentialSeconds }),
    deliveryContext: { 'ec2:RoleDelivery': delivery, 'ec2:SourceInstanceARN': instanceArn },
  };
}
