/**
 * Instance profile associations: `AssociateIamInstanceProfile`,
 * `ReplaceIamInstanceProfileAssociation`, `DisassociateIamInstanceProfile`,
 * `DescribeIamInstanceProfileAssociations`.
 */
import type { QueryParams } from '../protocol/query.js';
import { instanceIdOf, type InstanceWorkload } from '../workloads/index.js';
import {
  filters,
  hash,
  instanceArn,
  instances,
  list,
  oneInstance,
  page,
  profileMap,
  profileOf,
  roleOf,
  type Ec2Context,
  type Ec2Operation,
} from './context.js';
import { IncorrectState, InvalidParameterValue, MissingParameter } from './errors.js';
import type { Ec2Node } from './xml.js';

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

export const associateIamInstanceProfile: Ec2Operation = async (ctx, params) => {
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

export const replaceIamInstanceProfileAssociation: Ec2Operation = async (ctx, params) => {
  const w = await byAssociation(ctx, params);
  ctx.authorize('ec2:ReplaceIamInstanceProfileAssociation', instanceArn(ctx, instanceIdOf(w)));
  return associate(ctx, params, w);
};

/**
 * Takes the profile off the instance. The workload keeps its last role only because the Store
 * binds every workload to one; without `instanceProfileName` the metadata service drops the
 * instance's credential sources and its `iam/` tree at once, as EC2 does.
 */
export const disassociateIamInstanceProfile: Ec2Operation = async (ctx, params) => {
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

/**
 * Every instance with a profile holds one association, reported `associated` (the change is
 * immediate here); `AssociationId.N` and the filters `instance-id` and `state` narrow the list.
 */
export const describeIamInstanceProfileAssociations: Ec2Operation = async (ctx, params) => {
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
