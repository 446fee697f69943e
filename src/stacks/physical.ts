/**
 * Physical names and attributes: what `Ref` and `Fn::GetAtt` give for each resource type, by
 * CloudFormation's rules, and the names CloudFormation generates when a template gives none.
 *
 * Generated names look like CloudFormation's (`<stack>-<logicalId>-<13 upper alnum>`), but the
 * random part is derived, not drawn: SHA-256 over (partition, account, region, stack, logical id).
 * Re-applying the same stack therefore yields the same names (no churn), while the same template
 * deployed as another stack, or in another account or region, gets different ones.
 */
import { createHash } from 'node:crypto';
import type { Value } from './intrinsics.js';

/** The stack a template is being loaded as. */
export interface StackEnv {
  stackName: string;
  accountId: string;
  region: string;
  partition: string;
}

/** A value the template needs that exists only once the resource does (a RoleId, an instance id). */
export interface PhysicalRequest {
  logicalId: string;
  type: string;
  /** The attribute name (`RoleId`, `InstanceId`, ...); `Ref` for the physical id itself. */
  attribute: string;
  /** The resource's name when it has one (role name, family, function name). */
  physicalName?: string;
}

/**
 * Supplied by the apply step (from the Store), or a fake in tests. Returns undefined while the value
 * is not known (a plan before the first apply); the template then carries a placeholder and a warning.
 */
export type PhysicalResolver = (request: PhysicalRequest) => string | undefined;

/** The placeholder for a value known only after apply. */
export function knownAfterApply(logicalId: string, attribute: string): string {
  return `<known after apply: ${logicalId}.${attribute}>`;
}

