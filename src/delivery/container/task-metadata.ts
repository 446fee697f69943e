/**
 * The task metadata endpoint documents (v4, and v3 with the same fields) (`${ECS_CONTAINER_METADATA_URI_V4}` for the container,
 * `${ECS_CONTAINER_METADATA_URI_V4}/task` for the task), with the fields tools read: task ARN,
 * family, revision, statuses, containers and their labels. Values AWS would take from Docker
 * (ids, image digests, networks) are derived from the task so that they are stable per task.
 */
import { createHash } from 'node:crypto';
import type { Task, TaskContainer } from './tasks.js';

export interface ContainerMetadata {
  DockerId: string;
  Name: string;
  DockerName: string;
  Image: string;
  ImageID: string;
  Labels: Record<string, string>;
  DesiredStatus: string;
  KnownStatus: string;
  Limits: { CPU: number; Memory: number };
  CreatedAt: string;
  StartedAt: string;
  Type: 'NORMAL';
  ContainerARN: string;
  Networks: { NetworkMode: string; IPv4Addresses: string[] }[];
}

export interface TaskMetadata {
  Cluster: string;
  TaskARN: string;
  Family: string;
  Revision: string;
  DesiredStatus: string;
  KnownStatus: string;
  Limits: { CPU: number; Memory: number };
  PullStartedAt: string;
  PullStoppedAt: string;
  AvailabilityZone: string;
  LaunchType: 'FARGATE';
  Containers: ContainerMetadata[];
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

function status(task: Task): string {
  return task.status === 'RUNNING' ? 'RUNNING' : 'STOPPED';
}

/**
 * `arn:aws:ecs:<region>:<account>:container/<cluster>/<task id>/<container id>`, the form ECS gives
 * (Amazon ECS Developer Guide, Amazon resource names: the container id is a UUID). Derived from the
 * task and container name, so it is stable for the task.
 *
 * @example containerArn(task, 'web'); // arn:aws:ecs:us-east-1:111122223333:container/default/<32 hex>/<uuid>
 */
export function containerArn(task: Task, containerName: string): string {
  const h = digest('container-id', task.taskId, containerName);
  // A version-4-shaped UUID: the version nibble 4 and the variant bits 10xx.
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return `${task.taskArn.replace(':task/', ':container/')}/${uuid}`;
}

/**
 * The container document for `container` of `task` (the first container when omitted).
 *
 * @example
 * containerMetadata(task).Labels['com.amazonaws.ecs.task-arn'] === task.taskArn;
 */
export function containerMetadata(task: Task, container?: TaskContainer): ContainerMetadata {
  const c = container ?? task.definition.containers[0] ?? { name: 'main', image: 'local', environment: [] };
  const dockerId = `${task.taskId}-${digest(task.taskId, c.name).slice(0, 10)}`;
  const started = task.createdAt.toISOString();
  return {
    DockerId: dockerId,
    Name: c.name,
    DockerName: `ecs-${task.definition.family}-${task.definition.revision}-${c.name}-${dockerId.slice(-10)}`,
    Image: c.image,
    ImageID: `sha256:${digest(c.image)}`,
    Labels: {
      'com.amazonaws.ecs.cluster': task.clusterArn,
      'com.amazonaws.ecs.container-name': c.name,
      'com.amazonaws.ecs.task-arn': task.taskArn,
      'com.amazonaws.ecs.task-definition-family': task.definition.family,
      'com.amazonaws.ecs.task-definition-version': String(task.definition.revision),
    },
    DesiredStatus: status(task),
    KnownStatus: status(task),
    Limits: { CPU: 0, Memory: 0 },
    CreatedAt: started,
    StartedAt: started,
    Type: 'NORMAL',
    ContainerARN: containerArn(task, c.name),
    Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['127.0.0.1'] }],
  };
}

/** The task document: task facts plus every container of the definition. */
export function taskMetadata(task: Task, region: string): TaskMetadata {
  const containers = task.definition.containers.length > 0 ? task.definition.containers : [undefined];
  const created = task.createdAt.toISOString();
  return {
    Cluster: task.clusterArn,
    TaskARN: task.taskArn,
    Family: task.definition.family,
    Revision: String(task.definition.revision),
    DesiredStatus: status(task),
    KnownStatus: status(task),
    Limits: { CPU: 0.25, Memory: 512 },
    PullStartedAt: created,
    PullStoppedAt: created,
    AvailabilityZone: `${region}a`,
    LaunchType: 'FARGATE',
    Containers: containers.map((c) => containerMetadata(task, c)),
  };
}
