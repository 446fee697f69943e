/**
 * Every policy document in a CloudFormation template (YAML or JSON), checked with `checkPolicy`
 * and reported at its line and column IN THE TEMPLATE, so that editors and SARIF viewers show a
 * finding on the template line that causes it.
 *
 * Where policies are: `AWS::IAM::Role` (AssumeRolePolicyDocument as a trust policy, Policies[] as
 * inline identity policies), `AWS::IAM::User`/`Group` Policies[], `AWS::IAM::ManagedPolicy`
 * (an identity policy, or a permissions boundary when a role or user names it in
 * PermissionsBoundary with `!Ref`), `AWS::IAM::Policy`, and the resource policies of
 * `AWS::S3::BucketPolicy`, `AWS::SQS::QueuePolicy`, `AWS::SNS::TopicPolicy`, `AWS::KMS::Key` and
 * `AWS::SecretsManager::ResourcePolicy`. A document may be a map or JSON text (often `!Sub`).
 *
 * Intrinsic functions are not evaluated: what they produce is unknown to the checks (it matches
 * anything and is never itself reported). `!Sub` keeps its literal text and its `${!Literal}`
 * escapes; `Fn::Join` joins what it can; `Fn::If` is read as its first branch other than
 * `AWS::NoValue`; `!Ref AWS::NoValue` removes the element.
 */
import { readFile } from 'node:fs/promises';
import { parseTemplateText } from '../stacks/load.js';
import { TemplateError } from '../stacks/errors.js';
import type { Position } from '../stacks/errors.js';
import type { MapNode, TemplateNode } from '../stacks/node.js';
import { itemPath, memberPath } from '../policy/json-source.js';
import type { IdentityAttachment } from '../policy/validate.js';
import type { Finding, FindingSubjectKind } from './findings.js';
import { checkPolicy, sortFindings } from './policy-checks/check-policy.js';
import type { PolicyCheckKind } from './policy-checks/context.js';
import { UNRESOLVED } from './policy-checks/patterns.js';

