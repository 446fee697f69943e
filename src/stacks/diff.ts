/**
 * The plan: what to create, update and delete so that what exists (`current`) matches what a
 * template describes (`desired`). Pure: no Store, no clock.
 *
 * Records are matched by what names them in AWS (a role's name, a policy's ARN, an issuer URL, a
 * workload's kind and name). A change to something AWS cannot update in place (a role's path, a
 * managed policy's description, an instance's image) becomes a delete followed by a create. Only
 * records the stack itself created (`stack` equal to the desired stack name) are ever deleted; a
 * desired record whose name is taken by something the stack does not own is refused, as
 * CloudFormation refuses it.
 */
import { AwsError } from '../errors.js';
import {
  allRecords,
  type DesiredState,
  type InlinePolicyRecord,
  type RecordKind,
  type ResourceRecord,
  type Tag,
} from './desired.js';
import { hasPlaceholder } from './physical.js';

export type PlanAction = 'create' | 'update' | 'delete' | 'noop';

export interface PlanChange {
  action: PlanAction;
  kind: RecordKind;
  /** The physical name (role name, policy name, issuer URL, workload name). */
  name: string;
  logicalId?: string;
  /** The ARN, for kinds that have one. */
  arn?: string;
  /** What changes, in words: `trust policy`, `max session duration`, `replaces: path`. */
  details: string[];
  desired?: ResourceRecord;
  current?: ResourceRecord;
}

const names = (list: readonly string[]) =>
  list
    .map((n) => n.toLowerCase())
    .sort()
    .join(',');

/** The natural key of a record: kind plus what names it in AWS. */
export function recordKey(r: ResourceRecord): string {
  switch (r.kind) {
    case 'role':
      return `role:${r.roleName}`;
    case 'managed-policy':
      return `managed-policy:${r.arn}`;
    case 'role-policy':
      // One AWS::IAM::Policy is "this document under this name on these principals".
      // IAM names compare without case: `Users: [CI]` is the user `ci`.
      return `role-policy:${r.policyName}:${names(r.roles)}:${names(r.users)}:${names(r.groups)}`;
    case 'user':
      return `user:${r.userName.toLowerCase()}`;
    case 'group':
      return `group:${r.groupName.toLowerCase()}`;
    case 'user-to-group':
      // No name of its own in IAM: the stack's logical id is what identifies it.
      return `user-to-group:${r.logicalId ?? r.name}`;
    case 'instance-profile':
      return `instance-profile:${r.instanceProfileName}`;
    case 'oidc-provider':
      return `oidc-provider:${r.url}`;
    default:
      return `${r.kind}:${r.name}`;
  }
}

/** The name shown for a record. */
export function recordName(r: ResourceRecord): string {
  switch (r.kind) {
    case 'role':
      return r.roleName;
    case 'managed-policy':
    case 'role-policy':
      return r.policyName;
    case 'user':
      return r.userName;
    case 'group':
      return r.groupName;
    case 'instance-profile':
      return r.instanceProfileName;
    case 'oidc-provider':
      return r.url;
    default:
      return r.name;
  }
}

function arnOf(r: ResourceRecord): string | undefined {
  return 'arn' in r ? r.arn : undefined;
}

/** JSON with object keys sorted, so key order never counts as a change. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function sameSet(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  const x = (a ?? []).map(canonical).sort();
  const y = (b ?? []).map(canonical).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** `names`: a set of IAM names, which compare without case (IAM's `ci` and `CI` are one user). */
type Compare = 'value' | 'set' | 'names';

interface Field {
  key: string;
  label: string;
  compare?: Compare;
  /** AWS cannot change it in place: the resource is replaced. */
  replace?: boolean;
}

