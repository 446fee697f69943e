/**
 * A parsed template to a desired state: parameters, pseudo parameters, mappings and conditions
 * first; then resources in dependency order, each evaluated, checked against its type's schema and
 * turned into a record; then outputs. Every resource is checked before giving up, so one
 * `TemplateError` lists every broken resource.
 */
import { topologicalOrder } from './dependencies.js';
import type { DesiredState } from './desired.js';
import { emptyState } from './desired.js';
import { TemplateError, templateError, type TemplateIssue } from './errors.js';
import {
  asString,
  describeValue,
  evaluate,
  evaluateAt,
  failAt,
  NO_VALUE,
  type Evaluated,
  type Value,
} from './intrinsics.js';
import { entry, type MapNode } from './node.js';
import { askResolver, identify, type PhysicalRequest } from './physical.js';
import { IGNORED_PROPERTIES, isSupportedType, SUPPORTED_TYPES, type SupportedType } from './schema.js';
import {
  BrokenReference,
  issueAt,
  Resolution,
  type ResolveOptions,
  type ResourceDecl,
} from './resolution.js';
import { addRecord, buildRecord } from './records.js';
import { type LocationIndex, schemaIssues } from './schema-issues.js';
import { checkTopLevel, dependencyGraph, readResources } from './template-sections.js';

export type { ResolveOptions };

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

/**
 * Types credplane knows and leaves out on purpose, listed as `skip` like any unsupported type (the
 * stack's other resources still apply, as they do around an unsupported type), with the reason.
 */
const SKIP_REASONS: Readonly<Record<string, string>> = {
  // The secret access key would have to be handed back through the stack (`Fn::GetAtt
  // Key.SecretAccessKey` into an output), where it would be printed and kept: keys are made with
  // `aws iam create-access-key`, whose answer is the only place the secret appears.
  'AWS::IAM::AccessKey':
    'access keys are not created from stacks: the secret would land in outputs; use aws iam create-access-key',
};

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
      ...(Object.hasOwn(SKIP_REASONS, decl.type) ? { reason: SKIP_REASONS[decl.type] as string } : {}),
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