/** True when a value is (or contains) a placeholder of `knownAfterApply`. */
export function hasPlaceholder(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes('<known after apply: ');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SUFFIX_LENGTH = 13;

/**
 * The deterministic "random" suffix for a (stack, logical id). Bytes of SHA-256 are mapped to
 * [A-Z0-9] by rejection sampling (a byte >= 252 is skipped) so every character is uniform.
 */
export function nameSuffix(env: StackEnv, logicalId: string, length = SUFFIX_LENGTH): string {
  let out = '';
  for (let counter = 0; out.length < length; counter += 1) {
    const digest = createHash('sha256')
      .update(
        [env.partition, env.accountId, env.region, env.stackName, logicalId, String(counter)].join('\u0000'),
      )
      .digest();
    for (const byte of digest) {
      if (byte >= 252) continue;
      out += ALPHABET[byte % 36];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * `<stack>-<logicalId>-<suffix>`, cut to `maxLength`: when too long, the stack name and the
 * logical id are each shortened, the longer one first, so both stay recognisable.
 *
 * @example
 * generatedName(env, 'AppRole', 64); // 'demo-AppRole-K3Q9X0ZP1M2AB'
 */
export function generatedName(env: StackEnv, logicalId: string, maxLength: number): string {
  const suffix = nameSuffix(env, logicalId);
  const budget = Math.max(2, maxLength - suffix.length - 2);
  let stack = env.stackName;
  let logical = logicalId;
  while (stack.length + logical.length > budget) {
    if (stack.length >= logical.length) stack = stack.slice(0, -1);
    else logical = logical.slice(0, -1);
  }
  return `${stack}-${logical}-${suffix}`;
}

/** Generated-name length limits per type (the name's own IAM/Lambda/ECS limit). */
export const NAME_LIMITS = {
  'AWS::IAM::Role': 64,
  'AWS::IAM::ManagedPolicy': 128,
  'AWS::IAM::Policy': 128,
  'AWS::IAM::InstanceProfile': 128,
  'AWS::IAM::User': 64,
  'AWS::IAM::Group': 128,
  'AWS::IAM::UserToGroupAddition': 128,
  'AWS::Lambda::Function': 64,
  'AWS::ECS::TaskDefinition': 255,
} as const;

/** What a resource answers to `Ref` and `Fn::GetAtt`. Attributes are lazy: the resolver is asked only on use. */
export interface ResourceIdentity {
  ref: () => Value;
  attributes: Record<string, () => Value>;
  /** For types credplane does not model: any attribute name is passed to the resolver. */
  anyAttribute?: (attribute: string) => Value;
}

function iamArn(env: StackEnv, kind: string, path: string, name: string): string {
  return `arn:${env.partition}:iam::${env.accountId}:${kind}${path}${name}`;
}

/** Asks the resolver, falling back to a placeholder (and noting it). */
export function askResolver(
  resolver: PhysicalResolver,
  request: PhysicalRequest,
  onUnknown: (request: PhysicalRequest) => void,
): string {
  const value = resolver(request);
  if (value !== undefined) return value;
  onUnknown(request);
  return knownAfterApply(request.logicalId, request.attribute);
}

export interface IdentityInput {
  env: StackEnv;
  logicalId: string;
  type: string;
  /** The resource's name as the template resolved it, or its generated one. */
  name?: string;
  path?: string;
  ask: (attribute: string, physicalName?: string) => string;
}

/**
 * The `Ref` value and attributes of a resource of a supported type, by CloudFormation's rules:
 * Role → name (`Arn`, `RoleId`); User → name (`Arn`); Group → name (`Arn`); UserToGroupAddition
 * → its generated physical id (no attributes); ManagedPolicy → ARN (`PolicyArn`); InstanceProfile → name
 * (`Arn`); OIDCProvider → ARN (`Arn`); Instance → instance id; TaskDefinition → ARN; Lambda
 * Function → name (`Arn`); PodIdentityAssociation → association ARN (`AssociationArn`,
 * `AssociationId`). Anything else is asked of the resolver.
 */
export function identify(input: IdentityInput): ResourceIdentity {
  const { env, logicalId, type, ask } = input;
  const name = input.name ?? logicalId;
  const path = input.path ?? '/';
  const fixed = (v: Value) => () => v;
  const asked = (attribute: string) => () => ask(attribute, input.name);
  switch (type) {
    case 'AWS::IAM::Role': {
      const arn = iamArn(env, 'role', path, name);
      return { ref: fixed(name), attributes: { Arn: fixed(arn), RoleId: asked('RoleId') } };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const arn = iamArn(env, 'policy', path, name);
      return {
        ref: fixed(arn),
        attributes: {
          PolicyArn: fixed(arn),
          PolicyId: asked('PolicyId'),
          DefaultVersionId: asked('DefaultVersionId'),
          IsAttachable: fixed('true'),
        },
      };
    }
    case 'AWS::IAM::Policy':
      return { ref: fixed(name), attributes: { Id: fixed(name) } };
    case 'AWS::IAM::User':
      return { ref: fixed(name), attributes: { Arn: fixed(iamArn(env, 'user', path, name)) } };
    case 'AWS::IAM::Group':
      return { ref: fixed(name), attributes: { Arn: fixed(iamArn(env, 'group', path, name)) } };
    case 'AWS::IAM::UserToGroupAddition':
      // CloudFormation documents Ref (the resource's name) and no attributes.
      return { ref: fixed(name), attributes: {} };
    case 'AWS::IAM::InstanceProfile':
      return { ref: fixed(name), attributes: { Arn: fixed(iamArn(env, 'instance-profile', path, name)) } };
    case 'AWS::IAM::OIDCProvider': {
      const arn = iamArn(env, 'oidc-provider/', '', name);
      return { ref: fixed(arn), attributes: { Arn: fixed(arn) } };
    }
    case 'AWS::EC2::Instance': {
      const attributes: Record<string, () => Value> = {};
      for (const a of [
        'InstanceId',
        'AvailabilityZone',
        'PrivateDnsName',
        'PrivateIp',
        'PublicDnsName',
        'PublicIp',
        'VpcId',
      ]) {
        attributes[a] = asked(a);
      }
      return { ref: asked('InstanceId'), attributes };
    }
    case 'AWS::ECS::TaskDefinition':
      // The revision number exists only once registered, so the whole ARN comes from the resolver.
      return {
        ref: asked('TaskDefinitionArn'),
        attributes: { TaskDefinitionArn: asked('TaskDefinitionArn') },
      };
    case 'AWS::EKS::PodIdentityAssociation':
      return {
        ref: asked('AssociationArn'),
        attributes: { AssociationArn: asked('AssociationArn'), AssociationId: asked('AssociationId') },
      };
    case 'AWS::Lambda::Function':
      return {
        ref: fixed(name),
        attributes: {
          Arn: fixed(`arn:${env.partition}:lambda:${env.region}:${env.accountId}:function:${name}`),
        },
      };
    default:
      return { ref: asked('Ref'), attributes: {}, anyAttribute: (attribute) => ask(attribute, input.name) };
  }
}

/** `amazonaws.com`, or the partition's own suffix. */
export function urlSuffix(partition: string): string {
  if (partition === 'aws-cn') return 'amazonaws.com.cn';
  if (partition === 'aws-iso') return 'c2s.ic.gov';
  if (partition === 'aws-iso-b') return 'sc2s.sgov.gov';
  return 'amazonaws.com';
}
