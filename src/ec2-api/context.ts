/**
 * What every EC2 instance operation shares: the request context, EC2's flattened list and paging
 * parameters, and finding instances and instance profiles in the Store.
 */
import { createHash } from 'node:crypto';
import { isAwsError } from '../errors.js';
import type { InstanceProfile } from '../iam/types.js';
import type { QueryParams } from '../protocol/query.js';
import type { Store } from '../store/store.js';
import { instanceIdOf, type InstanceWorkload } from '../workloads/index.js';
import {
  InvalidInstanceIdMalformed,
  InvalidInstanceIdNotFound,
  InvalidInstanceProfile,
  InvalidParameterValue,
  MissingParameter,
} from './errors.js';
import type { Ec2Node } from './xml.js';

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

export const INSTANCE_ID = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;

export function instanceArn(ctx: Ec2Context, id: string): string {
  return `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:instance/${id}`;
}

export const hash = (text: string, n: number): string =>
  createHash('sha256').update(text).digest('hex').slice(0, n);

/** `Name.1`, `Name.2`, ... until the first gap (EC2 lists are flattened). */
export function list(params: QueryParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; i <= 1000; i++) {
    const v = params.get(`${prefix}.${i}`);
    if (v === undefined) break;
    out.push(v);
  }
  return out;
}

export function instanceIds(params: QueryParams): string[] {
  const ids = list(params, 'InstanceId');
  for (const id of ids) if (!INSTANCE_ID.test(id)) throw new InvalidInstanceIdMalformed(id);
  return ids;
}

export async function instances(ctx: Ec2Context): Promise<InstanceWorkload[]> {
  return ctx.store.listWorkloads(ctx.accountId, { kind: 'ec2-instance' });
}

export async function findInstances(ctx: Ec2Context, ids: readonly string[]): Promise<InstanceWorkload[]> {
  const all = await instances(ctx);
  const found = ids.map((id) => all.find((w) => instanceIdOf(w) === id));
  const missing = ids.filter((_, i) => found[i] === undefined);
  if (missing.length > 0) throw new InvalidInstanceIdNotFound(missing);
  return found as InstanceWorkload[];
}

export async function profileOf(
  ctx: Ec2Context,
  params: QueryParams,
  prefix: string,
): Promise<InstanceProfile> {
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

export function roleOf(ctx: Ec2Context, profile: InstanceProfile): string {
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

export async function profileMap(ctx: Ec2Context): Promise<Map<string, InstanceProfile>> {
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

export function filters(params: QueryParams): { name: string; values: string[] }[] {
  const out: { name: string; values: string[] }[] = [];
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) {
    out.push({ name: params.get(`Filter.${i}.Name`)!, values: list(params, `Filter.${i}.Value`) });
  }
  return out;
}

export async function oneInstance(
  ctx: Ec2Context,
  params: QueryParams,
  action: string,
): Promise<InstanceWorkload> {
  const id = params.get('InstanceId');
  if (id === undefined) throw new MissingParameter('InstanceId');
  if (!INSTANCE_ID.test(id)) throw new InvalidInstanceIdMalformed(id);
  const [w] = await findInstances(ctx, [id]);
  ctx.authorize(action, instanceArn(ctx, id));
  return w!;
}

/** `MaxResults` (5-1000) and `NextToken` (an offset this API handed out) of a Describe call. */
export function page<T>(params: QueryParams, items: T[]): { items: T[]; nextToken?: string } {
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
