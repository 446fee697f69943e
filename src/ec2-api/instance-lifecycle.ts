/** `RunInstances`, `DescribeInstances` and `TerminateInstances`. */
import { randomBytes } from 'node:crypto';
import type { InstanceProfile } from '../iam/types.js';
import type { QueryParams } from '../protocol/query.js';
import { instanceIdOf, instanceTags, metadataOptionsOf, type InstanceWorkload } from '../workloads/index.js';
import {
  filters,
  findInstances,
  hash,
  instanceArn,
  instanceIds,
  instances,
  MAX_RUN_COUNT,
  page,
  profileMap,
  profileOf,
  roleOf,
  type Ec2Operation,
} from './context.js';
import { InvalidParameterCombination, InvalidParameterValue, MissingParameter } from './errors.js';
import { instanceXml, metadataOptionsXml } from './instance-xml.js';
import { launchMetadataOptions, readMetadataDefaults } from './metadata-defaults.js';
import { metadataOptions } from './metadata-options.js';

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

export const runInstances: Ec2Operation = async (ctx, params) => {
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

export const describeInstances: Ec2Operation = async (ctx, params) => {
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

export const terminateInstances: Ec2Operation = async (ctx, params) => {
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