const FIELDS: Record<RecordKind, Field[]> = {
  role: [
    { key: 'path', label: 'path', replace: true },
    { key: 'assumeRolePolicyDocument', label: 'trust policy' },
    { key: 'description', label: 'description' },
    { key: 'maxSessionDuration', label: 'max session duration' },
    { key: 'managedPolicyArns', label: 'managed policies', compare: 'set' },
    { key: 'permissionsBoundary', label: 'permissions boundary' },
    { key: 'tags', label: 'tags', compare: 'set' },
  ],
  'managed-policy': [
    { key: 'path', label: 'path', replace: true },
    { key: 'description', label: 'description', replace: true },
    { key: 'document', label: 'policy document' },
    { key: 'roles', label: 'attached roles', compare: 'set' },
    { key: 'users', label: 'attached users', compare: 'names' },
    { key: 'groups', label: 'attached groups', compare: 'names' },
  ],
  'role-policy': [{ key: 'document', label: 'policy document' }],
  // A user's and a group's path change in place (UpdateUser/UpdateGroup NewPath); their names are
  // the key, so a new name is a new resource, as CloudFormation replaces them.
  user: [
    { key: 'path', label: 'path' },
    { key: 'groups', label: 'groups', compare: 'names' },
    { key: 'managedPolicyArns', label: 'managed policies', compare: 'set' },
    { key: 'permissionsBoundary', label: 'permissions boundary' },
    { key: 'tags', label: 'tags', compare: 'set' },
  ],
  group: [
    { key: 'path', label: 'path' },
    { key: 'managedPolicyArns', label: 'managed policies', compare: 'set' },
  ],
  'user-to-group': [
    { key: 'groupName', label: 'group', replace: true },
    { key: 'users', label: 'users', compare: 'names' },
  ],
  'instance-profile': [
    { key: 'path', label: 'path', replace: true },
    { key: 'roles', label: 'role', compare: 'set' },
  ],
  'oidc-provider': [
    { key: 'clientIds', label: 'client ids', compare: 'set' },
    { key: 'thumbprints', label: 'thumbprints', compare: 'set' },
    { key: 'tags', label: 'tags', compare: 'set' },
  ],
  'ec2-instance': [
    { key: 'imageId', label: 'image', replace: true },
    { key: 'instanceType', label: 'instance type' },
    { key: 'instanceProfileName', label: 'instance profile' },
    { key: 'metadataOptions', label: 'metadata options' },
    { key: 'userData', label: 'user data' },
    { key: 'tags', label: 'tags', compare: 'set' },
  ],
  'ecs-task-definition': [
    { key: 'taskRoleArn', label: 'task role' },
    { key: 'executionRoleArn', label: 'execution role' },
    { key: 'containers', label: 'container definitions' },
  ],
  'eks-pod-identity': [{ key: 'roleArn', label: 'role' }],
  'lambda-function': [
    { key: 'roleArn', label: 'execution role' },
    { key: 'handler', label: 'handler' },
    { key: 'runtime', label: 'runtime' },
    { key: 'code', label: 'code' },
    { key: 'timeout', label: 'timeout' },
    { key: 'memorySize', label: 'memory size' },
    { key: 'environment', label: 'environment' },
    { key: 'reservedConcurrentExecutions', label: 'reserved concurrency' },
  ],
};

function field(r: ResourceRecord, key: string): unknown {
  return (r as unknown as Record<string, unknown>)[key];
}

