/**
 * Account-level instance metadata defaults: `ModifyInstanceMetadataDefaults`,
 * `GetInstanceMetadataDefaults`, and the launch-time resolution `RunInstances` applies. On AWS each
 * option is resolved on its own at launch: the instance's `MetadataOptions` > the account default >
 * the AMI / EC2 default. Defaults change nothing for instances already running.
 *
 * The value lives in the Store as the account setting `ec2:instance-metadata-defaults`, in the API's
 * own names (`HttpTokens`, `HttpPutResponseHopLimit`, `HttpEndpoint`, `InstanceMetadataTags`); the
 * posture analyzer reads it from there.
 */
import type { JsonValue } from '../iam/types.js';
import type { QueryParams } from '../protocol/query.js';
import type { Store } from '../store/store.js';
import { DryRunOperation, InvalidParameterValue, UnsupportedOperation } from './errors.js';
import type { Ec2Operation } from './instances.js';
import type { StoredMetadataOptions } from '../workloads/index.js';

/** The account setting's name; shared with the posture analyzer. */
export const METADATA_DEFAULTS_SETTING = 'ec2:instance-metadata-defaults';

export interface InstanceMetadataDefaults {
  HttpTokens?: 'optional' | 'required';
  /** 1-64. */
  HttpPutResponseHopLimit?: number;
  HttpEndpoint?: 'enabled' | 'disabled';
  InstanceMetadataTags?: 'enabled' | 'disabled';
}

type ChoiceName = 'HttpTokens' | 'HttpEndpoint' | 'InstanceMetadataTags';

const CHOICES: Record<ChoiceName, readonly string[]> = {
  HttpTokens: ['optional', 'required'],
  HttpEndpoint: ['enabled', 'disabled'],
  InstanceMetadataTags: ['enabled', 'disabled'],
};

/** What removes an account default: `no-preference`, or `-1` for the hop limit (EC2 API). */
const NO_PREFERENCE = 'no-preference';

const validHop = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 64;

/** Keeps only well-formed fields, so a hand-edited or older setting cannot break launches. */
function normalize(value: JsonValue | undefined): InstanceMetadataDefaults {
  const raw = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  const out: InstanceMetadataDefaults = {};
  for (const [name, allowed] of Object.entries(CHOICES) as [ChoiceName, readonly string[]][]) {
    const v = raw[name];
    if (typeof v === 'string' && allowed.includes(v)) Object.assign(out, { [name]: v });
  }
  if (validHop(raw.HttpPutResponseHopLimit)) out.HttpPutResponseHopLimit = raw.HttpPutResponseHopLimit;
  return out;
}

/**
 * The account's defaults (`{}` when none are set).
 *
 * @example
 * const d = await readMetadataDefaults(store, '123456789012'); // { HttpTokens: 'required' }
 */
export async function readMetadataDefaults(
  store: Store,
  accountId: string,
): Promise<InstanceMetadataDefaults> {
  return normalize(await store.getAccountSetting(accountId, METADATA_DEFAULTS_SETTING));
}

/**
 * The metadata options an instance starts from before its own `MetadataOptions` are applied: the
 * account defaults over EC2's (`optional`, hop limit 1, `enabled`), in the workload settings' names.
 *
 * @example
 * launchMetadataOptions({ HttpTokens: 'required' });
 * // { httpTokens: 'required', httpPutResponseHopLimit: 1, httpEndpoint: 'enabled' }
 */
export function launchMetadataOptions(defaults: InstanceMetadataDefaults): StoredMetadataOptions {
  return {
    httpTokens: defaults.HttpTokens ?? 'optional',
    httpPutResponseHopLimit: defaults.HttpPutResponseHopLimit ?? 1,
    httpEndpoint: defaults.HttpEndpoint ?? 'enabled',
    ...(defaults.InstanceMetadataTags === undefined
      ? {}
      : { instanceMetadataTags: defaults.InstanceMetadataTags }),
  };
}

/** `DryRun=true`: EC2 checks permission, then answers `DryRunOperation` instead of acting. */
function checkDryRun(params: QueryParams): void {
  if (params.get('DryRun') === 'true') throw new DryRunOperation();
}

const modifyInstanceMetadataDefaults: Ec2Operation = async (ctx, params) => {
  ctx.authorize('ec2:ModifyInstanceMetadataDefaults', '*');
  const next: InstanceMetadataDefaults = await readMetadataDefaults(ctx.store, ctx.accountId);
  for (const [name, allowed] of Object.entries(CHOICES) as [ChoiceName, readonly string[]][]) {
    const value = params.get(name);
    if (value === undefined) continue;
    if (value === NO_PREFERENCE) {
      delete next[name];
    } else if (allowed.includes(value)) {
      Object.assign(next, { [name]: value });
    } else {
      throw new InvalidParameterValue(
        `The value '${value.slice(0, 64)}' is not valid for ${name}. Valid values: ${[...allowed, NO_PREFERENCE].join(', ')}`,
      );
    }
  }
  const hop = params.get('HttpPutResponseHopLimit');
  if (hop !== undefined) {
    if (hop === '-1') delete next.HttpPutResponseHopLimit;
    else if (/^\d{1,3}$/.test(hop) && validHop(Number(hop))) next.HttpPutResponseHopLimit = Number(hop);
    else {
      throw new InvalidParameterValue(
        `The value '${hop.slice(0, 16)}' is not valid for HttpPutResponseHopLimit. Valid values: 1-64, or -1 for no preference`,
      );
    }
  }
  const enforced = params.get('HttpTokensEnforced');
  if (enforced !== undefined && enforced !== NO_PREFERENCE) {
    // Launch-time IMDSv2 enforcement is not emulated; refusing beats pretending to enforce it.
    throw new UnsupportedOperation('credplane does not emulate HttpTokensEnforced');
  }
  checkDryRun(params);
  const stored: { [k: string]: JsonValue } = { ...next };
  await ctx.store.putAccountSetting(
    ctx.accountId,
    METADATA_DEFAULTS_SETTING,
    Object.keys(stored).length === 0 ? undefined : stored,
  );
  return { return: true };
};

const getInstanceMetadataDefaults: Ec2Operation = async (ctx, params) => {
  ctx.authorize('ec2:GetInstanceMetadataDefaults', '*');
  checkDryRun(params);
  const d = await readMetadataDefaults(ctx.store, ctx.accountId);
  return {
    accountLevel: {
      httpTokens: d.HttpTokens,
      httpPutResponseHopLimit: d.HttpPutResponseHopLimit,
      httpEndpoint: d.HttpEndpoint,
      instanceMetadataTags: d.InstanceMetadataTags,
      // No declarative policies here: the account manages its own defaults.
      managedBy: 'account',
    },
  };
};

export const METADATA_DEFAULTS_OPERATIONS: Readonly<Record<string, Ec2Operation>> = {
  ModifyInstanceMetadataDefaults: modifyInstanceMetadataDefaults,
  GetInstanceMetadataDefaults: getInstanceMetadataDefaults,
};
