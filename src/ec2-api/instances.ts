/**
 * The EC2 instance operations the AWS CLI and SDKs use to run emulated instances: `RunInstances`
 * (with `IamInstanceProfile` and `MetadataOptions`), `DescribeInstances`, `TerminateInstances`,
 * `ModifyInstanceMetadataOptions`, `AssociateIamInstanceProfile`, `ReplaceIamInstanceProfileAssociation`,
 * `DisassociateIamInstanceProfile`, `DescribeIamInstanceProfileAssociations`.
 *
 * An instance is an `ec2-instance` workload named by its instance id; its settings hold what the
 * metadata service reads (`src/delivery/imds/service.ts`), so every change here applies to the
 * running metadata endpoint at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isAwsError } from '../errors.js';
import type { InstanceProfile } from '../iam/types.js';
import type { QueryParams } from '../protocol/query.js';
import type { Store } from '../store/store.js';
import {
  IncorrectState,
  InvalidInstanceIdMalformed,
  InvalidInstanceIdNotFound,
  InvalidInstanceProfile,
  InvalidParameterCombination,
  InvalidParameterValue,
  MissingParameter,
} from './errors.js';
import { launchMetadataOptions, readMetadataDefaults } from './metadata-defaults.js';
import type { Ec2Node } from './xml.js';
import {
  instanceIdOf,
  instanceTags,
  metadataOptionsOf,
  privateIpOf,
  type InstanceSettings,
  type InstanceWorkload,
  type StoredMetadataOptions,
} from '../workloads/index.js';

export interface Ec2Context {
  store: Store;
  accountId: string;
  partition: string;
  region: string;
  requestId: string;
  /** Throws `AccessDenied` unless the caller may perform `action` on `resource`. */
  authorize(action: string, resource: string): void;
}

export type Ec2Operation = (ctx: Ec2Context, params: QueryParams) => Promise<Ec2Node>;

/** Most instances one `RunInstances` call creates here. */
export const MAX_RUN_COUNT = 100;

const INSTANCE_ID = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;

function instanceArn(ctx: Ec2Context, id: string): string {
  return `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:instance/${id}`;
}

const hash = (text: string, n: number): string => createHash('sha256').update(text).digest('hex').slice(0, n);

/** `Name.1`, `Name.2`, ... until the first gap (EC2 lists are flattened). */
function list(params: QueryParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; i <= 1000; i++) {
    const v = params.get(`${prefix}.${i}`);
    if (v === undefined) break;
    out.push(v);
  }
  return out;
}

function instanceIds(params: QueryParams): string[] {
  const ids = list(params, 'InstanceId');
  for (const id of ids) if (!INSTANCE_ID.test(id)) throw new InvalidInstanceIdMalformed(id);
  return ids;
}

async function instances(ctx: Ec2Context): Promise<InstanceWorkload[]> {
  return ctx.store.listWorkloads(ctx.accountId, { kind: 'ec2-instance' });
}

async function findInstances(ctx: Ec2Context, ids: readonly string[]): Promise<InstanceWorkload[]> {
  const all = await instances(ctx);
  const found = ids.map((id) => all.find((w) => instanceIdOf(w) === id));
  const missing = ids.filter((_, i) => found[i] === undefined);
  if (missing.length > 0) throw new InvalidInstanceIdNotFound(missing);
  return found as InstanceWorkload[];
}

async function profileOf(ctx: Ec2Context, params: QueryParams, prefix: string): Promise<InstanceProfile> {
  const arn = params.get(`${prefix}.Arn`);
  const name = params.get(`${prefix}.Name`) ?? arn?.slice(arn.lastIndexOf('/') + 1);
  if (name === undefined || name === '') {
    throw new InvalidInstanceProfile('Give IamInstanceProfile.Name or IamInstanceProfile.Arn');
  }
  const profile = await ctx.store.getInstanceProfile(ctx.accountId, name).catch((error: unknown) => {
    if (isAwsError(error) && error.code === 'NoSuchEntity') return undefined;
    throw error;
  });
  if (profile === undefined || (arn !== undefined && arn !== profile.arn)) {
    const field = arn === undefined ? 'name' : 'arn';
    throw new InvalidInstanceProfile(
      `Value (${(arn ?? name).slice(0, 256)}) for parameter iamInstanceProfile.${field} is invalid. Invalid IAM Instance Profile ${field === 'name' ? 'name' : 'ARN'}`,
    );
  }
  return profile;
}