function differs(f: Field, d: ResourceRecord, c: ResourceRecord): boolean {
  const a = field(d, f.key);
  const b = field(c, f.key);
  if (f.compare === 'set') return !sameSet(a as unknown[] | undefined, b as unknown[] | undefined);
  if (f.compare === 'names') {
    const low = (v: unknown) => ((v as string[] | undefined) ?? []).map((x) => x.toLowerCase());
    return !sameSet(low(a), low(b));
  }
  if (f.key === 'groupName') return String(a).toLowerCase() !== String(b).toLowerCase();
  return canonical(a) !== canonical(b);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function label(f: Field, d: ResourceRecord, c: ResourceRecord): string {
  if (hasPlaceholder(field(d, f.key))) return `${f.label} (known after apply)`;
  const a = field(d, f.key);
  const b = field(c, f.key);
  if (f.key === 'metadataOptions' && isRecord(a) && isRecord(b)) {
    // IMDS settings are what security reviews look for: say which ones move and how.
    const changed = Object.keys(a).filter((k) => canonical(a[k]) !== canonical(b[k]));
    return `${f.label} (${changed.map((k) => `${k} ${String(b[k])} -> ${String(a[k])}`).join(', ')})`;
  }
  return f.label;
}

function inlineChanges(
  d: readonly InlinePolicyRecord[],
  c: readonly InlinePolicyRecord[],
): string | undefined {
  const before = new Map(c.map((p) => [p.policyName, canonical(p.document)]));
  const after = new Map(d.map((p) => [p.policyName, canonical(p.document)]));
  const parts: string[] = [];
  for (const [name, document] of after) {
    const old = before.get(name);
    if (old === undefined) parts.push(`+${name}`);
    else if (old !== document) parts.push(`~${name}`);
  }
  for (const name of before.keys()) if (!after.has(name)) parts.push(`-${name}`);
  return parts.length === 0 ? undefined : `inline policies (${parts.join(', ')})`;
}

function tagChange(d: readonly Tag[], c: readonly Tag[]): boolean {
  return !sameSet(d, c);
}

/** What changed between a desired record and the current one with the same key. */
function compare(d: ResourceRecord, c: ResourceRecord): { replace: string[]; update: string[] } {
  const replace: string[] = [];
  const update: string[] = [];
  for (const f of FIELDS[d.kind]) {
    if (f.key === 'tags' && 'tags' in d && 'tags' in c) {
      if (tagChange(d.tags, c.tags)) update.push('tags');
      continue;
    }
    if (!differs(f, d, c)) continue;
    (f.replace ? replace : update).push(label(f, d, c));
  }
  if ('inlinePolicies' in d && 'inlinePolicies' in c) {
    const inline = inlineChanges(d.inlinePolicies, c.inlinePolicies ?? []);
    if (inline) update.push(inline);
  }
  return { replace, update };
}

/** Delete order: workloads first, then what they use, providers last. */
const DELETE_ORDER: RecordKind[] = [
  'ec2-instance',
  'ecs-task-definition',
  'eks-pod-identity',
  'lambda-function',
  'instance-profile',
  'user-to-group',
  'role-policy',
  'role',
  'user',
  'group',
  'managed-policy',
  'oidc-provider',
];

function change(
  action: PlanAction,
  r: ResourceRecord,
  details: string[],
  other?: ResourceRecord,
): PlanChange {
  const out: PlanChange = { action, kind: r.kind, name: recordName(r), details };
  const logicalId = r.logicalId ?? other?.logicalId;
  if (logicalId !== undefined) out.logicalId = logicalId;
  const arn = arnOf(r);
  if (arn !== undefined) out.arn = arn;
  if (action === 'delete') out.current = r;
  else out.desired = r;
  if (other && action !== 'delete') out.current = other;
  return out;
}

/**
 * The ordered plan from `current` to `desired`: creates, updates and unchanged records in the
 * template's dependency order (a replacement's delete right before its create), then deletes of
 * what the stack owns and no longer declares, workloads first. Throws `AwsError`
 * `EntityAlreadyExists` (409) when a desired name is held by something the stack does not own.
 *
 * @example
 * const plan = planChanges(desired, current);
 * plan.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.kind} ${c.name}`);
 */
export function planChanges(desired: DesiredState, current: DesiredState): PlanChange[] {
  const stack = desired.stackName;
  const currentByKey = new Map<string, ResourceRecord>();
  for (const r of allRecords(current)) currentByKey.set(recordKey(r), r);
  const position = new Map(desired.order.map((id, i) => [id, i]));
  const wanted = allRecords(desired)
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const pa = position.get(a.r.logicalId ?? '') ?? Number.MAX_SAFE_INTEGER;
      const pb = position.get(b.r.logicalId ?? '') ?? Number.MAX_SAFE_INTEGER;
      return pa - pb || a.i - b.i;
    })
    .map((x) => x.r);

  const plan: PlanChange[] = [];
  const matched = new Set<string>();
  const seen = new Set<string>();
  for (const d of wanted) {
    const key = recordKey(d);
    if (seen.has(key)) {
      throw new AwsError(
        'ValidationError',
        `${d.logicalId ?? ''} declares ${d.kind} ${recordName(d)} a second time`,
      );
    }
    seen.add(key);
    const c = currentByKey.get(key);
    if (c === undefined) {
      plan.push(change('create', d, []));
      continue;
    }
    matched.add(key);
    if (c.stack !== stack) {
      // Users and groups are owned through each stack's own ledger (`ledger.ts`): another stack's
      // cannot be told from one made by hand.
      const owner =
        c.kind === 'user' || c.kind === 'group'
          ? 'not managed by this stack'
          : c.stack === undefined
            ? 'not managed by any stack'
            : `managed by stack ${c.stack}`;
      throw new AwsError(
        'EntityAlreadyExists',
        `${d.logicalId ?? d.kind}: ${d.kind} ${recordName(d)} already exists and is ${owner}`,
        { status: 409 },
      );
    }
    const { replace, update } = compare(d, c);
    if (replace.length > 0) {
      const why = [`replaces: ${replace.join(', ')}`];
      plan.push(change('delete', c, why), change('create', d, why));
    } else if (update.length > 0) plan.push(change('update', d, update, c));
    else plan.push(change('noop', d, [], c));
  }

  const leftovers = allRecords(current).filter((c) => c.stack === stack && !matched.has(recordKey(c)));
  const currentOrder = new Map(current.order.map((id, i) => [id, i]));
  leftovers.sort((a, b) => {
    const k = DELETE_ORDER.indexOf(a.kind) - DELETE_ORDER.indexOf(b.kind);
    if (k !== 0) return k;
    // Within a kind, later-built records go first.
    return (currentOrder.get(b.logicalId ?? '') ?? -1) - (currentOrder.get(a.logicalId ?? '') ?? -1);
  });
  for (const c of leftovers) plan.push(change('delete', c, []));
  return plan;
}
