/**
 * The state one template's resolution shares: the stack's pseudo parameters, parameters, mappings and
 * conditions, the declared resources and the identities of those already resolved, and the
 * evaluation scopes built from them.
 */
import { createHash } from 'node:crypto';
import { templateError, type TemplateIssue } from './errors.js';
import {
  describeValue,
  evaluate,
  failAt,
  NO_VALUE,
  type EvalScope,
  type Evaluated,
  type Value,
} from './intrinsics.js';
import { entry, type FnNode, type MapNode, type TemplateNode } from './node.js';
import { resolveParameters, type ParameterInput, type ResolvedParameter } from './parameters.js';
import { urlSuffix, type PhysicalResolver, type ResourceIdentity, type StackEnv } from './physical.js';

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

export function issueAt(node: TemplateNode, message: string, logicalId?: string): TemplateIssue {
  return {
    path: node.path,
    message,
    ...(node.position ? { position: node.position } : {}),
    ...(logicalId !== undefined ? { logicalId } : {}),
  };
}

export interface ResourceDecl {
  logicalId: string;
  node: MapNode;
  type: string;
  typeNode: TemplateNode;
  properties?: TemplateNode;
  dependsOn: { name: string; node: TemplateNode }[];
  condition?: { name: string; node: TemplateNode };
}

/** The pieces every evaluation shares. */
export class Resolution {
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
export class BrokenReference extends Error {}

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