function roleOf(ctx: Ec2Context, profile: InstanceProfile): string {
  const role = profile.roles[0];
  if (role === undefined) {
    throw new InvalidParameterValue(
      `Value (${profile.arn}) for parameter iamInstanceProfile.arn is invalid. The instance profile has no role`,
    );
  }
  // Handing a role to an instance is passing it, as on AWS.
  ctx.authorize('iam:PassRole', role.arn);
  return role.roleName;
}

const CHOICES: Record<string, readonly string[]> = {
  HttpTokens: ['optional', 'required'],
  HttpEndpoint: ['enabled', 'disabled'],
  HttpProtocolIpv6: ['enabled', 'disabled'],
  InstanceMetadataTags: ['enabled', 'disabled'],
};

/** `MetadataOptions.*` (or the top-level names of `ModifyInstanceMetadataOptions`) over `base`. */
function metadataOptions(
  params: QueryParams,
  prefix: string,
  base: StoredMetadataOptions,
): StoredMetadataOptions {
  const out: StoredMetadataOptions = { ...base };
  for (const [name, allowed] of Object.entries(CHOICES)) {
    const value = params.get(`${prefix}${name}`);
    if (value === undefined) continue;
    if (!allowed.includes(value)) {
      throw new InvalidParameterValue(
        `The value '${value.slice(0, 64)}' is not valid for ${name}. Valid values: ${allowed.join(', ')}`,
      );
    }
    // Checked against CHOICES above, so the value fits the field's type.
    Object.assign(out, { [name[0]!.toLowerCase() + name.slice(1)]: value });
  }
  const hop = params.get(`${prefix}HttpPutResponseHopLimit`);
  if (hop !== undefined) {
    const n = Number(hop);
    if (!/^\d{1,3}$/.test(hop) || n < 1 || n > 64) {
      throw new InvalidParameterValue(
        `The value '${hop.slice(0, 16)}' is not valid for HttpPutResponseHopLimit. Valid range: 1-64`,
      );
    }
    out.httpPutResponseHopLimit = n;
  }
  return out;
}

function metadataOptionsXml(settings: InstanceSettings, state: string): Ec2Node {
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

function instanceXml(ctx: Ec2Context, w: InstanceWorkload, profiles: Map<string, InstanceProfile>): Ec2Node {
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

async function profileMap(ctx: Ec2Context): Promise<Map<string, InstanceProfile>> {
  const out = new Map<string, InstanceProfile>();
  let marker: string | undefined;
  do {
    const page = await ctx.store.listInstanceProfiles(ctx.accountId, {
      maxItems: 1000,
      ...(marker === undefined ? {} : { marker }),
    });
    for (const p of page.items) out.set(p.instanceProfileName.toLowerCase(), p);
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  return out;
}

function count(params: QueryParams, name: string): number {
  const raw = params.get(name);
  if (raw === undefined) throw new MissingParameter(name);
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1)
    throw new InvalidParameterValue(`Value (${raw.slice(0, 16)}) for parameter ${name} is invalid.`);
  return Number(raw);
}

function tagSpecifications(params: QueryParams): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (let i = 1; params.has(`TagSpecification.${i}.ResourceType`); i++) {
    if (params.get(`TagSpecification.${i}.ResourceType`) !== 'instance') continue;
    for (let j = 1; params.has(`TagSpecification.${i}.Tag.${j}.Key`); j++) {
      out.push({
        key: params.get(`TagSpecification.${i}.Tag.${j}.Key`)!,
        value: params.get(`TagSpecification.${i}.Tag.${j}.Value`) ?? '',
      });
    }
  }
  return out;
}

const runInstances: Ec2Operation = async (ctx, params) => {
  const imageId = params.get('ImageId');
  if (imageId === undefined) throw new MissingParameter('ImageId');
  const min = count(params, 'MinCount');
  const max = count(params, 'MaxCount');
  if (min > max) throw new InvalidParameterValue('MinCount must be less than or equal to MaxCount');
  if (min > MAX_RUN_COUNT) {
    throw new InvalidParameterValue(
      `credplane runs at most ${MAX_RUN_COUNT} instances per RunInstances call`,
    );
  }
  ctx.authorize('ec2:RunInstances', instanceArn(ctx, '*'));
  // The profile is optional, as on EC2: an instance without one has no role and its metadata
  // service serves no `iam/` tree.
  const withProfile =
    params.get('IamInstanceProfile.Name') !== undefined || params.get('IamInstanceProfile.Arn') !== undefined;
  const profile = withProfile ? await profileOf(ctx, params, 'IamInstanceProfile') : undefined;
  const roleName = profile === undefined ? '' : roleOf(ctx, profile);
  // Per option: the request's MetadataOptions > the account defaults > EC2's defaults.
  const options = metadataOptions(
    params,
    'MetadataOptions.',
    launchMetadataOptions(await readMetadataDefaults(ctx.store, ctx.accountId)),
  );
  const tags = tagSpecifications(params);
  const userData = params.get('UserData');
  const created: InstanceWorkload[] = [];
  for (let i = 0; i < Math.min(max, MAX_RUN_COUNT); i++) {
    const instanceId = `i-${randomBytes(9).toString('hex').slice(0, 17)}`;
    created.push(
      await ctx.store.putWorkload(ctx.accountId, {
        kind: 'ec2-instance',
        name: instanceId,
        roleName,
        settings: {
          instanceId,
          imageId,
          instanceType: params.get('InstanceType') ?? 'm1.small',
          ...(profile === undefined
            ? {}
            : { instanceProfileName: profile.instanceProfileName, associatedAt: new Date().toISOString() }),
          metadataOptions: options,
          ...(userData === undefined ? {} : { userData }),
          tags,
        },
      }),
    );
  }
  const profiles = new Map(
    profile === undefined ? [] : [[profile.instanceProfileName.toLowerCase(), profile]],
  );
  return {
    reservationId: `r-${hash(instanceIdOf(created[0]!), 17)}`,
    ownerId: ctx.accountId,
    groupSet: [],
    instancesSet: created.map((w) => ({
      ...instanceXml(ctx, w, profiles),
      instanceState: { code: 0, name: 'pending' },
      // EC2 answers a launch with the options still `pending`; DescribeInstances says `applied`
      // once the instance serves them (Amazon EC2 API Reference, InstanceMetadataOptionsResponse:
      // State), which for credplane is as soon as the launch is stored.
      metadataOptions: metadataOptionsXml(w.settings, 'pending'),
    })),
  };
};

function filters(params: QueryParams): { name: string; values: string[] }[] {
  const out: { name: string; values: string[] }[] = [];
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) {
    out.push({ name: params.get(`Filter.${i}.Name`)!, values: list(params, `Filter.${i}.Value`) });
  }
  return out;
}

