/**
 * The instance metadata tree (Amazon EC2 User Guide, Instance metadata categories): what each path of one
 * instance answers. Pure: built once per instance state, looked up per request without allocation beyond the
 * path split.
 *
 * Rules: a directory answers with its entries one per line, sub-directories suffixed with `/`, and
 * no newline after the last entry (botocore takes the role list's whole body as the role name); a
 * leaf answers with its value; anything else is 404. A trailing `/` on a leaf, or its absence on a
 * directory, does not change the answer (IMDS and AEMM both ignore it).
 */
import { instanceNetworkOf, type InstanceNetwork } from '../../workloads/instance.js';

/** How the request was made: IMDSv1 (no token) or IMDSv2 (valid token) — `ec2:RoleDelivery`. */
export type RoleDelivery = '1.0' | '2.0';

/** A leaf's value; functions compute it per request (credentials differ by delivery version). */
export type MetadataLeaf = string | Buffer | ((delivery: RoleDelivery) => Promise<string> | string);
export interface MetadataDirectory {
  readonly [name: string]: MetadataNode;
}
export type MetadataNode = MetadataLeaf | MetadataDirectory;

export type Lookup =
  { kind: 'listing'; body: string } | { kind: 'leaf'; value: MetadataLeaf } | { kind: 'missing' };

function isDirectory(node: MetadataNode): node is MetadataDirectory {
  return typeof node === 'object' && !Buffer.isBuffer(node);
}

/** The listing of a directory: entries in insertion order, `name/` for sub-directories. */
export function listing(directory: MetadataDirectory): string {
  return Object.entries(directory)
    .map(([name, node]) => (isDirectory(node) ? `${name}/` : name))
    .join('\n');
}

/**
 * Resolve a request path (query already stripped) against `root`.
 *
 * @example
 * lookup(tree, '/latest/meta-data/iam/security-credentials/'); // { kind: 'listing', body: 'web-role' }
 */
export function lookup(root: MetadataDirectory, path: string): Lookup {
  // The root lists the versions, names without `/` although each is a directory (as EC2 does).
  if (path.split('/').every((segment) => segment === ''))
    return { kind: 'listing', body: Object.keys(root).join('\n') };
  let node: MetadataNode = root;
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    // Empty segments come from the leading `/`, a trailing `/`, or `//`; none names an entry.
    if (segment === '') continue;
    if (!isDirectory(node) || !Object.hasOwn(node, segment)) return { kind: 'missing' };
    node = node[segment]!;
  }
  return isDirectory(node) ? { kind: 'listing', body: listing(node) } : { kind: 'leaf', value: node };
}

/** What an instance's metadata describes. */
export interface InstanceDescription {
  instanceId: string;
  accountId: string;
  region: string;
  availabilityZone: string;
  imageId: string;
  instanceType: string;
  privateIp: string;
  launchTime: Date;
  /** The attached instance profile; `iam/` is absent without one, as on EC2. */
  instanceProfile?: { arn: string; id: string; roleName?: string };
  /** Raw user data (decoded from the base64 EC2 takes); `user-data` is absent without it. */
  userData?: Buffer;
  /** Instance tags, served under `tags/instance/` when `InstanceMetadataTags=enabled`. */
  tags?: Record<string, string>;
  /** `services/partition` (and `services/domain`); `aws` by default. */
  partition?: string;
}

export interface TreeSources {
  /** The credential document (`security-credentials/<role>`), `extended` adds `AccountId`. */
  credentials(delivery: RoleDelivery, extended: boolean): Promise<string>;
  /** `iam/info`. */
  iamInfo(): string;
  /** The identity document and its base64 RSA-SHA256 signature. */
  identityDocument: string;
  identitySignature: MetadataLeaf;
  /** Its PKCS#7 SignedData (`pkcs7` and `rsa2048`); both leaves are absent without it. */
  identityPkcs7?: MetadataLeaf;
}

/**
 * The identity document (Amazon EC2 User Guide, Instance identity documents), with the fields in the
 * documented order.
 *
 * @example
 * identityDocument(description); // '{\n  "accountId" : "123456789012", ...'
 */
