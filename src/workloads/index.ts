/**
 * The workload model: one schema per workload kind, and `Workload`, the typed union the Store hands
 * out. Settings are parsed once, where the Store turns a row into a `Workload`
 * (`parseWorkloadSettings`); consumers read typed fields and never the raw JSON.
 *
 * Settings hold what the code writes (see each kind's module); other top-level JSON keys are kept
 * as they are, so a record written by an older or newer version still loads.
 */
import type { z } from 'zod';
import { AwsError } from '../errors.js';
import type { AccountId, ArnString, WorkloadKind } from '../iam/types.js';
import { functionSettingsSchema, type FunctionSettings } from './function.js';
import { instanceSettingsSchema, type InstanceSettings } from './instance.js';
import { podIdentitySettingsSchema, type PodIdentitySettings } from './pod-identity.js';
import { serviceAccountSettingsSchema, type ServiceAccountSettings } from './service-account.js';
import { taskDefinitionSettingsSchema, type TaskDefinitionSettings } from './task-definition.js';

export { STACK_KEY, LOGICAL_ID_KEY, type Tag } from './common.js';
export * from './function.js';
export * from './instance.js';
export * from './pod-identity.js';
export * from './service-account.js';
export * from './task-definition.js';

/** Each kind's settings. */
export interface WorkloadSettingsByKind {
  'ec2-instance': InstanceSettings;
  'ecs-task-definition': TaskDefinitionSettings;
  'lambda-function': FunctionSettings;
  'eks-service-account': ServiceAccountSettings;
  'eks-pod-identity': PodIdentitySettings;
}

/**
 * Parsed `loose`: top-level keys no schema names are kept as stored (and written back by updates
 * that spread the settings), while the types name only the known ones.
 */
const SCHEMAS: { [K in WorkloadKind]: z.ZodType<WorkloadSettingsByKind[K]> } = {
  'ec2-instance': instanceSettingsSchema.loose(),
  'ecs-task-definition': taskDefinitionSettingsSchema.loose(),
  'lambda-function': functionSettingsSchema.loose(),
  'eks-service-account': serviceAccountSettingsSchema.loose(),
  'eks-pod-identity': podIdentitySettingsSchema.loose(),
};

interface WorkloadOf<K extends WorkloadKind> {
  accountId: AccountId;
  kind: K;
  /** Unique per account and kind (instance name, task family, `namespace/serviceaccount`, function). */
  name: string;
  roleName: string;
  /** The role's ARN; absent when the role has been deleted since (as on AWS, the link is by name). */
  roleArn?: ArnString;
  settings: WorkloadSettingsByKind[K];
  createDate: Date;
  updateDate: Date;
}

/** A stored workload of one kind: `kind` tells which settings it has. */
export type Workload<K extends WorkloadKind = WorkloadKind> = Extract<
  { [P in WorkloadKind]: WorkloadOf<P> }[WorkloadKind],
  { kind: K }
>;

export type InstanceWorkload = Workload<'ec2-instance'>;
export type TaskDefinitionWorkload = Workload<'ecs-task-definition'>;
export type FunctionWorkload = Workload<'lambda-function'>;
export type ServiceAccountWorkload = Workload<'eks-service-account'>;
export type PodIdentityWorkload = Workload<'eks-pod-identity'>;

/** What `putWorkload` writes: a kind and that kind's settings. */
export type WorkloadInput<K extends WorkloadKind = WorkloadKind> = {
  [P in K]: {
    kind: P;
    name: string;
    /**
     * A role of the same account; it must exist when the workload is written. `''` for an EC2
     * instance launched without an instance profile (bound to no role).
     */
    roleName: string;
    settings?: WorkloadSettingsByKind[P];
  };
}[K];

/** True when `w` is of kind `kind` (narrows its settings). */
export function isWorkloadOfKind<K extends WorkloadKind>(w: Workload, kind: K): w is Workload<K> {
  return w.kind === kind;
}

/**
 * Stored settings that do not fit their kind's schema. Names the workload and the offending fields
 * (never their values: settings may hold a function's environment).
 */
export class WorkloadSettingsError extends AwsError {
  readonly accountId: string;
  readonly kind: WorkloadKind;
  readonly workloadName: string;
  /** `field.path: what is wrong`, one per problem. */
  readonly problems: string[];

  constructor(accountId: string, kind: WorkloadKind, name: string, problems: string[]) {
    super(
      'InternalFailure',
      `Workload ${kind}/${name.slice(0, 256)} in account ${accountId} has settings that do not fit its kind: ${problems.join('; ').slice(0, 1000)}`,
      { status: 500 },
    );
    this.accountId = accountId;
    this.kind = kind;
    this.workloadName = name;
    this.problems = problems;
  }
}

/**
 * The typed settings of a workload of `kind`; a `WorkloadSettingsError` naming the workload when
 * they do not fit (an unknown kind is one such case).
 */
export function parseWorkloadSettings<K extends WorkloadKind>(
  where: { accountId: string; kind: K; name: string },
  settings: unknown,
): WorkloadSettingsByKind[K] {
  const schema = (SCHEMAS as Partial<Record<string, z.ZodType<WorkloadSettingsByKind[K]>>>)[where.kind];
  if (schema === undefined) {
    throw new WorkloadSettingsError(where.accountId, where.kind, where.name, [`unknown kind ${where.kind}`]);
  }
  const parsed = schema.safeParse(settings);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${i.path.length === 0 ? '(settings)' : i.path.map(String).join('.')}: ${i.message}`,
  );
  throw new WorkloadSettingsError(where.accountId, where.kind, where.name, problems);
}
