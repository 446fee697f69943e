/**
 * `MetadataOptions` as requests give them (`RunInstances`' `MetadataOptions.*`,
 * `ModifyInstanceMetadataOptions`' top-level names), and `ModifyInstanceMetadataOptions`.
 */
import type { QueryParams } from '../protocol/query.js';
import { instanceIdOf, type InstanceSettings, type StoredMetadataOptions } from '../workloads/index.js';
import { oneInstance, type Ec2Operation } from './context.js';
import { InvalidParameterValue } from './errors.js';
import { metadataOptionsXml } from './instance-xml.js';

const CHOICES: Record<string, readonly string[]> = {
  HttpTokens: ['optional', 'required'],
  HttpEndpoint: ['enabled', 'disabled'],
  HttpProtocolIpv6: ['enabled', 'disabled'],
  InstanceMetadataTags: ['enabled', 'disabled'],
};

/** `MetadataOptions.*` (or the top-level names of `ModifyInstanceMetadataOptions`) over `base`. */
export function metadataOptions(
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

export const modifyInstanceMetadataOptions: Ec2Operation = async (ctx, params) => {
  const w = await oneInstance(ctx, params, 'ec2:ModifyInstanceMetadataOptions');
  const settings: InstanceSettings = {
    ...w.settings,
    metadataOptions: metadataOptions(params, '', w.settings.metadataOptions ?? {}),
  };
  await ctx.store.putWorkload(ctx.accountId, { kind: w.kind, name: w.name, roleName: w.roleName, settings });
  return { instanceId: instanceIdOf(w), instanceMetadataOptions: metadataOptionsXml(settings, 'pending') };
};
