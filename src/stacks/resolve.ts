/**
 * A parsed template to a desired state: parameters, pseudo parameters, mappings and conditions
 * first; then resources in dependency order, each evaluated, checked against its type's schema and
 * turned into a record; then outputs. Every resource is checked before giving up, so one
 * `TemplateError` lists every broken resource.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { collectReferences, topologicalOrder, type Reference } from './dependencies.js';
import type { DesiredState, LambdaCodeSource, PolicyDocument, ResourceRecord, Tag } from './desired.js';
import { emptyState } from './desired.js';
import { TemplateError, templateError, type TemplateIssue } from './errors.js';
import {
  asString,
  describeValue,
  evaluate,
  evaluateAt,
  failAt,
  NO_VALUE,
  type EvalScope,
  type Evaluated,
  type Value,
} from './intrinsics.js';
import { childPath, entry, type FnNode, type MapNode, type TemplateNode } from './node.js';
import { resolveParameters, type ParameterInput, type ResolvedParameter } from './parameters.js';
import {
  askResolver,
  generatedName,
  identify,
  NAME_LIMITS,
  urlSuffix,
  type PhysicalRequest,
  type PhysicalResolver,
  type ResourceIdentity,
  type StackEnv,
} from './physical.js';
import {
  IGNORED_PROPERTIES,
  isSupportedType,
  SUPPORTED_TYPES,
  type PropertiesOf,
  type SupportedType,
} from './schema.js';

export interface ResolveOptions {
  stackName: string;
  accountId: string;
  region: string;
  /** `aws` unless given. */
  partition?: string;
  parameters?: Readonly<Record<string, ParameterInput>>;
  /** Values only known once resources exist; without one, they are placeholders. */
  resolver?: PhysicalResolver;
  /** Exports of other stacks, for `Fn::ImportValue`. */
  imports?: Readonly<Record<string, string>>;
}

const TOP_LEVEL = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Mappings',
  'Conditions',
  'Resources',
  'Outputs',
  'Rules',
  'Transform',
]);

const RESOURCE_ATTRIBUTES = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'Metadata',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'CreationPolicy',
  'UpdatePolicy',
]);

const POLICY_VALUES = ['Delete', 'Retain', 'Snapshot', 'RetainExceptOnCreate'];

/** CloudFormation's own cap on resources per template. */
const MAX_RESOURCES = 500;

function issueAt(node: TemplateNode, message: string, logicalId?: string): TemplateIssue {
  return {
    path: node.path,
    message,
    ...(node.position ? { position: node.position } : {}),
    ...(logicalId !== undefined ? { logicalId } : {}),
  };
}

interface ResourceDecl {
  logicalId: string;
  node: MapNode;
  type: string;
  typeNode: TemplateNode;
  properties?: TemplateNode;
  dependsOn: { name: string; node: TemplateNode }[];
  condition?: { name: string; node: TemplateNode };
}

/** The pieces every evaluation shares. */
class Resolution {
  readonly env: StackEnv;
  readonly params: Map<string, ResolvedParameter>;
  readonly mappings: MapNode | undefined;
  readonly conditionNodes = new Map<string, TemplateNode>();
  readonly conditionValues = new Map<string, boolean>();
  private readonly conditionsInProgress: string[] = [];
  readonly resources = new Map<string, ResourceDecl>();
  readonly included = new Set<string>();
  readonly identities = new Map<string, ResourceIdentity>();
  /** Resources whose own evaluation failed: references to them are not reported again. */
  readonly broken = new Set<string>();
  readonly warnings: TemplateIssue[] = [];
  readonly resolver: PhysicalResolver;
  readonly imports: Readonly<Record<string, string>>;

  constructor(root: MapNode, options: ResolveOptions) {
    this.env = {
      stackName: options.stackName,
      accountId: options.accountId,
      region: options.region,
      partition: options.partition ?? 'aws',
    };
    this.resolver = options.resolver ?? (() => undefined);
    this.imports = options.imports ?? {};
    this.params = resolveParameters(entry(root, 'Parameters')?.value, options.parameters ?? {});
    const mappings = entry(root, 'Mappings')?.value;
    if (mappings !== undefined) checkMappings(mappings);
    this.mappings = mappings as MapNode | undefined;
    const conditions = entry(root, 'Conditions')?.value;
    if (conditions !== undefined) {
      if (conditions.kind !== 'map') throw templateError(issueAt(conditions, 'Conditions must be a map'));
      for (const e of conditions.entries) this.conditionNodes.set(e.key, e.value);
    }
  }

