/**
 * The desired state a template describes, fully resolved: plain records per kind, each tagged with
 * the stack that owns it, its logical id and where it was written. The same shape describes what
 * currently exists (the apply step builds it from the Store), so that `planChanges` compares like
 * with like.
 */
import type { Position, TemplateIssue } from './errors.js';
import type { Value } from './intrinsics.js';
import type { LambdaFunction, MetadataOptions } from '../workloads/index.js';

export type { LambdaCodeSource, MetadataOptions } from '../workloads/index.js';

/** A JSON policy document (trust or permissions), unparsed: the policy engine validates it. */
export type PolicyDocument = { [key: string]: Value };

export interface Tag {
  key: string;
  value: string;
}

/** Who declared a record and where. */
export interface RecordSource {
  /** The stack that created the record; absent for resources made outside any stack. */
  stack?: string;
  /** The template's logical id (absent for records that no template declared). */
  logicalId?: string;
  /** The CloudFormation type it was declared as. */
  type?: string;
  /** Where the resource starts in the template text. */
  position?: Position;
}

export interface InlinePolicyRecord {
  policyName: string;
  document: PolicyDocument;
}

export interface RoleRecord extends RecordSource {
  kind: 'role';
  roleName: string;
  path: string;
  arn: string;
  assumeRolePolicyDocument: PolicyDocument;
  description?: string;
  /** Seconds; 3600 when the template does not say. */
  maxSessionDuration: number;
  managedPolicyArns: string[];
  permissionsBoundary?: string;
  /** The role's own `Policies`. (`AWS::IAM::Policy` resources are `RolePolicyRecord`s.) */
  inlinePolicies: InlinePolicyRecord[];
  tags: Tag[];
}

export interface ManagedPolicyRecord extends RecordSource {
  kind: 'managed-policy';
  policyName: string;
  path: string;
  arn: string;
  description?: string;
  document: PolicyDocument;
  /** Role names the policy is attached to (`Roles`); users and groups as given. */
  roles: string[];
  users: string[];
  groups: string[];
}

/** `AWS::IAM::User`. Credplane has no passwords: a `LoginProfile` is refused at load. */
export interface UserRecord extends RecordSource {
  kind: 'user';
  userName: string;
  path: string;
  arn: string;
  /** Group names the user is in through its own `Groups` property. */
  groups: string[];
  managedPolicyArns: string[];
  permissionsBoundary?: string;
  /** The user's own `Policies`. */
  inlinePolicies: InlinePolicyRecord[];
  tags: Tag[];
}

/** `AWS::IAM::Group` (IAM groups have no tags). */
export interface GroupRecord extends RecordSource {
  kind: 'group';
  groupName: string;
  path: string;
  arn: string;
  managedPolicyArns: string[];
  inlinePolicies: InlinePolicyRecord[];
}

/** `AWS::IAM::UserToGroupAddition`: users (of this stack or not) put in one group. */
export interface UserToGroupRecord extends RecordSource {
  kind: 'user-to-group';
  /** The physical id CloudFormation would give it (what `Ref` returns). */
  name: string;
  groupName: string;
  users: string[];
}

/** `AWS::IAM::Policy`: one inline policy put on each of several roles, users and groups. */
export interface RolePolicyRecord extends RecordSource {
  kind: 'role-policy';
  policyName: string;
  document: PolicyDocument;
  roles: string[];
  users: string[];
  groups: string[];
}

export interface InstanceProfileRecord extends RecordSource {
  kind: 'instance-profile';
  instanceProfileName: string;
  path: string;
  arn: string;
  /** Role names; IAM allows exactly one. */
  roles: string[];
}

export interface OidcProviderRecord extends RecordSource {
  kind: 'oidc-provider';
  /** Issuer without `https://`, as IAM keeps it. */
  url: string;
  arn: string;
  clientIds: string[];
  thumbprints: string[];
  tags: Tag[];
}