export function identityDocument(d: InstanceDescription): string {
  const fields: [string, string | null][] = [
    ['accountId', d.accountId],
    ['architecture', 'x86_64'],
    ['availabilityZone', d.availabilityZone],
    ['billingProducts', null],
    ['devpayProductCodes', null],
    ['marketplaceProductCodes', null],
    ['imageId', d.imageId],
    ['instanceId', d.instanceId],
    ['instanceType', d.instanceType],
    ['kernelId', null],
    ['pendingTime', d.launchTime.toISOString().replace(/\.\d{3}Z$/, 'Z')],
    ['privateIp', d.privateIp],
    ['ramdiskId', null],
    ['region', d.region],
    ['version', '2017-09-30'],
  ];
  const body = fields.map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`).join(',\n');
  return `{\n${body}\n}`;
}

/**
 * The versions EC2 lists at the root (Amazon EC2 User Guide, Retrieve instance metadata: "Get the
 * available versions of the instance metadata"). Tools pin one (cloud-init takes the newest of
 * `2021-03-23`, `2018-09-24`, `2016-09-02` that answers, else `2009-04-04`); each version serves
 * the categories released by then (`RELEASED_IN`).
 */
export const METADATA_VERSIONS = [
  '1.0',
  '2007-01-19',
  '2007-03-01',
  '2007-08-29',
  '2007-10-10',
  '2007-12-15',
  '2008-02-01',
  '2008-09-01',
  '2009-04-04',
  '2011-01-01',
  '2011-05-01',
  '2012-01-12',
  '2014-02-25',
  '2014-11-05',
  '2015-10-20',
  '2016-04-19',
  '2016-06-30',
  '2016-09-02',
  '2018-03-28',
  '2018-08-17',
  '2018-09-24',
  '2019-10-01',
  '2020-10-27',
  '2021-01-03',
  '2021-03-23',
  '2021-07-15',
  '2022-09-24',
  'latest',
] as const;

/** `services/domain` per partition (Amazon EC2 User Guide, Instance metadata categories). */
function serviceDomain(partition: string): string {
  return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** `network/interfaces/macs/<mac>/`: the instance's one interface. */
function interfaceTree(d: InstanceDescription, hostname: string, n: InstanceNetwork): MetadataDirectory {
  return {
    'device-number': '0',
    'interface-id': n.interfaceId,
    'local-hostname': hostname,
    'local-ipv4s': d.privateIp,
    mac: n.mac,
    'owner-id': d.accountId,
    'security-group-ids': n.securityGroupId,
    'security-groups': n.securityGroupName,
    'subnet-id': n.subnetId,
    'subnet-ipv4-cidr-block': n.subnetCidr,
    'vpc-id': n.vpcId,
    'vpc-ipv4-cidr-block': n.vpcCidr,
    'vpc-ipv4-cidr-blocks': n.vpcCidr,
  };
}

/** The whole tree of one instance, under every version of `METADATA_VERSIONS`. */
export function instanceTree(d: InstanceDescription, sources: TreeSources): MetadataDirectory {
  const hostname = `ip-${d.privateIp.replaceAll('.', '-')}.ec2.internal`;
  const network = instanceNetworkOf(d.instanceId, d.accountId, d.region);
  // Entries in EC2's (alphabetical) order.
  const metaData: Record<string, MetadataNode> = {
    'ami-id': d.imageId,
    'ami-launch-index': '0',
    'ami-manifest-path': '(unknown)',
    'block-device-mapping': { ami: 'xvda', root: '/dev/xvda' },
    // Nothing is ever scheduled for a credplane instance; both lists are empty JSON arrays.
    events: { maintenance: { history: '[]', scheduled: '[]' } },
    hostname,
  };
  const profile = d.instanceProfile;
  if (profile !== undefined) {
    const role = profile.roleName;
    const credentials = (extended: boolean): MetadataDirectory =>
      role === undefined ? {} : { [role]: (delivery) => sources.credentials(delivery, extended) };
    metaData.iam = {
      info: () => sources.iamInfo(),
      'security-credentials': credentials(false),
      'security-credentials-extended': credentials(true),
    };
  }
  Object.assign(metaData, {
    'instance-action': 'none',
    'instance-id': d.instanceId,
    'instance-life-cycle': 'on-demand',
    'instance-type': d.instanceType,
    'local-hostname': hostname,
    'local-ipv4': d.privateIp,
    mac: network.mac,
    network: { interfaces: { macs: { [network.mac]: interfaceTree(d, hostname, network) } } },
    placement: {
      'availability-zone': d.availabilityZone,
      'availability-zone-id': network.availabilityZoneId,
      region: d.region,
    },
    'reservation-id': `r-${network.interfaceId.slice(4)}`,
    'security-groups': network.securityGroupName,
    services: { domain: serviceDomain(d.partition ?? 'aws'), partition: d.partition ?? 'aws' },
  });
  if (d.tags !== undefined) metaData.tags = { instance: { ...d.tags } };
  const latest: Record<string, MetadataNode> = {
    dynamic: {
      'instance-identity': {
        document: sources.identityDocument,
        // EC2 signs with a DSA key for pkcs7 and an RSA-2048 key for rsa2048; credplane has one
        // RSA-2048 key, so both carry the same kind of signature.
        ...(sources.identityPkcs7 === undefined
          ? {}
          : { pkcs7: sources.identityPkcs7, rsa2048: sources.identityPkcs7 }),
        signature: sources.identitySignature,
      },
    },
    'meta-data': metaData,
  };
  if (d.userData !== undefined) latest['user-data'] = d.userData;
  return Object.fromEntries(
    METADATA_VERSIONS.map((version) => [version, version === 'latest' ? latest : asOf(latest, version, '')]),
  );
}

/**
 * The metadata build each category first appeared in (Amazon EC2 User Guide, Instance metadata
 * categories and Dynamic data categories, "Version when category was released"), by path from a
 * version's root. A path not listed has its closest listed ancestor's release; the rest is `1.0`.
 * Categories the guide does not date (`security-credentials-extended`, `rsa2048`) go with their
 * documented siblings.
 */
const RELEASED_IN: Readonly<Record<string, string>> = {
  dynamic: '2009-04-04',
  'meta-data/block-device-mapping': '2007-12-15',
  'meta-data/events': '2018-08-17',
  'meta-data/iam': '2012-01-12',
  'meta-data/instance-action': '2008-09-01',
  'meta-data/instance-life-cycle': '2019-10-01',
  'meta-data/instance-type': '2007-08-29',
  'meta-data/local-hostname': '2007-01-19',
  'meta-data/mac': '2011-01-01',
  'meta-data/network': '2011-01-01',
  'meta-data/placement': '2008-02-01',
  'meta-data/placement/availability-zone-id': '2020-08-24',
  'meta-data/placement/region': '2020-08-24',
  'meta-data/services': '2014-02-25',
  'meta-data/services/partition': '2015-10-20',
  'meta-data/tags': '2021-03-23',
};
/** Interface entries the guide dates later than the interface tree itself (2011-01-01). */
const INTERFACE_RELEASED_IN: Readonly<Record<string, string>> = {
  'vpc-ipv4-cidr-blocks': '2016-06-30',
};

/** `1.0` sorts before every dated build; dated builds sort as strings. */
function releasedBy(release: string, version: string): boolean {
  return release === '1.0' || (version !== '1.0' && release <= version);
}

/** `directory` (at `path` from a version's root) as build `version` serves it. */
function asOf(directory: MetadataDirectory, version: string, path: string): MetadataDirectory {
  const out: Record<string, MetadataNode> = {};
  for (const [name, node] of Object.entries(directory)) {
    const at = path === '' ? name : `${path}/${name}`;
    const interfaceEntry = /^meta-data\/network\/interfaces\/macs\/[^/]+\/([^/]+)$/.exec(at)?.[1];
    const release = RELEASED_IN[at] ?? (interfaceEntry && INTERFACE_RELEASED_IN[interfaceEntry]) ?? '1.0';
    if (!releasedBy(release, version)) continue;
    if (!isDirectory(node)) {
      out[name] = node;
      continue;
    }
    const kept = asOf(node, version, at);
    // A directory all of whose entries are newer than the build is absent, not empty; an empty
    // directory on `latest` (a profile without a role) stays empty.
    if (Object.keys(kept).length > 0 || Object.keys(node).length === 0) out[name] = kept;
  }
  return out;
}
