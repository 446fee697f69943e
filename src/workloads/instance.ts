/**
 * The `ec2-instance` workload: what `RunInstances`, `credplane apply` and the metadata service
 * store for an instance, and the facts both the EC2 API (`src/ec2-api/`) and the metadata service
 * (`src/delivery/imds/`) derive from it (instance id, private address, metadata options).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ownershipShape, tagSchema, type Tag } from './common.js';

const enabled = z.enum(['enabled', 'disabled']);

/** `MetadataOptions` as stored: only what the launch or the last modification set. */
export const storedMetadataOptionsSchema = z.object({
  httpTokens: z.enum(['optional', 'required']).optional(),
  /** 1-64 (InstanceMetadataOptionsRequest, Amazon EC2 API Reference). */
  httpPutResponseHopLimit: z.number().int().min(1).max(64).optional(),
  httpEndpoint: enabled.optional(),
  httpProtocolIpv6: enabled.optional(),
  instanceMetadataTags: enabled.optional(),
});
export type StoredMetadataOptions = z.infer<typeof storedMetadataOptionsSchema>;

export const instanceSettingsSchema = z.object({
  ...ownershipShape,
  /** Assigned at launch (`i-` and 17 hex digits) and kept across updates. */
  instanceId: z.string().optional(),
  imageId: z.string().optional(),
  instanceType: z.string().optional(),
  /** The associated instance profile; absent when none is (`DisassociateIamInstanceProfile`). */
  instanceProfileName: z.string().optional(),
  /** ISO time of the profile's association, for `DescribeIamInstanceProfileAssociations`. */
  associatedAt: z.string().optional(),
  metadataOptions: storedMetadataOptionsSchema.optional(),
  /** Base64 user data as given. */
  userData: z.string().optional(),
  tags: z.array(tagSchema).optional(),
  /** The loopback port of the instance's metadata endpoint, recorded by the metadata service. */
  imdsPort: z.number().int().optional(),
  /**
   * The fleet node the instance runs on (`credplane node place`): only that node's agent may obtain
   * its credentials (docs/fleet-agent.md).
   */
  node: z.string().optional(),
});
export type InstanceSettings = z.infer<typeof instanceSettingsSchema>;

/** IMDS options as EC2 applies them, with EC2's defaults filled in. */
export interface MetadataOptions {
  httpTokens: 'optional' | 'required';
  httpPutResponseHopLimit: number;
  httpEndpoint: 'enabled' | 'disabled';
  httpProtocolIpv6: 'enabled' | 'disabled';
  instanceMetadataTags: 'enabled' | 'disabled';
}

/**
 * The options an instance runs with: its stored ones over EC2's defaults (`HttpTokens=optional`,
 * hop limit 1, endpoint enabled, IPv6 endpoint and tags in metadata disabled; "Configure the
 * instance metadata options", Amazon EC2 User Guide).
 */
export function metadataOptionsOf(settings: InstanceSettings): MetadataOptions {
  const m = settings.metadataOptions ?? {};
  return {
    httpTokens: m.httpTokens ?? 'optional',
    httpPutResponseHopLimit: m.httpPutResponseHopLimit ?? 1,
    httpEndpoint: m.httpEndpoint ?? 'enabled',
    httpProtocolIpv6: m.httpProtocolIpv6 ?? 'disabled',
    instanceMetadataTags: m.instanceMetadataTags ?? 'disabled',
  };
}

/** The instance id a workload carries (template apply and RunInstances assign one). */
export function instanceIdOf(w: { name: string; settings: InstanceSettings }): string {
  return w.settings.instanceId ?? `i-${createHash('sha256').update(w.name).digest('hex').slice(0, 17)}`;
}

/** The private IPv4 address an instance reports, derived from its id (10.0.0.0/16). */
export function privateIpOf(instanceId: string): string {
  const h = createHash('sha256').update(instanceId).digest();
  return `10.0.${h[4]!}.${(h[5]! % 254) + 1}`;
}

/** The instance's tags (`[]` when it has none). */
export function instanceTags(settings: InstanceSettings): Tag[] {
  return settings.tags ?? [];
}

/** The network an instance is placed in: one interface in one subnet of the account's VPC. */
export interface InstanceNetwork {
  mac: string;
  interfaceId: string;
  subnetId: string;
  vpcId: string;
  securityGroupId: string;
  /** The group's name: every instance is in its VPC's `default` group. */
  securityGroupName: string;
  subnetCidr: string;
  vpcCidr: string;
  availabilityZone: string;
  /** AWS's zone id (`use1-az1`): the region's short form and the zone's number. */
  availabilityZoneId: string;
}

function hex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** `us-east-1` → `use1`, `ap-southeast-2` → `apse2`, as AWS writes zone ids. */
function regionShortForm(region: string): string {
  const match = /^([a-z]+)-([a-z]+)-(\d+)$/.exec(region);
  if (match === null) return region.replaceAll('-', '');
  const [, area, direction, n] = match;
  const short = direction!
    .replace('north', 'n')
    .replace('south', 's')
    .replace('east', 'e')
    .replace('west', 'w')
    .replace('central', 'c');
  return `${area}${short}${n}`;
}

/**
 * Derived, stable network facts of an instance (credplane runs no VPC): the private address of
 * `privateIpOf` in subnet 10.0.0.0/16 of one VPC per account and region, a locally administered
 * MAC and an interface id from the instance id.
 *
 * @example
 * instanceNetworkOf('i-0123456789abcdef0', '123456789012', 'us-east-1').availabilityZoneId; // 'use1-az1'
 */
export function instanceNetworkOf(instanceId: string, accountId: string, region: string): InstanceNetwork {
  const mac = hex(`mac\0${instanceId}`, 10).replace(/(..)(?!$)/g, '$1:');
  const place = `${accountId}\0${region}`;
  return {
    mac: `0e:${mac}`,
    interfaceId: `eni-${hex(`eni\0${instanceId}`, 17)}`,
    subnetId: `subnet-${hex(`subnet\0${place}`, 17)}`,
    vpcId: `vpc-${hex(`vpc\0${place}`, 17)}`,
    securityGroupId: `sg-${hex(`sg\0${place}`, 17)}`,
    securityGroupName: 'default',
    subnetCidr: '10.0.0.0/16',
    vpcCidr: '10.0.0.0/16',
    availabilityZone: `${region}a`,
    availabilityZoneId: `${regionShortForm(region)}-az1`,
  };
}
