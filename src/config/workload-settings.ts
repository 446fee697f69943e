/**
 * A stack's workload records as the Store keeps them: `putWorkload(kind, name, roleName, settings)`,
 * where `settings` holds the record's fields (camelCase, as in `desired.ts`), the ownership keys of
 * `ownership.ts`, and the identifiers AWS would assign at creation (`instanceId`; `revision` and
 * `taskDefinitionArn`; `associationId` and `associationArn`). Delivery agents read these settings
 * (IMDS options, task family, function handler and code, cluster/namespace/service account).
 */
import { randomBytes } from 'node:crypto';
import type { JsonValue, Workload } from '../iam/types.js';
import type {
  ContainerRecord,
  Ec2InstanceRecord,
  EcsTaskDefinitionRecord,
  EksPodIdentityRecord,
  LambdaCodeSource,
  LambdaFunctionRecord,
  MetadataOptions,
  Tag,
  WorkloadRecord,
} from './desired.js';
import { LOGICAL_ID_TAG, STACK_TAG, type Ownership } from './ownership.js';

export type WorkloadSettings = { [key: string]: JsonValue };

/** Where the stack lives: ARNs of ECS and EKS name the region. */
export interface WorkloadEnv {
  partition: string;
  accountId: string;
  region: string;
}

const SOURCE_KEYS = new Set(['kind', 'name', 'stack', 'logicalId', 'type', 'position', 'launchDefaulted']);

/** The identifiers assigned when a workload is first written, kept across updates. */
const IDENTITY_KEYS = ['instanceId', 'revision', 'taskDefinitionArn', 'associationId', 'associationArn'];

function randomId(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  // 256 is a multiple of 16 (hex) and close enough for 36 that the bias does not matter for an id.
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/**
 * The settings to write for a record. `previous` is what the Store holds now (for an update):
 * EC2 keeps its instance id and EKS its association id; ECS registers a new revision, as
 * `RegisterTaskDefinition` does on every change.
 */
export function workloadSettings(
  record: WorkloadRecord,
  env: WorkloadEnv,
  previous: WorkloadSettings | undefined,
): WorkloadSettings {
  const out: WorkloadSettings = {};
  for (const [k, v] of Object.entries(record)) {
    if (SOURCE_KEYS.has(k) || v === undefined) continue;
    out[k] = structuredClone(v) as JsonValue;
  }
  if (record.stack !== undefined) out[STACK_TAG] = record.stack;
  if (record.logicalId !== undefined) out[LOGICAL_ID_TAG] = record.logicalId;
  switch (record.kind) {
    case 'ec2-instance':
      out.instanceId =
        typeof previous?.instanceId === 'string'
          ? previous.instanceId
          : `i-${randomId('0123456789abcdef', 17)}`;
      break;
    case 'ecs-task-definition': {
      const revision = typeof previous?.revision === 'number' ? previous.revision + 1 : 1;
      out.revision = revision;
      out.taskDefinitionArn = `arn:${env.partition}:ecs:${env.region}:${env.accountId}:task-definition/${record.name}:${revision}`;
      break;
    }
    case 'eks-pod-identity': {
      const id =
        typeof previous?.associationId === 'string'
          ? previous.associationId
          : `a-${randomId('abcdefghijklmnopqrstuvwxyz0123456789', 17)}`;
      out.associationId = id;
      out.associationArn = `arn:${env.partition}:eks:${env.region}:${env.accountId}:podidentityassociation/${record.clusterName}/${id}`;
      break;
    }
    case 'lambda-function':
      break;
  }
  return out;
}

/** Who owns a workload, as its settings say. */
export function workloadOwnership(settings: WorkloadSettings): Ownership {
  const out: Ownership = {};
  const stack = settings[STACK_TAG];
  const logicalId = settings[LOGICAL_ID_TAG];
  if (typeof stack === 'string') out.stack = stack;
  if (typeof logicalId === 'string') out.logicalId = logicalId;
  return out;
}

/** The identifiers of a workload (`instanceId`, `taskDefinitionArn`, ...), as strings. */
export function workloadIdentity(settings: WorkloadSettings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of IDENTITY_KEYS) {
    const v = settings[k];
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  }
  return out;
}