  pseudo(name: string): Evaluated | undefined {
    const { env } = this;
    switch (name) {
      case 'AWS::AccountId':
        return env.accountId;
      case 'AWS::Region':
        return env.region;
      case 'AWS::Partition':
        return env.partition;
      case 'AWS::StackName':
        return env.stackName;
      case 'AWS::URLSuffix':
        return urlSuffix(env.partition);
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
      case 'AWS::StackId': {
        // A stable id for the stack (CloudFormation draws a UUID at creation; credplane derives one).
        const h = createHash('sha256')
          .update(`${env.partition}/${env.accountId}/${env.region}/${env.stackName}`)
          .digest('hex');
        const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
        return `arn:${env.partition}:cloudformation:${env.region}:${env.accountId}:stack/${env.stackName}/${uuid}`;
      }
      default:
        return undefined;
    }
  }

  condition(name: string, at: TemplateNode): boolean {
    const known = this.conditionValues.get(name);
    if (known !== undefined) return known;
    const node = this.conditionNodes.get(name);
    if (node === undefined) return failAt(at, `condition ${name} is not defined in Conditions`);
    if (this.conditionsInProgress.includes(name)) {
      const cycle = [...this.conditionsInProgress.slice(this.conditionsInProgress.indexOf(name)), name];
      return failAt(node, `Circular dependency between conditions: ${cycle.join(' -> ')}`, name);
    }
    this.conditionsInProgress.push(name);
    try {
      const value = evaluate(node, this.scope('condition', name));
      if (typeof value !== 'boolean') {
        return failAt(
          node,
          `condition ${name} must be a condition function (Fn::Equals, ...), found ${describeValue(value)}`,
          name,
        );
      }
      this.conditionValues.set(name, value);
      return value;
    } finally {
      this.conditionsInProgress.pop();
    }
  }

  /** An evaluation scope; in `condition` mode only parameters, pseudo parameters, mappings and conditions resolve. */
  scope(mode: 'condition' | 'resource' | 'output', owner: string, located?: EvalScope['located']): EvalScope {
    return {
      ref: (name, at) => {
        const param = this.params.get(name);
        if (param) return param.value;
        const pseudo = this.pseudo(name);
        if (pseudo !== undefined) return pseudo;
        if (mode === 'condition')
          return failAt(at, `Conditions can only refer to parameters, not ${name}`, owner);
        return this.resource(name, at, owner).ref();
      },
      getAtt: (logicalId, attribute, at) => {
        if (mode === 'condition') return failAt(at, 'Conditions cannot use Fn::GetAtt', owner);
        const identity = this.resource(logicalId, at, owner);
        const get = identity.attributes[attribute];
        if (get) return get();
        if (identity.anyAttribute) return identity.anyAttribute(attribute);
        const known = Object.keys(identity.attributes).join(', ');
        const type = this.resources.get(logicalId)?.type ?? '';
        return failAt(at, `${type} ${logicalId} has no attribute ${attribute} (it has: ${known})`, owner);
      },
      condition: (name, at) => this.condition(name, at),
      findInMap: (mapName, top, second, at) => this.findInMap(mapName, top, second, at),
      importValue: (name, at) => {
        const value = Object.prototype.hasOwnProperty.call(this.imports, name)
          ? this.imports[name]
          : undefined;
        if (value === undefined)
          return failAt(at, `no export named ${name} is known (pass it in imports)`, owner);
        return value;
      },
      ...(located ? { located } : {}),
    };
  }

  private resource(logicalId: string, at: FnNode, owner: string): ResourceIdentity {
    const identity = this.identities.get(logicalId);
    if (identity) return identity;
    if (this.broken.has(logicalId)) throw new BrokenReference();
    if (this.resources.has(logicalId) && !this.included.has(logicalId)) {
      return failAt(at, `${logicalId} is not created (its Condition is false) but is referenced here`, owner);
    }
    return failAt(
      at,
      `Unresolved reference: ${logicalId} is not a parameter, pseudo parameter or resource`,
      owner,
    );
  }