/** One policy document found in a template. */
export interface TemplatePolicy {
  logicalId: string;
  resourceType: string;
  kind: PolicyCheckKind;
  attachment?: IdentityAttachment;
  subject: { kind: FindingSubjectKind; name: string };
  /** `AppRole/PolicyName`, `AppRole/trust`, or the logical id for stand-alone policies. */
  policy: string;
  /** The document as JSON text, unresolved parts as `UNRESOLVED` characters. */
  text: string;
  /** Where a position in `text` is in the template. */
  locate(path: string, line: number | undefined, column: number | undefined): Position | undefined;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const NO_VALUE = Symbol('AWS::NoValue');

/**
 * Checks every policy of a template file. A template that does not parse yields one
 * TEMPLATE_SYNTAX_ERROR finding. `file` in the locations is `displayPath` (default: `filePath`).
 *
 * @example
 * const findings = await checkTemplate('examples/demo-stack.yaml');
 * findings[0]?.location; // { file: 'examples/demo-stack.yaml', line: 57, column: 15, path: 'Statement[0].Action', ... }
 */
export async function checkTemplate(
  filePath: string,
  options: { displayPath?: string } = {},
): Promise<Finding[]> {
  const text = await readFile(filePath, 'utf8');
  return checkTemplateText(text, options.displayPath ?? filePath);
}

/** `checkTemplate` for text already read; `file` names it in the locations. */
export async function checkTemplateText(text: string, file: string): Promise<Finding[]> {
  let policies: TemplatePolicy[];
  try {
    policies = findTemplatePolicies(text);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    const issue = error.issues[0];
    const location: NonNullable<Finding['location']> = { file };
    if (issue?.position !== undefined) {
      location.line = issue.position.line;
      location.column = issue.position.column;
    }
    if (issue?.path !== undefined && issue.path !== '') location.path = issue.path;
    return [
      {
        code: 'TEMPLATE_SYNTAX_ERROR',
        severity: 'ERROR',
        category: 'policy',
        title: 'Template syntax error',
        message: issue?.message ?? error.message,
        subject: { kind: 'policy', name: file },
        location,
      },
    ];
  }
  const findings: Finding[] = [];
  for (const policy of policies) {
    const found = await checkPolicy(policy.text, {
      kind: policy.kind,
      policy: policy.policy,
      ...(policy.attachment !== undefined ? { attachment: policy.attachment } : {}),
    });
    for (const f of found) {
      const at = policy.locate(f.location?.path ?? '', f.location?.line, f.location?.column);
      const location: NonNullable<Finding['location']> = { policy: policy.policy, file };
      if (f.location?.path !== undefined) location.path = f.location.path;
      if (at !== undefined) {
        location.line = at.line;
        location.column = at.column;
      }
      findings.push({ ...f, subject: policy.subject, location });
    }
  }
  return sortFindings(findings);
}

const RESOURCE_POLICIES: Record<string, string> = {
  'AWS::S3::BucketPolicy': 'PolicyDocument',
  'AWS::SQS::QueuePolicy': 'PolicyDocument',
  'AWS::SNS::TopicPolicy': 'PolicyDocument',
  'AWS::KMS::Key': 'KeyPolicy',
  'AWS::SecretsManager::ResourcePolicy': 'ResourcePolicy',
};

/**
 * The policy documents of a template, in template order. Throws `TemplateError` for text that is
 * not a template.
 *
 * @example
 * findTemplatePolicies(text).map((p) => `${p.policy} (${p.kind})`); // ['WebRole/trust (trust)', ...]
 */
export function findTemplatePolicies(text: string): TemplatePolicy[] {
  const root = parseTemplateText(text);
  const lines = text.split(/\r\n|\r|\n/);
  const resources = mapEntry(root, 'Resources');
  if (resources?.kind !== 'map') return [];
  const boundaries = boundaryIds(resources);
  const out: TemplatePolicy[] = [];
  const add = (
    logicalId: string,
    resourceType: string,
    node: TemplateNode,
    kind: PolicyCheckKind,
    subject: TemplatePolicy['subject'],
    policy: string,
    attachment?: IdentityAttachment,
  ): void => {
    const built = buildDocument(node, lines);
    if (built === undefined) return;
    out.push({
      logicalId,
      resourceType,
      kind,
      subject,
      policy,
      ...built,
      ...(attachment ? { attachment } : {}),
    });
  };
  for (const { key: logicalId, value: resource } of resources.entries) {
    if (resource.kind !== 'map') continue;
    const typeNode = mapEntry(resource, 'Type');
    const type = typeNode?.kind === 'scalar' && typeof typeNode.value === 'string' ? typeNode.value : '';
    const props = mapEntry(resource, 'Properties');
    if (props?.kind !== 'map') continue;
    const inline = (subjectKind: FindingSubjectKind, attachment: IdentityAttachment): void => {
      const list = mapEntry(props, 'Policies');
      if (list?.kind !== 'seq') return;
      list.items.forEach((entry, i) => {
        const item = firstBranch(entry);
        if (item?.kind !== 'map') return;
        const nameNode = mapEntry(item, 'PolicyName');
        const name =
          nameNode?.kind === 'scalar' && nameNode.value !== null ? String(nameNode.value) : `Policies[${i}]`;
        const doc = mapEntry(item, 'PolicyDocument');
        if (doc !== undefined) {
          add(
            logicalId,
            type,
            doc,
            'identity',
            { kind: subjectKind, name: logicalId },
            `${logicalId}/${name}`,
            attachment,
          );
        }
      });
    };
    if (type === 'AWS::IAM::Role') {
      const trust = mapEntry(props, 'AssumeRolePolicyDocument');
      if (trust !== undefined)
        add(logicalId, type, trust, 'trust', { kind: 'role', name: logicalId }, `${logicalId}/trust`);
      inline('role', 'role-inline');
    } else if (type === 'AWS::IAM::User') {
      inline('policy', 'user-inline');
    } else if (type === 'AWS::IAM::Group') {
      inline('policy', 'group-inline');
    } else if (type === 'AWS::IAM::ManagedPolicy') {
      const doc = mapEntry(props, 'PolicyDocument');
      const boundary = boundaries.has(logicalId);
      if (doc !== undefined) {
        add(
          logicalId,
          type,
          doc,
          boundary ? 'boundary' : 'identity',
          { kind: 'policy', name: logicalId },
          logicalId,
          boundary ? undefined : 'managed',
        );
      }
    } else if (type === 'AWS::IAM::Policy') {
      const doc = mapEntry(props, 'PolicyDocument');
      const nameNode = mapEntry(props, 'PolicyName');
      const name =
        nameNode?.kind === 'scalar' && nameNode.value !== null
          ? `${logicalId}/${String(nameNode.value)}`
          : logicalId;
      const attachment: IdentityAttachment = mapEntry(props, 'Users')
        ? 'user-inline'
        : mapEntry(props, 'Groups')
          ? 'group-inline'
          : 'role-inline';
      if (doc !== undefined)
        add(logicalId, type, doc, 'identity', { kind: 'policy', name: logicalId }, name, attachment);
    } else if (RESOURCE_POLICIES[type] !== undefined) {
      const doc = mapEntry(props, RESOURCE_POLICIES[type]);
      if (doc !== undefined)
        add(logicalId, type, doc, 'resource', { kind: 'policy', name: logicalId }, logicalId);
    }
  }
  return out;
}

/** `!If [cond, a, b]` read as its first branch that is not `!Ref AWS::NoValue`, like `toJson`. */
function firstBranch(node: TemplateNode): TemplateNode | undefined {
  if (node.kind !== 'fn' || node.name !== 'Fn::If') return node;
  if (node.arg.kind !== 'seq') return undefined;
  return node.arg.items
    .slice(1)
    .find(
      (b) =>
        !(b.kind === 'fn' && b.name === 'Ref' && b.arg.kind === 'scalar' && b.arg.value === 'AWS::NoValue'),
    );
}

function mapEntry(node: MapNode, key: string): TemplateNode | undefined {
  return node.entries.find((e) => e.key === key)?.value;
}

/** Logical ids of managed policies that a role or user names as its permissions boundary. */
function boundaryIds(resources: MapNode): Set<string> {
  const ids = new Set<string>();
  for (const { value } of resources.entries) {
    if (value.kind !== 'map') continue;
    const props = mapEntry(value, 'Properties');
    if (props?.kind !== 'map') continue;
    const boundary = mapEntry(props, 'PermissionsBoundary');
    if (boundary?.kind === 'fn' && boundary.name === 'Ref' && boundary.arg.kind === 'scalar') {
      ids.add(String(boundary.arg.value));
    }
  }
  return ids;
}

/** The document as JSON text and a way back to template positions. */
function buildDocument(
  node: TemplateNode,
  lines: string[],
): Pick<TemplatePolicy, 'text' | 'locate'> | undefined {
  const positions = new Map<string, Position>();
  const value = toJson(node, '', positions);
  if (value === NO_VALUE) return undefined;
  const fallback = node.position;
  if (typeof value === 'string') {
    // JSON text (`!Sub |` block or a string): positions inside it map line for line when it is a
    // literal block scalar; otherwise to the string itself.
    // A tagged scalar (`!Sub |`) has its position on the function node.
    const at = textScalar(node)?.position ?? fallback;
    const block = at !== undefined ? blockStart(lines, at) : undefined;
    return {
      text: value,
      locate: (_path, line, column) => {
        if (block !== undefined && line !== undefined) {
          return { line: block.line + line - 1, column: block.indent + (column ?? 1) };
        }
        return at;
      },
    };
  }
  return {
    text: JSON.stringify(value, null, 2),
    locate: (path) => {
      for (let p: string | undefined = path; p !== undefined; p = parentPath(p)) {
        const at = positions.get(p);
        if (at !== undefined) return at;
      }
      return fallback;
    },
  };
}

/** `a.b[1]` -> `a.b` -> `a` -> `` -> undefined. */
function parentPath(path: string): string | undefined {
  if (path === '') return undefined;
  if (path.endsWith(']')) return path.slice(0, path.lastIndexOf('['));
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}

/** The scalar holding JSON text: the node itself, or the text argument of `!Sub`. */
function textScalar(node: TemplateNode): TemplateNode | undefined {
  if (node.kind === 'scalar') return node;
  if (node.kind === 'fn' && node.name === 'Fn::Sub') {
    if (node.arg.kind === 'scalar') return node.arg;
    if (node.arg.kind === 'seq' && node.arg.items[0]?.kind === 'scalar') return node.arg.items[0];
  }
  return undefined;
}

/** For a `|` block scalar at `position`: its first content line and indentation. */
function blockStart(lines: string[], position: Position): { line: number; indent: number } | undefined {
  const header = lines[position.line - 1]?.slice(position.column - 1) ?? '';
  if (!/^\|[0-9+-]*\s*(#.*)?$/.test(header)) return undefined;
  for (let i = position.line; i < lines.length; i++) {
    const text = lines[i] ?? '';
    if (text.trim() === '') continue;
    return { line: position.line + 1, indent: text.length - text.trimStart().length };
  }
  return undefined;
}

/** Converts a template node to JSON, recording each member's and item's template position. */
function toJson(node: TemplateNode, path: string, positions: Map<string, Position>): Json | typeof NO_VALUE {
  if (node.position !== undefined && !positions.has(path)) positions.set(path, node.position);
  switch (node.kind) {
    case 'scalar':
      return node.value;
    case 'seq': {
      const out: Json[] = [];
      for (const item of node.items) {
        const value = toJson(item, itemPath(path, out.length), positions);
        if (value !== NO_VALUE) out.push(value);
      }
      return out;
    }
    case 'map': {
      const out: { [key: string]: Json } = {};
      for (const e of node.entries) {
        const child = memberPath(path, e.key);
        if (e.keyPosition !== undefined) positions.set(child, e.keyPosition);
        const value = toJson(e.value, child, positions);
        if (value !== NO_VALUE) out[e.key] = value;
      }
      return out;
    }
    case 'fn':
      return evaluate(node, path, positions);
  }
}

function evaluate(
  node: TemplateNode & { kind: 'fn' },
  path: string,
  positions: Map<string, Position>,
): Json | typeof NO_VALUE {
  const arg = node.arg;
  switch (node.name) {
    case 'Ref':
      return arg.kind === 'scalar' && arg.value === 'AWS::NoValue' ? NO_VALUE : UNRESOLVED;
    case 'Fn::If': {
      if (arg.kind !== 'seq') return UNRESOLVED;
      for (const branch of arg.items.slice(1)) {
        const value = toJson(branch, path, positions);
        if (value !== NO_VALUE) return value;
      }
      return NO_VALUE;
    }
    case 'Fn::Sub': {
      const textNode = arg.kind === 'seq' ? arg.items[0] : arg;
      if (textNode?.kind !== 'scalar' || typeof textNode.value !== 'string') return UNRESOLVED;
      const vars = new Map<string, string>();
      const varNode = arg.kind === 'seq' ? arg.items[1] : undefined;
      if (varNode?.kind === 'map') {
        for (const e of varNode.entries) {
          if (e.value.kind === 'scalar' && e.value.value !== null) vars.set(e.key, String(e.value.value));
        }
      }
      return substitute(textNode.value, vars);
    }
    case 'Fn::Join': {
      if (arg.kind !== 'seq') return UNRESOLVED;
      const [delimiter, list] = arg.items;
      if (delimiter?.kind !== 'scalar' || list?.kind !== 'seq') return UNRESOLVED;
      return list.items
        .map((item) => {
          const v = item.kind === 'scalar' ? item.value : toJson(item, path, new Map());
          return typeof v === 'string' || typeof v === 'number' ? String(v) : UNRESOLVED;
        })
        .join(String(delimiter.value ?? ''));
    }
    default:
      return UNRESOLVED;
  }
}

/**
 * `!Sub` text with its variables: known literal values substituted, `${!X}` -> `${X}`, everything
 * else replaced by as many `UNRESOLVED` characters as it had, so columns in JSON text stay put.
 */
export function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    const known = vars.get(name.trim());
    return known ?? UNRESOLVED.repeat(whole.length);
  });
}
