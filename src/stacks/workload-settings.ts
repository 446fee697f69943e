/**
 * A stack's workload records as the Store keeps them: `putWorkload({ kind, name, roleName, settings })`,
 * where `settings` (typed per kind in `src/workloads/`) holds the record's fields (camelCase, as in
 * `desired.ts`), the ownership keys of `ownership.ts`, and the identifiers AWS would assign at
 * creation (`instanceId`; `revision` and `taskDefinitionArn`; `associationId` and `associationArn`).
 * Delivery agents read these settings (IMDS options, task family, function handler and code,
 * cluster/namespace/service account).
 */
import { randomBytes } from 'node:crypto';
import {
  isWorkloadOfKind,
  lambdaFunctionOf,
  LOGICAL_ID_KEY,
  metadataOptionsOf,
  STACK_KEY,
  type Workload,
  type WorkloadInput,
} from '../workloads/index.js';
import type {
  ContainerRecord,
  Ec2InstanceRecord,
  EcsTaskDefinitionRecord,
  EksPodIdentityRecord,
  LambdaFunctionRecord,
  WorkloadRecord,
} from './desired.js';
import type { Ownership } from './ownership.js';

/** Where the stack lives: ARNs of ECS and EKS name the region. */
export interface WorkloadEnv {
  partition: string;
  accountId: string;
  region: string;
}

function randomId(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  // 256 is a multiple of 16 (hex) and close enough for 36 that the bias does not matter for an id.
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** `{ key: value }`, or `{}` when `value` is undefined (settings keep no undefined fields). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * What to write for a record. `previous` is what the Store holds now (for an update): EC2 keeps
 * its instance id and EKS its association id; ECS registers a new revision, as
 * `RegisterTaskDefinition` does on every change.
 */
export function workloadInput(
  record: WorkloadRecord,
  roleName: string,
  env: WorkloadEnv,
  previous: Workload | undefined,
): WorkloadInput {
  const owner = {
    ...optional(STACK_KEY, record.stack),
    ...optional(LOGICAL_ID_KEY, record.logicalId),
  };
  const base = { name: record.name, roleName };
  switch (record.kind) {
    case 'ec2-instance': {
      const kept = previous !== undefined && isWorkloadOfKind(previous, 'ec2-instance');
      return {
        kind: record.kind,
        ...base,
        settings: {
          ...optional('imageId', record.imageId),
          ...optional('instanceType', record.instanceType),
          ...optional('instanceProfileName', record.instanceProfileName),
          metadataOptions: { ...record.metadataOptions },
          ...optional('userData', record.userData),
          tags: structuredClone(record.tags),
          ...owner,
          instanceId:
            (kept ? previous.settings.instanceId : undefined) ?? `i-${randomId('0123456789abcdef', 17)}`,
          // Placement is made with `credplane node place`, not by the template: a re-apply keeps it.
          ...(kept ? optional('node', previous.settings.node) : {}),
        },
      };
    }
    case 'ecs-task-definition': {
      const before =
        previous !== undefined && isWorkloadOfKind(previous, 'ecs-task-definition')
          ? previous.settings.revision
          : undefined;
      const revision = before === undefined ? 1 : before + 1;
      return {
        kind: record.kind,
        ...base,
        settings: {
          ...optional('taskRoleArn', record.taskRoleArn),
          ...optional('executionRoleArn', record.executionRoleArn),
          containers: structuredClone(record.containers),
          ...owner,
          revision,
          taskDefinitionArn: `arn:${env.partition}:ecs:${env.region}:${env.accountId}:task-definition/${record.name}:${revision}`,
        },
      };
    }
    case 'eks-pod-identity': {
      const id =
        (previous !== undefined && isWorkloadOfKind(previous, 'eks-pod-identity')
          ? previous.settings.associationId
          : undefined) ?? `a-${randomId('abcdefghijklmnopqrstuvwxyz0123456789', 17)}`;
      return {
        kind: record.kind,
        ...base,
        settings: {
          clusterName: record.clusterName,
          namespace: record.namespace,
          serviceAccount: record.serviceAccount,
          roleArn: record.roleArn,
          ...owner,
          associationId: id,
          associationArn: `arn:${env.partition}:eks:${env.region}:${env.accountId}:podidentityassociation/${record.clusterName}/${id}`,
        },
      };
    }
    case 'lambda-function':
      return {
        kind: record.kind,
        ...base,
        settings: {
          roleArn: record.roleArn,
          ...optional('handler', record.handler),
          ...optional('runtime', record.runtime),
          code: structuredClone(record.code),
          timeout: record.timeout,
          memorySize: record.memorySize,
          environment: { ...record.environment },
          ...optional('reservedConcurrentExecutions', record.reservedConcurrentExecutions),
          ...owner,
        },
      };
  }
}

/** Who owns a workload, as its settings say (service accounts are never a stack's). */
export function workloadOwnership(w: Workload): Ownership {
  if (w.kind === 'eks-service-account') return {};
  const stack = w.settings[STACK_KEY];
  const logicalId = w.settings[LOGICAL_ID_KEY];
  return { ...optional('stack', stack), ...optional('logicalId', logicalId) };
}

/** The identifiers of a workload (`instanceId`, `taskDefinitionArn`, ...), as strings. */
export function workloadIdentity(w: Workload): Record<string, string> {
  const ids: Record<string, string | number | undefined> =
    w.kind === 'ec2-instance'
      ? { instanceId: w.settings.instanceId }
      : w.kind === 'ecs-task-definition'
        ? { revision: w.settings.revision, taskDefinitionArn: w.settings.taskDefinitionArn }
        : w.kind === 'eks-pod-identity'
          ? { associationId: w.settings.associationId, associationArn: w.settings.associationArn }
          : {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ids)) if (v !== undefined) out[k] = String(v);
  return out;
}