  private findInMap(mapName: string, top: string, second: string, at: FnNode): Value {
    const where = `Fn::FindInMap [${mapName}, ${top}, ${second}]`;
    const map = this.mappings ? entry(this.mappings, mapName)?.value : undefined;
    if (map?.kind !== 'map') return failAt(at, `${where}: mapping ${mapName} is not defined`);
    const level = entry(map, top)?.value;
    if (level?.kind !== 'map') return failAt(at, `${where}: key ${top} is not in mapping ${mapName}`);
    const leaf = entry(level, second)?.value;
    if (leaf === undefined) return failAt(at, `${where}: key ${second} is not in ${mapName}.${top}`);
    const value = evaluate(leaf, this.scope('condition', mapName));
    if (value === NO_VALUE) return failAt(leaf, 'a mapping value cannot be AWS::NoValue');
    return value;
  }
}

/** Thrown when a reference leads to a resource that already failed: that failure is the one to report. */
class BrokenReference extends Error {}

function checkMappings(node: TemplateNode): void {
  if (node.kind !== 'map') throw templateError(issueAt(node, 'Mappings must be a map'));
  for (const m of node.entries) {
    if (m.value.kind !== 'map')
      throw templateError(issueAt(m.value, 'a mapping must be a map of maps', m.key));
    for (const top of m.value.entries) {
      if (top.value.kind !== 'map')
        throw templateError(issueAt(top.value, 'a mapping key must hold a map', m.key));
      for (const leaf of top.value.entries) {
        const v = leaf.value;
        const ok = v.kind === 'scalar' || (v.kind === 'seq' && v.items.every((i) => i.kind === 'scalar'));
        if (!ok) throw templateError(issueAt(v, 'mapping values must be strings or lists of strings', m.key));
      }
    }
  }
}

function readResources(root: MapNode, res: Resolution): void {
  const section = entry(root, 'Resources')?.value;
  if (section === undefined) throw templateError({ path: '', message: 'Resources section is required' });
  if (section.kind !== 'map' || section.entries.length === 0) {
    throw templateError(issueAt(section, 'Resources must be a map with at least one resource'));
  }
  if (section.entries.length > MAX_RESOURCES) {
    throw templateError(issueAt(section, `more than ${MAX_RESOURCES} resources`));
  }
  const issues: TemplateIssue[] = [];
  for (const e of section.entries) {
    const id = e.key;
    const node = e.value;
    if (!/^[A-Za-z0-9]+$/.test(id)) issues.push(issueAt(node, `logical id ${id} must be alphanumeric`, id));
    if (node.kind !== 'map') {
      issues.push(issueAt(node, 'a resource must be a map with a Type', id));
      continue;
    }
    for (const a of node.entries) {
      if (!RESOURCE_ATTRIBUTES.has(a.key))
        issues.push(issueAt(a.value, `unsupported resource attribute ${a.key}`, id));
    }
    const typeNode = entry(node, 'Type')?.value;
    if (typeNode?.kind !== 'scalar' || typeof typeNode.value !== 'string') {
      issues.push(issueAt(typeNode ?? node, 'Type is required and must be a string', id));
      continue;
    }
    const decl: ResourceDecl = { logicalId: id, node, type: typeNode.value, typeNode, dependsOn: [] };
    const props = entry(node, 'Properties')?.value;
    if (props !== undefined) decl.properties = props;
    const dependsOn = entry(node, 'DependsOn')?.value;
    if (dependsOn) {
      const items = dependsOn.kind === 'seq' ? dependsOn.items : [dependsOn];
      for (const item of items) {
        if (item.kind !== 'scalar' || typeof item.value !== 'string') {
          issues.push(issueAt(item, 'DependsOn must be a logical id or a list of them', id));
        } else decl.dependsOn.push({ name: item.value, node: item });
      }
    }
    const condition = entry(node, 'Condition')?.value;
    if (condition) {
      if (condition.kind !== 'scalar' || typeof condition.value !== 'string') {
        issues.push(issueAt(condition, 'Condition must be a condition name', id));
      } else decl.condition = { name: condition.value, node: condition };
    }
    for (const key of ['DeletionPolicy', 'UpdateReplacePolicy']) {
      const p = entry(node, key)?.value;
      if (p && !(p.kind === 'scalar' && POLICY_VALUES.includes(String(p.value)))) {
        issues.push(issueAt(p, `${key} must be one of ${POLICY_VALUES.join(', ')}`, id));
      }
    }
    res.resources.set(id, decl);
  }
  if (issues.length > 0) throw new TemplateError(issues);
}

