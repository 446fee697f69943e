/**
 * The template's sections and resource declarations: which sections and resource attributes are
 * allowed, each resource read into a declaration, and the dependency graph between them.
 */
import { collectReferences, type Reference } from './dependencies.js';
import { TemplateError, templateError, type TemplateIssue } from './errors.js';
import { entry, type MapNode } from './node.js';
import { issueAt, type Resolution, type ResourceDecl } from './resolution.js';

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

export function readResources(root: MapNode, res: Resolution): void {
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

export function checkTopLevel(root: MapNode): void {
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
export function dependencyGraph(res: Resolution): Map<string, Set<string>> {
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