/**
 * The record a stored workload describes, for kinds a template can declare; `undefined` for others
 * (`eks-service-account`). Fields the settings lack get the template defaults, so a workload written
 * by hand still compares sensibly.
 */
export function workloadRecord(w: Workload, env: WorkloadEnv): WorkloadRecord | undefined {
  const source = workloadOwnership(w);
  const roleArn = w.roleArn ?? `arn:${env.partition}:iam::${env.accountId}:role/${w.roleName}`;
  switch (w.kind) {
    case 'ec2-instance': {
      const s = w.settings;
      const record: Ec2InstanceRecord = {
        kind: 'ec2-instance',
        ...source,
        name: w.name,
        ...optional('imageId', s.imageId),
        ...optional('instanceType', s.instanceType),
        ...optional('instanceProfileName', s.instanceProfileName),
        metadataOptions: metadataOptionsOf(s),
        ...optional('userData', s.userData),
        tags: (s.tags ?? []).map((t) => ({ key: t.key, value: t.value })),
      };
      return record;
    }
    case 'ecs-task-definition': {
      const s = w.settings;
      const record: EcsTaskDefinitionRecord = {
        kind: 'ecs-task-definition',
        ...source,
        name: w.name,
        taskRoleArn: s.taskRoleArn ?? roleArn,
        ...optional('executionRoleArn', s.executionRoleArn),
        containers: (s.containers ?? []).map((c) => {
          const container: ContainerRecord = {
            name: c.name ?? '',
            image: c.image ?? '',
            ...optional('command', c.command),
            environment: (c.environment ?? []).map((e) => ({ name: e.name, value: e.value })),
          };
          return container;
        }),
      };
      return record;
    }
    case 'eks-pod-identity': {
      const s = w.settings;
      const [cluster = '', namespace = '', serviceAccount = ''] = w.name.split('/');
      const record: EksPodIdentityRecord = {
        kind: 'eks-pod-identity',
        ...source,
        name: w.name,
        clusterName: s.clusterName ?? cluster,
        namespace: s.namespace ?? namespace,
        serviceAccount: s.serviceAccount ?? serviceAccount,
        roleArn: s.roleArn ?? roleArn,
      };
      return record;
    }
    case 'lambda-function': {
      const record: LambdaFunctionRecord = {
        kind: 'lambda-function',
        ...source,
        name: w.name,
        ...lambdaFunctionOf(w.settings, roleArn),
      };
      return record;
    }
    default:
      return undefined;
  }
}