function checkTopLevel(root: MapNode): void {
  const issues: TemplateIssue[] = [];
  for (const e of root.entries) {
    if (!TOP_LEVEL.has(e.key)) issues.push(issueAt(e.value, `unknown template section ${e.key}`));
  }
  const transform = entry(root, 'Transform');
  if (transform) {
    issues.push(
      issueAt(transform.value, 'Transform (macros such as AWS::Serverless) is not supported by credplane'),
    );
  }
  const rules = entry(root, 'Rules');
  if (rules) issues.push(issueAt(rules.value, 'Rules are not supported by credplane'));
  const version = entry(root, 'AWSTemplateFormatVersion');
  if (version && String(version.value.kind === 'scalar' ? version.value.value : '') !== '2010-09-09') {
    issues.push(issueAt(version.value, "AWSTemplateFormatVersion must be '2010-09-09'"));
  }
  if (issues.length > 0) throw new TemplateError(issues);
}

/** Reads the template's dependency graph, checking that every reference leads somewhere usable. */
function dependencyGraph(res: Resolution): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const issues: TemplateIssue[] = [];
  const isKnownName = (r: Reference): boolean =>
    res.params.has(r.name) || res.pseudo(r.name) !== undefined || res.resources.has(r.name);
  for (const id of res.included) {
    const decl = res.resources.get(id)!;
    const deps = new Set<string>();
    try {
      const refs = decl.properties
        ? collectReferences(decl.properties, (name, at) => res.condition(name, at))
        : [];
      for (const r of refs) {
        if (!isKnownName(r)) {
          issues.push(
            issueAt(
              r.at,
              `Unresolved reference: ${r.name} is not a parameter, pseudo parameter or resource`,
              id,
            ),
          );
        } else if (res.resources.has(r.name) && !res.params.has(r.name)) {
          if (!res.included.has(r.name)) {
            issues.push(
              issueAt(r.at, `${r.name} is not created (its Condition is false) but is referenced here`, id),
            );
          } else deps.add(r.name);
        }
      }
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      issues.push(...e.issues.map((i) => ({ logicalId: id, ...i })));
    }
    for (const d of decl.dependsOn) {
      if (!res.resources.has(d.name))
        issues.push(issueAt(d.node, `DependsOn names ${d.name}, which is not a resource`, id));
      else if (!res.included.has(d.name)) {
        issues.push(
          issueAt(d.node, `DependsOn names ${d.name}, which is not created (its Condition is false)`, id),
        );
      } else deps.add(d.name);
    }
    graph.set(id, deps);
  }
  if (issues.length > 0) throw new TemplateError(issues);
  return graph;
}

// ---------------------------------------------------------------------------------------------
// Schema checking with source locations

type LocationIndex = Map<string, TemplateNode>;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function relPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, k) => childPath(acc, typeof k === 'number' ? k : String(k)), '');
}

function nearest(index: LocationIndex, path: readonly PropertyKey[]): TemplateNode | undefined {
  for (let n = path.length; n >= 0; n -= 1) {
    const found = index.get(relPath(path.slice(0, n)));
    if (found) return found;
  }
  return undefined;
}

