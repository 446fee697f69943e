/** An instance and its metadata options as `DescribeInstances` and `RunInstances` write them. */
import type { InstanceProfile } from '../iam/types.js';
import {
  instanceIdOf,
  instanceNetworkOf,
  instanceTags,
  metadataOptionsOf,
  privateIpOf,
  type InstanceSettings,
  type InstanceWorkload,
} from '../workloads/index.js';
import type { Ec2Context } from './context.js';
import type { Ec2Node } from './xml.js';

export function metadataOptionsXml(settings: InstanceSettings, state: string): Ec2Node {
  const m = metadataOptionsOf(settings);
  return {
    state,
    httpTokens: m.httpTokens,
    httpPutResponseHopLimit: m.httpPutResponseHopLimit,
    httpEndpoint: m.httpEndpoint,
    httpProtocolIpv6: m.httpProtocolIpv6,
    instanceMetadataTags: m.instanceMetadataTags,
  };
}

export function instanceXml(
  ctx: Ec2Context,
  w: InstanceWorkload,
  profiles: Map<string, InstanceProfile>,
): Ec2Node {
  const id = instanceIdOf(w);
  const ip = privateIpOf(id);
  const profile = profiles.get((w.settings.instanceProfileName ?? '').toLowerCase());
  const tags = instanceTags(w.settings);
  // The same derived network the instance's metadata serves (`network/interfaces/macs/<mac>/`).
  const net = instanceNetworkOf(id, ctx.accountId, ctx.region);
  const groups = [{ groupId: net.securityGroupId, groupName: net.securityGroupName }];
  return {
    instanceId: id,
    imageId: w.settings.imageId ?? 'ami-0123456789abcdef0',
    instanceState: { code: 16, name: 'running' },
    privateDnsName: `ip-${ip.replaceAll('.', '-')}.ec2.internal`,
    dnsName: '',
    amiLaunchIndex: 0,
    instanceType: w.settings.instanceType ?? 't3.micro',
    launchTime: w.createDate.toISOString(),
    placement: { availabilityZone: net.availabilityZone, tenancy: 'default' },
    subnetId: net.subnetId,
    vpcId: net.vpcId,
    privateIpAddress: ip,
    groupSet: groups,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    ...(profile === undefined
      ? {}
      : { iamInstanceProfile: { arn: profile.arn, id: profile.instanceProfileId } }),
    ...(tags.length === 0 ? {} : { tagSet: tags }),
    networkInterfaceSet: [
      {
        networkInterfaceId: net.interfaceId,
        subnetId: net.subnetId,
        vpcId: net.vpcId,
        ownerId: ctx.accountId,
        status: 'in-use',
        macAddress: net.mac,
        privateIpAddress: ip,
        privateDnsName: `ip-${ip.replaceAll('.', '-')}.ec2.internal`,
        sourceDestCheck: true,
        groupSet: groups,
        attachment: { deviceIndex: 0, status: 'attached', deleteOnTermination: true },
      },
    ],
    metadataOptions: metadataOptionsXml(w.settings, 'applied'),
  };
}
