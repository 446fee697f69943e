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

/** The whole tree of one instance. */
export function instanceTree(d: InstanceDescription, sources: TreeSources): MetadataDirectory {
  const hostname = `ip-${d.privateIp.replaceAll('.', '-')}.ec2.internal`;
  const metaData: Record<string, MetadataNode> = {
    'ami-id': d.imageId,
    'ami-launch-index': '0',
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
    'instance-id': d.instanceId,
    'instance-type': d.instanceType,
    'local-hostname': hostname,
    'local-ipv4': d.privateIp,
    placement: {
      'availability-zone': d.availabilityZone,
      region: d.region,
    },
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
  return { latest };
}