export interface Ec2InstanceRecord extends RecordSource {
  kind: 'ec2-instance';
  /** `<stack>-<logicalId>`: EC2 instances have no name of their own to key on. */
  name: string;
  imageId?: string;
  instanceType?: string;
  /** The instance profile's name (`IamInstanceProfile`), as EC2 takes it. */
  instanceProfileName?: string;
  metadataOptions: MetadataOptions;
  /**
   * The options the template leaves out. EC2 fills them at launch from the account's instance
   * metadata defaults, else its own; planning does the same for a new instance and keeps an
   * existing instance's values (changing the defaults later changes no running instance). Used
   * while planning only, never stored.
   */
  launchDefaulted?: (keyof MetadataOptions)[];
  /** Base64 user data as given. */
  userData?: string;
  tags: Tag[];
}

export interface ContainerRecord {
  name: string;
  image: string;
  command?: string[];
  environment: { name: string; value: string }[];
}

export interface EcsTaskDefinitionRecord extends RecordSource {
  kind: 'ecs-task-definition';
  /** The task family. */
  name: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  containers: ContainerRecord[];
}

export interface EksPodIdentityRecord extends RecordSource {
  kind: 'eks-pod-identity';
  /** `<cluster>/<namespace>/<serviceaccount>`. */
  name: string;
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
}

/** A function as a template declares it; its configuration is the workload model's (`src/workloads/`). */
export interface LambdaFunctionRecord extends RecordSource, LambdaFunction {
  kind: 'lambda-function';
  /** The function name. */
  name: string;
}

export type WorkloadRecord =
  Ec2InstanceRecord | EcsTaskDefinitionRecord | EksPodIdentityRecord | LambdaFunctionRecord;

export type ResourceRecord =
  | RoleRecord
  | ManagedPolicyRecord
  | RolePolicyRecord
  | UserRecord
  | GroupRecord
  | UserToGroupRecord
  | InstanceProfileRecord
  | OidcProviderRecord
  | WorkloadRecord;

export type RecordKind = ResourceRecord['kind'];

export interface OutputRecord {
  logicalId: string;
  value: string;
  description?: string;
  exportName?: string;
}

/** A resource of a type credplane does not act on: listed, never dropped silently. */
export interface SkippedResource {
  logicalId: string;
  type: string;
  /** Why it is skipped, when it is a type credplane knows and leaves out on purpose. */
  reason?: string;
  position?: Position;
}

/** A parameter as used; NoEcho values are shown as `****`. */
export interface ParameterRecord {
  name: string;
  type: string;
  value: string | string[];
  noEcho: boolean;
  usedDefault: boolean;
}

export interface DesiredState {
  stackName: string;
  accountId: string;
  region: string;
  partition: string;
  roles: RoleRecord[];
  managedPolicies: ManagedPolicyRecord[];
  rolePolicies: RolePolicyRecord[];
  users: UserRecord[];
  groups: GroupRecord[];
  userToGroups: UserToGroupRecord[];
  instanceProfiles: InstanceProfileRecord[];
  oidcProviders: OidcProviderRecord[];
  workloads: WorkloadRecord[];
  outputs: OutputRecord[];
  skipped: SkippedResource[];
  parameters: ParameterRecord[];
  /** Things worth saying that do not stop the load (ignored properties, values known only after apply). */
  warnings: TemplateIssue[];
  /** Logical ids of the included resources in dependency order (dependencies first). */
  order: string[];
}

/** An empty state for a stack: the starting point of `current` before anything exists. */
export function emptyState(
  stackName: string,
  accountId: string,
  region: string,
  partition = 'aws',
): DesiredState {
  return {
    stackName,
    accountId,
    region,
    partition,
    roles: [],
    managedPolicies: [],
    rolePolicies: [],
    users: [],
    groups: [],
    userToGroups: [],
    instanceProfiles: [],
    oidcProviders: [],
    workloads: [],
    outputs: [],
    skipped: [],
    parameters: [],
    warnings: [],
    order: [],
  };
}

/** Every resource record of a state, in a stable kind order. */
export function allRecords(state: DesiredState): ResourceRecord[] {
  return [
    ...state.oidcProviders,
    ...state.managedPolicies,
    ...state.groups,
    ...state.users,
    ...state.roles,
    ...state.userToGroups,
    ...state.rolePolicies,
    ...state.instanceProfiles,
    ...state.workloads,
  ];
}