function matches(
  w: InstanceWorkload,
  filter: { name: string; values: string[] },
  profiles: Map<string, InstanceProfile>,
): boolean {
  const any = (value: string | undefined): boolean => value !== undefined && filter.values.includes(value);
  switch (filter.name) {
    case 'instance-id':
      return any(instanceIdOf(w));
    case 'instance-state-name':
      return any('running');
    case 'image-id':
      return any(w.settings.imageId);
    case 'iam-instance-profile.arn':
      return any(profiles.get((w.settings.instanceProfileName ?? '').toLowerCase())?.arn);
    case 'metadata-options.http-tokens':
      return any(metadataOptionsOf(w.settings).httpTokens);
    default:
      if (filter.name.startsWith('tag:')) {
        const key = filter.name.slice(4);
        return instanceTags(w.settings).some((t) => t.key === key && filter.values.includes(t.value));
      }
      throw new InvalidParameterValue(`The filter '${filter.name.slice(0, 64)}' is invalid`);
  }
}

const describeInstances: Ec2Operation = async (ctx, params) => {
  ctx.authorize('ec2:DescribeInstances', '*');
  const ids = instanceIds(params);
  // DescribeInstances (EC2 API Reference): "You cannot specify this parameter and the instance IDs
  // parameter in the same request."
  if (ids.length > 0 && params.get('MaxResults') !== undefined) {
    throw new InvalidParameterCombination(
      'The parameter instancesSet cannot be used with the parameter maxResults',
    );
  }
  const selected = ids.length > 0 ? await findInstances(ctx, ids) : await instances(ctx);
  const profiles = await profileMap(ctx);
  const wanted = filters(params);
  const result = page(
    params,
    selected.filter((w) => wanted.every((f) => matches(w, f, profiles))),
  );
  return {
    reservationSet: result.items.map((w) => ({
      reservationId: `r-${hash(instanceIdOf(w), 17)}`,
      ownerId: ctx.accountId,
      groupSet: [],
      instancesSet: [instanceXml(ctx, w, profiles)],
    })),
    nextToken: result.nextToken,
  };
};

