/**
 * Reading the policy simulator's request parameters (IAM API Reference, `SimulatePrincipalPolicy`,
 * `SimulateCustomPolicy`, `ContextEntry`): policy documents given as strings, action names,
 * resource ARNs, and typed context entries.
 *
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_ContextEntry.html
 */
import { isIP } from 'node:net';
import { InvalidInputError } from '../iam/errors.js';
import type { ContextInput } from '../policy/index.js';
import type { IamParams } from './params.js';
import { TEXT_RULES, checkText } from './params.js';

/** `ContextKeyTypeEnum` of the IAM model. */
export const CONTEXT_KEY_TYPES = [
  'string',
  'stringList',
  'numeric',
  'numericList',
  'boolean',
  'booleanList',
  'ip',
  'ipList',
  'binary',
  'binaryList',
  'date',
  'dateList',
] as const;
export type ContextKeyType = (typeof CONTEXT_KEY_TYPES)[number];

const SCALAR_CHECK: Partial<Record<string, (v: string) => boolean>> = {
  numeric: (v) => v.trim() !== '' && Number.isFinite(Number(v)),
  boolean: (v) => v === 'true' || v === 'false',
  date: (v) => !Number.isNaN(Date.parse(v)) || /^\d+$/.test(v),
  // An address or a CIDR block, IPv4 or IPv6, as the `IpAddress` operators take them (IAM User
  // Guide, "IP address condition operators").
  ip: isAddressOrCidr,
  // `ContextEntry` binary values travel base64-encoded (IAM API Reference, ContextEntry).
  binary: (v) => v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v),
};

function isAddressOrCidr(value: string): boolean {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash < 0) return true;
  const bits = value.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * `ContextEntries.member.N`: each key's values, typed as given. A scalar type with several values,
 * or a value that does not fit its type, is `InvalidInput`, as IAM refuses it.
 */
export function readContextEntries(input: IamParams, params: IamParamsView): Record<string, ContextInput> {
  const out: Record<string, ContextInput> = {};
  for (let n = 1; ; n++) {
    const prefix = `ContextEntries.member.${n}`;
    const name = params.get(`${prefix}.ContextKeyName`);
    const type = params.get(`${prefix}.ContextKeyType`);
    const values = params.list(`${prefix}.ContextKeyValues`);
    if (name === undefined && type === undefined && values.length === 0) break;
    for (const v of checkText(name, `contextEntries.${n}.member.contextKeyName`, { min: 5, max: 256 })) {
      input.violation(v);
    }
    if (type !== undefined && !(CONTEXT_KEY_TYPES as readonly string[]).includes(type)) {
      input.violation({
        field: `contextEntries.${n}.member.contextKeyType`,
        value: type,
        constraint: `satisfy enum value set: [${CONTEXT_KEY_TYPES.join(', ')}]`,
      });
      continue;
    }
    if (name === undefined) continue;
    const kind = (type ?? 'string') as ContextKeyType;
    const isList = kind.endsWith('List');
    const base = isList ? kind.slice(0, -4) : kind;
    if (!isList && values.length > 1) {
      throw new InvalidInputError(
        `Context key ${name} of type ${kind} takes one value; give type ${kind}List for several.`,
      );
    }
    const check = SCALAR_CHECK[base];
    for (const v of values) {
      if (check !== undefined && !check(v)) {
        throw new InvalidInputError(
          `The value ${JSON.stringify(v)} of context key ${name} is not a valid ${base}.`,
        );
      }
    }
    out[name] = isList ? values : (values[0] ?? '');
  }
  return out;
}

/** The raw parameter reads `readContextEntries` needs (a `QueryParams`). */
export interface IamParamsView {
  get(name: string): string | undefined;
  list(name: string): string[];
}

/** `PolicyInputList.member.N` / `PermissionsBoundaryPolicyInputList.member.N` documents. */
export function readPolicyList(input: IamParams, name: string, field: string): string[] {
  return input.list(name, field, (value, f) => checkText(value, f, TEXT_RULES.policyDocument));
}

/** `ActionNames.member.N`: required, each `service:Action` of 3 to 128 characters. */
export function readActionNames(input: IamParams): string[] {
  input.requireSent('ActionNames', 'actionNames');
  return input.list('ActionNames', 'actionNames', (value, f) => checkText(value, f, { min: 3, max: 128 }));
}

/** `ResourceArns.member.N`; none means `*`. */
export function readResourceArns(input: IamParams): string[] {
  return input.list('ResourceArns', 'resourceArns', (value, f) => checkText(value, f, { min: 1, max: 2048 }));
}