const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: JsonValue | undefined, fallback: number): number => (typeof v === 'number' ? v : fallback);
const obj = (v: JsonValue | undefined): { [k: string]: JsonValue } =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
const list = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);

function tags(v: JsonValue | undefined): Tag[] {
  return list(v).flatMap((t) => {
    const o = obj(t);
    const key = str(o.key);
    return key === undefined ? [] : [{ key, value: str(o.value) ?? '' }];
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * The record a stored workload describes, for kinds a template can declare; `undefined` for others
 * (`eks-service-account`). Fields the settings lack get the template defaults, so a workload written
 * by hand still compares sensibly.
 */
export function workloadRecord(w: Workload, env: WorkloadEnv): WorkloadRecord | undefined {
  const s = w.settings;
  const owner = workloadOwnership(s);
  const roleArn = w.roleArn ?? `arn:${env.partition}:iam::${env.accountId}:role/${w.roleName}`;
  const source = { ...owner };
  switch (w.kind) {
    case 'ec2-instance': {
      const m = obj(s.metadataOptions);
      const record: Ec2InstanceRecord = {
        kind: 'ec2-instance',
        ...source,
        name: w.name,
        ...optional('imageId', str(s.imageId)),
        ...optional('instanceType', str(s.instanceType)),
        ...optional('instanceProfileName', str(s.instanceProfileName)),
        metadataOptions: {
          httpTokens: (str(m.httpTokens) ?? 'optional') as MetadataOptions['httpTokens'],
          httpPutResponseHopLimit: num(m.httpPutResponseHopLimit, 1),
          httpEndpoint: (str(m.httpEndpoint) ?? 'enabled') as MetadataOptions['httpEndpoint'],
          httpProtocolIpv6: (str(m.httpProtocolIpv6) ?? 'disabled') as MetadataOptions['httpProtocolIpv6'],
          instanceMetadataTags: (str(m.instanceMetadataTags) ??
            'disabled') as MetadataOptions['instanceMetadataTags'],
        },
        ...optional('userData', str(s.userData)),
        tags: tags(s.tags),
      };
      return record;
    }
    case 'ecs-task-definition': {
      const record: EcsTaskDefinitionRecord = {
        kind: 'ecs-task-definition',
        ...source,
        name: w.name,
        ...optional('taskRoleArn', str(s.taskRoleArn) ?? roleArn),
        ...optional('executionRoleArn', str(s.executionRoleArn)),
        containers: list(s.containers).map((c) => {
          const o = obj(c);
          const command = Array.isArray(o.command) ? o.command.map(String) : undefined;
          const container: ContainerRecord = {
            name: str(o.name) ?? '',
            image: str(o.image) ?? '',
            ...optional('command', command),
            environment: list(o.environment).map((e) => ({
              name: str(obj(e).name) ?? '',
              value: str(obj(e).value) ?? '',
            })),
          };
          return container;
        }),
      };
      return record;
    }
    case 'eks-pod-identity': {
      const [cluster = '', namespace = '', serviceAccount = ''] = w.name.split('/');
      const record: EksPodIdentityRecord = {
        kind: 'eks-pod-identity',
        ...source,
        name: w.name,
        clusterName: str(s.clusterName) ?? cluster,
        namespace: str(s.namespace) ?? namespace,
        serviceAccount: str(s.serviceAccount) ?? serviceAccount,
        roleArn: str(s.roleArn) ?? roleArn,
      };
      return record;
    }
    case 'lambda-function': {
      const environment: { [name: string]: string } = {};
      for (const [k, v] of Object.entries(obj(s.environment))) environment[k] = String(v);
      const record: LambdaFunctionRecord = {
        kind: 'lambda-function',
        ...source,
        name: w.name,
        roleArn: str(s.roleArn) ?? roleArn,
        ...optional('handler', str(s.handler)),
        ...optional('runtime', str(s.runtime)),
        code: obj(s.code) as unknown as LambdaCodeSource,
        timeout: num(s.timeout, 3),
        memorySize: num(s.memorySize, 128),
        environment,
        ...optional(
          'reservedConcurrentExecutions',
          typeof s.reservedConcurrentExecutions === 'number' ? s.reservedConcurrentExecutions : undefined,
        ),
      };
      return record;
    }
    default:
      return undefined;
  }
}