const terminateInstances: Ec2Operation = async (ctx, params) => {
  const ids = instanceIds(params);
  if (ids.length === 0) throw new MissingParameter('InstanceId');
  const found = await findInstances(ctx, ids);
  for (const id of ids) ctx.authorize('ec2:TerminateInstances', instanceArn(ctx, id));
  for (const w of found) await ctx.store.deleteWorkload(ctx.accountId, w.kind, w.name);
  return {
    instancesSet: ids.map((instanceId) => ({
      instanceId,
      currentState: { code: 32, name: 'shutting-down' },
      previousState: { code: 16, name: 'running' },
    })),
  };
};

async function oneInstance(ctx: Ec2Context, params: QueryParams, action: string): Promise<InstanceWorkload> {
  const id = params.get('InstanceId');
  if (id === undefined) throw new MissingParameter('InstanceId');
  if (!INSTANCE_ID.test(id)) throw new InvalidInstanceIdMalformed(id);
  const [w] = await findInstances(ctx, [id]);
  ctx.authorize(action, instanceArn(ctx, id));
  return w!;
}

const modifyInstanceMetadataOptions: Ec2Operation = async (ctx, params) => {
  const w = await oneInstance(ctx, params, 'ec2:ModifyInstanceMetadataOptions');
  const settings: InstanceSettings = {
    ...w.settings,
    metadataOptions: metadataOptions(params, '', w.settings.metadataOptions ?? {}),
  };
  await ctx.store.putWorkload(ctx.accountId, { kind: w.kind, name: w.name, roleName: w.roleName, settings });
  return { instanceId: instanceIdOf(w), instanceMetadataOptions: metadataOptionsXml(settings, 'pending') };
};

function associationId(instanceId: string, profileName: string): string {
  return `iip-assoc-${hash(`${instanceId}\u0000${profileName.toLowerCase()}`, 17)}`;
}

async function associate(ctx: Ec2Context, params: QueryParams, w: InstanceWorkload): Promise<Ec2Node> {
  const profile = await profileOf(ctx, params, 'IamInstanceProfile');
  const roleName = roleOf(ctx, profile);
  await ctx.store.putWorkload(ctx.accountId, {
    kind: w.kind,
    name: w.name,
    roleName,
    settings: {
      ...w.settings,
      instanceProfileName: profile.instanceProfileName,
      associatedAt: new Date().toISOString(),
    },
  });
  const instanceId = instanceIdOf(w);
  return {
    iamInstanceProfileAssociation: {
      associationId: associationId(instanceId, profile.instanceProfileName),
      instanceId,
      iamInstanceProfile: { arn: profile.arn, id: profile.instanceProfileId },
      state: 'associating',
    },
  };
}

const associateIamInstanceProfile: Ec2Operation = async (ctx, params) => {
  const w = await oneInstance(ctx, params, 'ec2:AssociateIamInstanceProfile');
  // One association per instance: changing it is ReplaceIamInstanceProfileAssociation's job.
  if (w.settings.instanceProfileName !== undefined) {
    throw new IncorrectState(`There is an existing association for instance ${instanceIdOf(w)}`);
  }
  return associate(ctx, params, w);
};

/** The instance holding association `AssociationId`; instances without a profile hold none. */
async function byAssociation(ctx: Ec2Context, params: QueryParams): Promise<InstanceWorkload> {
  const id = params.get('AssociationId');
  if (id === undefined) throw new MissingParameter('AssociationId');
  const w = (await instances(ctx)).find((x) => {
    const profileName = x.settings.instanceProfileName;
    return profileName !== undefined && associationId(instanceIdOf(x), profileName) === id;
  });
  if (w === undefined) {
    throw new InvalidParameterValue(`An association with ID ${id.slice(0, 64)} does not exist.`);
  }
  return w;
}

const replaceIamInstanceProfileAssociation: Ec2Operation = async (ctx, params) => {
  const w = await byAssociation(ctx, params);
  ctx.authorize('ec2:ReplaceIamInstanceProfileAssociation', instanceArn(ctx, instanceIdOf(w)));
  return associate(ctx, params, w);
};

/**
 * Takes the profile off the instance. The workload keeps its last role only because the Store
 * binds every workload to one; without `instanceProfileName` the metadata service drops the
 * instance's credential sources and its `iam/` tree at once, as EC2 does.
 */