function schemaIssues(
  error: z.ZodError,
  props: unknown,
  index: LocationIndex,
  base: string,
  logicalId: string,
  type: string,
): TemplateIssue[] {
  const out: TemplateIssue[] = [];
  for (const issue of error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    for (const key of keys) {
      const path = key === undefined ? issue.path : [...issue.path, key];
      const node = nearest(index, path);
      const where = relPath(path);
      const missing =
        (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
        valueAt(props, issue.path) === undefined;
      const last = String(path[path.length - 1] ?? '');
      const message =
        key !== undefined
          ? `unsupported property ${key} for ${type}`
          : missing
            ? `required property ${last} is missing`
            : issue.message;
      out.push({
        path: where === '' ? base : where.startsWith('[') ? `${base}${where}` : `${base}.${where}`,
        logicalId,
        message,
        ...(node?.position ? { position: node.position } : {}),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Records

function tagsOf(tags: { Key: string; Value: string }[] | undefined): Tag[] {
  return (tags ?? []).map((t) => ({ key: t.Key, value: t.Value }));
}

function doc(d: Record<string, unknown>): PolicyDocument {
  return d as PolicyDocument;
}

function codeSource(code: PropertiesOf<'AWS::Lambda::Function'>['Code'], at: TemplateNode): LambdaCodeSource {
  if (typeof code === 'string') return { path: code };
  if (code.ZipFile !== undefined) return { zipFile: code.ZipFile };
  if (code.ImageUri !== undefined) return { imageUri: code.ImageUri };
  if (code.S3Bucket !== undefined && code.S3Key !== undefined) {
    return {
      s3Bucket: code.S3Bucket,
      s3Key: code.S3Key,
      ...(code.S3ObjectVersion !== undefined ? { s3ObjectVersion: code.S3ObjectVersion } : {}),
    };
  }
  return failAt(at, 'Code needs ZipFile, S3Bucket and S3Key, ImageUri, or a local path');
}

interface Built {
  record: ResourceRecord;
  name?: string;
  path?: string;
}

function nameFor(
  given: string | undefined,
  env: StackEnv,
  id: string,
  type: keyof typeof NAME_LIMITS,
): string {
  return given ?? generatedName(env, id, NAME_LIMITS[type]);
}

function buildRecord(
  type: SupportedType,
  props: unknown,
  decl: ResourceDecl,
  env: StackEnv,
  propsNode: TemplateNode,
): Built {
  const id = decl.logicalId;
  const source = {
    stack: env.stackName,
    logicalId: id,
    type,
    ...(decl.node.position ? { position: decl.node.position } : {}),
  };
  const iamArn = (kind: string, path: string, name: string) =>
    `arn:${env.partition}:iam::${env.accountId}:${kind}${path}${name}`;
  switch (type) {
    case 'AWS::IAM::Role': {
      const p = props as PropertiesOf<'AWS::IAM::Role'>;
      const name = nameFor(p.RoleName, env, id, type);
      const path = p.Path ?? '/';
      return {
        name,
        path,
        record: {
          kind: 'role',
          ...source,
          roleName: name,
          path,
          arn: iamArn('role', path, name),
          assumeRolePolicyDocument: doc(p.AssumeRolePolicyDocument),
          ...(p.Description !== undefined ? { description: p.Description } : {}),
          maxSessionDuration: p.MaxSessionDuration ?? 3600,
          managedPolicyArns: p.ManagedPolicyArns ?? [],
          ...(p.PermissionsBoundary !== undefined ? { permissionsBoundary: p.PermissionsBoundary } : {}),
          inlinePolicies: (p.Policies ?? []).map((x) => ({
            policyName: x.PolicyName,
            document: doc(x.PolicyDocument),
          })),
          tags: tagsOf(p.Tags),
        },
      };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const p = props as PropertiesOf<'AWS::IAM::ManagedPolicy'>;
      const name = nameFor(p.ManagedPolicyName, env, id, type);
      const path = p.Path ?? '/';
      return {
        name,
        path,
        record: {
          kind: 'managed-policy',
          ...source,
          policyName: name,
          path,
          arn: iamArn('policy', path, name),
          ...(p.Description !== undefined ? { description: p.Description } : {}),
          document: doc(p.PolicyDocument),
          roles: p.Roles ?? [],
          users: p.Users ?? [],
          groups: p.Groups ?? [],
        },
      };
    }
    case 'AWS::IAM::Policy': {
      const p = props as PropertiesOf<'AWS::IAM::Policy'>;
      if ((p.Roles ?? []).length + (p.Users ?? []).length + (p.Groups ?? []).length === 0) {
        failAt(propsNode, 'AWS::IAM::Policy needs at least one of Roles, Users or Groups', id);
      }
      return {
        // Ref is CloudFormation's generated physical id, not the policy name (several
        // AWS::IAM::Policy resources may share a PolicyName on different roles).
        name: generatedName(env, id, NAME_LIMITS[type]),
        record: {
          kind: 'role-policy',
          ...source,
          policyName: p.PolicyName,
          document: doc(p.PolicyDocument),
          roles: p.Roles ?? [],
          users: p.Users ?? [],
          groups: p.Groups ?? [],
        },
      };
    }
    case 'AWS::IAM::InstanceProfile': {
      const p = props as PropertiesOf<'AWS::IAM::InstanceProfile'>;
      const name = nameFor(p.InstanceProfileName, env, id, type);
      const path = p.Path ?? '/';
      return {
        name,
        path,
        record: {
          kind: 'instance-profile',
          ...source,
          instanceProfileName: name,
          path,
          arn: iamArn('instance-profile', path, name),
          roles: p.Roles,
        },
      };
    }
    case 'AWS::IAM::OIDCProvider': {
      const p = props as PropertiesOf<'AWS::IAM::OIDCProvider'>;
      const url = p.Url.replace(/^https:\/\//i, '').replace(/\/+$/, '');
      return {
        name: url,
        record: {
          kind: 'oidc-provider',
          ...source,
          url,
          arn: iamArn('oidc-provider/', '', url),
          clientIds: p.ClientIdList ?? [],
          thumbprints: (p.ThumbprintList ?? []).map((t) => t.toLowerCase()),
          tags: tagsOf(p.Tags),
        },
      };
    }
    case 'AWS::EC2::Instance': {
      const p = props as PropertiesOf<'AWS::EC2::Instance'>;
      const m = p.MetadataOptions ?? {};
      const launchDefaulted = (
        [
          ['httpTokens', m.HttpTokens],
          ['httpPutResponseHopLimit', m.HttpPutResponseHopLimit],
          ['httpEndpoint', m.HttpEndpoint],
          ['instanceMetadataTags', m.InstanceMetadataTags],
        ] as const
      )
        .filter(([, given]) => given === undefined)
        .map(([key]) => key);
      return {
        record: {
          kind: 'ec2-instance',
          ...source,
          name: `${env.stackName}-${id}`,
          ...(p.ImageId !== undefined ? { imageId: p.ImageId } : {}),
          ...(p.InstanceType !== undefined ? { instanceType: p.InstanceType } : {}),
          ...(p.IamInstanceProfile !== undefined ? { instanceProfileName: p.IamInstanceProfile } : {}),
          // EC2's defaults when MetadataOptions is absent (HttpTokens depends on the AMI on AWS; credplane
          // takes 'optional'); apply puts the account's instance metadata defaults over them.
          ...(launchDefaulted.length > 0 ? { launchDefaulted } : {}),
          metadataOptions: {
            httpTokens: m.HttpTokens ?? 'optional',
            httpPutResponseHopLimit: m.HttpPutResponseHopLimit ?? 1,
            httpEndpoint: m.HttpEndpoint ?? 'enabled',
            httpProtocolIpv6: m.HttpProtocolIpv6 ?? 'disabled',
            instanceMetadataTags: m.InstanceMetadataTags ?? 'disabled',
          },
          ...(p.UserData !== undefined ? { userData: p.UserData } : {}),
          tags: tagsOf(p.Tags),
        },
      };
    }
    case 'AWS::ECS::TaskDefinition': {
      const p = props as PropertiesOf<'AWS::ECS::TaskDefinition'>;
      const family = nameFor(p.Family, env, id, type);
      return {
        name: family,
        record: {
          kind: 'ecs-task-definition',
          ...source,
          name: family,
          ...(p.TaskRoleArn !== undefined ? { taskRoleArn: p.TaskRoleArn } : {}),
          ...(p.ExecutionRoleArn !== undefined ? { executionRoleArn: p.ExecutionRoleArn } : {}),
          containers: (p.ContainerDefinitions ?? []).map((c) => ({
            name: c.Name,
            image: c.Image,
            ...(c.Command !== undefined ? { command: c.Command } : {}),
            environment: (c.Environment ?? []).map((e) => ({ name: e.Name, value: e.Value })),
          })),
        },
      };
    }
    case 'AWS::EKS::PodIdentityAssociation': {
      const p = props as PropertiesOf<'AWS::EKS::PodIdentityAssociation'>;
      return {
        record: {
          kind: 'eks-pod-identity',
          ...source,
          name: `${p.ClusterName}/${p.Namespace}/${p.ServiceAccount}`,
          clusterName: p.ClusterName,
          namespace: p.Namespace,
          serviceAccount: p.ServiceAccount,
          roleArn: p.RoleArn,
        },
      };
    }
    case 'AWS::Lambda::Function': {
      const p = props as PropertiesOf<'AWS::Lambda::Function'>;
      const name = nameFor(p.FunctionName, env, id, type);
      const codeNode = propsNode.kind === 'map' ? (entry(propsNode, 'Code')?.value ?? propsNode) : propsNode;
      return {
        name,
        record: {
          kind: 'lambda-function',
          ...source,
          name,
          roleArn: p.Role,
          ...(p.Handler !== undefined ? { handler: p.Handler } : {}),
          ...(p.Runtime !== undefined ? { runtime: p.Runtime } : {}),
          code: codeSource(p.Code, codeNode),
          timeout: p.Timeout ?? 3,
          memorySize: p.MemorySize ?? 128,
          environment: p.Environment?.Variables ?? {},
          ...(p.ReservedConcurrentExecutions !== undefined
            ? { reservedConcurrentExecutions: p.ReservedConcurrentExecutions }
            : {}),
        },
      };
    }
  }
}

function addRecord(state: DesiredState, record: ResourceRecord): void {
  switch (record.kind) {
    case 'role':
      state.roles.push(record);
      break;
    case 'managed-policy':
      state.managedPolicies.push(record);
      break;
    case 'role-policy':
      state.rolePolicies.push(record);
      break;
    case 'instance-profile':
      state.instanceProfiles.push(record);
      break;
    case 'oidc-provider':
      state.oidcProviders.push(record);
      break;
    default:
      state.workloads.push(record);
  }
}

function warnIgnored(
  type: SupportedType,
  props: unknown,
  base: string,
  index: LocationIndex,
  id: string,
  res: Resolution,
): void {
  const ignored = IGNORED_PROPERTIES[type] ?? [];
  const present = props !== null && typeof props === 'object' ? Object.keys(props) : [];
  for (const key of present.filter((k) => ignored.includes(k))) {
    const node = index.get(key);
    res.warnings.push({
      path: `${base}.${key}`,
      logicalId: id,
      message: `${key} is accepted but not used by credplane`,
      ...(node?.position ? { position: node.position } : {}),
    });
  }
}

function resolveResource(decl: ResourceDecl, res: Resolution, state: DesiredState): void {
  const id = decl.logicalId;
  const base = `Resources.${id}.Properties`;
  const index: LocationIndex = new Map();
  const scope = res.scope('resource', id, (outPath, node) => {
    if (!index.has(outPath)) index.set(outPath, node);
  });
  let props: Evaluated = {};
  if (decl.properties) {
    props = evaluateAt(decl.properties, scope, '');
    if (props === NO_VALUE) props = {};
    if (props === null || typeof props !== 'object' || Array.isArray(props)) {
      failAt(decl.properties, `Properties must be a map, found ${describeValue(props)}`, id);
    }
  }
  const propsNode = decl.properties ?? decl.node;
  const onUnknown = (request: PhysicalRequest): void => {
    res.warnings.push({
      path: `Resources.${request.logicalId}`,
      logicalId: request.logicalId,
      message: `${request.logicalId}.${request.attribute} is known only after apply`,
    });
  };
  const ask = (attribute: string, physicalName?: string): string =>
    askResolver(
      res.resolver,
      { logicalId: id, type: decl.type, attribute, ...(physicalName !== undefined ? { physicalName } : {}) },
      onUnknown,
    );
  if (!isSupportedType(decl.type)) {
    state.skipped.push({
      logicalId: id,
      type: decl.type,
      ...(decl.node.position ? { position: decl.node.position } : {}),
    });
    res.identities.set(id, identify({ env: res.env, logicalId: id, type: decl.type, ask }));
    return;
  }
  const parsed = SUPPORTED_TYPES[decl.type].safeParse(props);
  if (!parsed.success) throw new TemplateError(schemaIssues(parsed.error, props, index, base, id, decl.type));
  warnIgnored(decl.type, props, base, index, id, res);
  if (decl.type === 'AWS::ECS::TaskDefinition') {
    const containers = (props as { ContainerDefinitions?: unknown[] }).ContainerDefinitions ?? [];
    containers.forEach((c, i) => {
      const ignoredIn = Object.keys(c as object).filter(
        (k) => !['Name', 'Image', 'Command', 'Environment'].includes(k),
      );
      if (ignoredIn.length > 0) {
        res.warnings.push({
          path: `${base}.ContainerDefinitions[${i}]`,
          logicalId: id,
          message: `${ignoredIn.join(', ')} accepted but not used by credplane`,
        });
      }
    });
  }
  const built = buildRecord(decl.type, parsed.data, decl, res.env, propsNode);
  addRecord(state, built.record);
  res.identities.set(
    id,
    identify({
      env: res.env,
      logicalId: id,
      type: decl.type,
      ...(built.name !== undefined ? { name: built.name } : {}),
      ...(built.path !== undefined ? { path: built.path } : {}),
      ask,
    }),
  );
}

function resolveOutputs(root: MapNode, res: Resolution, state: DesiredState): void {
  const section = entry(root, 'Outputs')?.value;
  if (section === undefined) return;
  if (section.kind !== 'map') throw templateError(issueAt(section, 'Outputs must be a map'));
  const issues: TemplateIssue[] = [];
  for (const e of section.entries) {
    const id = e.key;
    try {
      const node = e.value;
      if (node.kind !== 'map') failAt(node, 'an output must be a map with a Value', id);
      for (const k of node.entries) {
        if (!['Value', 'Description', 'Export', 'Condition'].includes(k.key)) {
          failAt(k.value, `unsupported output property ${k.key}`, id);
        }
      }
      const condition = entry(node, 'Condition')?.value;
      if (condition) {
        const name = asString(evaluate(condition, res.scope('condition', id)), condition, 'Condition');
        if (!res.condition(name, condition)) continue;
      }
      const valueNode = entry(node, 'Value')?.value;
      if (!valueNode) failAt(node, 'Value is required', id);
      const scope = res.scope('output', id);
      const value = evaluate(valueNode, scope);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        failAt(valueNode, `an output Value must be a string, found ${describeValue(value)}`, id);
      }
      const out: DesiredState['outputs'][number] = { logicalId: id, value: String(value) };
      const description = entry(node, 'Description')?.value;
      if (description) out.description = asString(evaluate(description, scope), description, 'Description');
      const exp = entry(node, 'Export')?.value;
      if (exp) {
        const nameNode = exp.kind === 'map' ? entry(exp, 'Name')?.value : undefined;
        if (!nameNode) failAt(exp, 'Export must be a map with a Name', id);
        out.exportName = asString(evaluate(nameNode, scope), nameNode, 'Export Name');
      }
      state.outputs.push(out);
    } catch (err) {
      if (err instanceof BrokenReference) continue;
      if (!(err instanceof TemplateError)) throw err;
      issues.push(...err.issues.map((i) => ({ logicalId: id, ...i })));
    }
  }
  if (issues.length > 0) throw new TemplateError(issues);
}

/**
 * Resolves a parsed template into the desired state for a stack.
 *
 * @example
 * const state = resolveTemplate(parseTemplateText(text), { stackName: 'demo', accountId: '111122223333', region: 'us-east-1' });
 * state.roles[0]?.arn;
 */
export function resolveTemplate(root: MapNode, options: ResolveOptions): DesiredState {
  checkTopLevel(root);
  const res = new Resolution(root, options);
  // Every condition is evaluated, used or not, so a broken one is reported (as CloudFormation does).
  for (const [name, node] of res.conditionNodes) res.condition(name, node);
  readResources(root, res);
  const issues: TemplateIssue[] = [];
  for (const decl of res.resources.values()) {
    if (!decl.condition) {
      res.included.add(decl.logicalId);
      continue;
    }
    if (!res.conditionNodes.has(decl.condition.name)) {
      issues.push(
        issueAt(
          decl.condition.node,
          `condition ${decl.condition.name} is not defined in Conditions`,
          decl.logicalId,
        ),
      );
    } else if (res.condition(decl.condition.name, decl.condition.node)) res.included.add(decl.logicalId);
  }
  if (issues.length > 0) throw new TemplateError(issues);
  const graph = dependencyGraph(res);
  const order = topologicalOrder([...res.included], graph);
  const state = emptyState(res.env.stackName, res.env.accountId, res.env.region, res.env.partition);
  for (const id of order) {
    try {
      resolveResource(res.resources.get(id)!, res, state);
    } catch (err) {
      res.broken.add(id);
      if (err instanceof BrokenReference) continue;
      if (!(err instanceof TemplateError)) throw err;
      issues.push(...err.issues.map((i) => ({ logicalId: id, ...i })));
    }
  }
  if (issues.length > 0) throw new TemplateError(issues);
  resolveOutputs(root, res, state);
  state.order = order;
  state.warnings = dedupe(res.warnings);
  state.parameters = [...res.params.values()].map((p) => ({
    name: p.name,
    type: p.type,
    value: p.noEcho ? '****' : p.value,
    noEcho: p.noEcho,
    usedDefault: p.usedDefault,
  }));
  return state;
}

function dedupe(warnings: TemplateIssue[]): TemplateIssue[] {
  const seen = new Set<string>();
  return warnings.filter((w) => {
    const key = `${w.path}\u0000${w.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Exposed for tests and the CLI: the value of a node under a stack's parameters, outside any resource. */
export type { Value };
