/** An instance and its metadata options as `DescribeInstances` and `RunInstances` write them. */
import type { InstanceProfile } from '../iam/types.js';
import {
  instanceIdOf,
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
  return {
    instanceId: id,
    imageId: w.settings.imageId ?? 'ami-0123456789abcdef0',
    instanceState: { code: 16, name: 'running' },
    privateDnsName: `ip-${ip.replaceAll('.', '-')}.ec2.internal`,
    dnsName: '',
    amiLaunchIndex: 0,
    instanceType: w.settings.instanceType ?? 't3.micro',
    launchTime: w.createDate.toISOString(),
    placement: { availabilityZone: `${ctx.region}a`, tenancy: 'default' },
    privateIpAddress: ip,
    architecture: 'x86_64',
    rootDeviceType: 'ebs',
    ...(profile === undefined
      ? {}
      : { iamInstanceProfile: { arn: profile.arn, id: profile.instanceProfileId } }),
    ...(tags.length === 0 ? {} : { tagSet: tags }),
    metadataOptions: metadataOptionsXml(w.settings, 'applied'),
  };
}