const disassociateIamInstanceProfile: Ec2Operation = async (ctx, params) => {
  const w = await byAssociation(ctx, params);
  const instanceId = instanceIdOf(w);
  ctx.authorize('ec2:DisassociateIamInstanceProfile', instanceArn(ctx, instanceId));
  const profileName = w.settings.instanceProfileName!;
  const profile = (await profileMap(ctx)).get(profileName.toLowerCase());
  const { instanceProfileName: _dropped, associatedAt: _since, ...settings } = w.settings;
  await ctx.store.putWorkload(ctx.accountId, { kind: w.kind, name: w.name, roleName: w.roleName, settings });
  return {
    iamInstanceProfileAssociation: {
      associationId: associationId(instanceId, profileName),
      instanceId,
      // The profile may have been deleted since it was associated; EC2 still names the association.
      ...(profile === undefined
        ? {}
        : { iamInstanceProfile: { arn: profile.arn, id: profile.instanceProfileId } }),
      state: 'disassociating',
    },
  };
};

/** When the instance's profile was associated (recorded since associations became describable). */
function associatedAt(w: InstanceWorkload): string {
  return w.settings.associatedAt ?? w.createDate.toISOString();
}

/** `MaxResults` (5-1000) and `NextToken` (an offset this API handed out) of a Describe call. */
function page<T>(params: QueryParams, items: T[]): { items: T[]; nextToken?: string } {
  const max = params.get('MaxResults');
  const token = params.get('NextToken');
  if (max !== undefined && (!/^\d{1,4}$/.test(max) || Number(max) < 5 || Number(max) > 1000)) {
    throw new InvalidParameterValue(
      `Value ( ${max.slice(0, 16)} ) for parameter maxResults is invalid. Parameter must be between 5 and 1000.`,
    );
  }
  if (token !== undefined && !/^\d{1,9}$/.test(token)) {
    throw new InvalidParameterValue(`Invalid value for NextToken: ${token.slice(0, 64)}`);
  }
  const start = token === undefined ? 0 : Number(token);
  const end = max === undefined ? items.length : start + Number(max);
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { nextToken: String(end) } : {}),
  };
}

/**
 * Every instance with a profile holds one association, reported `associated` (the change is
 * immediate here); `AssociationId.N` and the filters `instance-id` and `state` narrow the list.
 */
const describeIamInstanceProfileAssociations: Ec2Operation = async (ctx, params) => {
  ctx.authorize('ec2:DescribeIamInstanceProfileAssociations', '*');
  const ids = list(params, 'AssociationId');
  const wanted = filters(params);
  for (const f of wanted) {
    if (f.name !== 'instance-id' && f.name !== 'state') {
      throw new InvalidParameterValue(`The filter '${f.name.slice(0, 64)}' is invalid`);
    }
  }
  const profiles = await profileMap(ctx);
  const all = (await instances(ctx)).flatMap((w) => {
    const profileName = w.settings.instanceProfileName;
    if (profileName === undefined) return [];
    const instanceId = instanceIdOf(w);
    return [{ w, instanceId, profileName, associationId: associationId(instanceId, profileName) }];
  });
  const missing = ids.filter((id) => !all.some((a) => a.associationId === id));
  if (missing.length > 0) {
    throw new InvalidParameterValue(`An association with ID ${missing[0]!.slice(0, 64)} does not exist.`);
  }
  const selected = all.filter(
    (a) =>
      (ids.length === 0 || ids.includes(a.associationId)) &&
      wanted.every((f) => f.values.includes(f.name === 'instance-id' ? a.instanceId : 'associated')),
  );
  const result = page(params, selected);
  return {
    iamInstanceProfileAssociationSet: result.items.map((a) => {
      const profile = profiles.get(a.profileName.toLowerCase());
      return {
        associationId: a.associationId,
        instanceId: a.instanceId,
        ...(profile === undefined
          ? {}
          : { iamInstanceProfile: { arn: profile.arn, id: profile.instanceProfileId } }),
        state: 'associated',
        timestamp: associatedAt(a.w),
      };
    }),
    nextToken: result.nextToken,
  };
};

export const INSTANCE_OPERATIONS: Readonly<Record<string, Ec2Operation>> = {
  RunInstances: runInstances,
  DescribeInstances: describeInstances,
  TerminateInstances: terminateInstances,
  ModifyInstanceMetadataOptions: modifyInstanceMetadataOptions,
  AssociateIamInstanceProfile: associateIamInstanceProfile,
  ReplaceIamInstanceProfileAssociation: replaceIamInstanceProfileAssociation,
  DisassociateIamInstanceProfile: disassociateIamInstanceProfile,
  DescribeIamInstanceProfileAssociations: describeIamInstanceProfileAssociations,
};
