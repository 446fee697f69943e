/**
 * Property schemas for the resource types credplane acts on, checked after intrinsics are
 * evaluated (so `MaxSessionDuration: !Ref Hours` is checked as the number it becomes).
 *
 * As CloudFormation does, scalars are accepted in their text form where a number or boolean is
 * expected (`"3600"`), and numbers where a string is expected. A property the type does not have
 * is an error. The workload types have many properties that matter to EC2/ECS/Lambda but not to
 * credentials (subnets, memory limits, ...): those are accepted, listed in `ignoredProperties`,
 * and reported as warnings so that a template that deploys to AWS also loads here.
 */
import { z } from 'zod';
import type { Value } from './intrinsics.js';

const text = z.union([z.string(), z.number().transform(String), z.boolean().transform(String)], {
  error: 'must be a string',
});

function integer(min: number, max: number): z.ZodType<number, unknown> {
  return z
    .union(
      [
        z.number(),
        z
          .string()
          .regex(/^[-+]?\d+$/)
          .transform(Number),
      ],
      { error: 'must be an integer' },
    )
    .pipe(
      z
        .number()
        .int({ error: 'must be an integer' })
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    );
}

function oneOf<T extends string>(values: readonly [T, ...T[]]): z.ZodType<T, unknown> {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

const textList = z.array(text, { error: 'must be a list of strings' });

/** IAM's name pattern and length limits. */
function iamName(max: number): z.ZodType<string, unknown> {
  return text.pipe(
    z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(max, { error: `must be at most ${max} characters` })
      .regex(/^[\w+=,.@-]+$/, { error: 'must match [\\w+=,.@-]+' }),
  );
}

const iamPath = text.pipe(
  z
    .string()
    .max(512, { error: 'must be at most 512 characters' })
    .regex(/^(?:\/|\/[\u0021-\u007F]+\/)$/, { error: 'must start and end with / (e.g. /service-role/)' }),
);

/**
 * A policy document: a map (kept as JSON for the policy engine) or JSON text, as CloudFormation's
 * `Json` type allows. Its grammar is the policy parser's business, not this one's.
 */
const policyDocument = z.union(
  [
    z.record(z.string(), z.json()),
    z.string().transform((s, ctx) => {
      try {
        const parsed = JSON.parse(s) as unknown;
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
          return parsed as Record<string, Value>;
        }
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a policy document (a map or JSON text of one)' });
      return z.NEVER;
    }),
  ],
  { error: 'must be a policy document (a map or JSON text of one)' },
);

const tags = z.array(z.strictObject({ Key: text, Value: text }), { error: 'must be a list of {Key, Value}' });

const arnText = text.pipe(z.string().regex(/^arn:[^:]+:[^:]*:[^:]*:[^:]*:.+$/, { error: 'must be an ARN' }));

/** `Policies` of a role, user or group: inline policies by name. */
const inlinePolicies = z
  .array(z.strictObject({ PolicyName: iamName(128), PolicyDocument: policyDocument }), {
    error: 'must be a list of {PolicyName, PolicyDocument}',
  })
  .optional();

export const RoleProperties = z.strictObject({
  RoleName: iamName(64).optional(),
  Path: iamPath.optional(),
  AssumeRolePolicyDocument: policyDocument,
  Description: text.pipe(z.string().max(1000, { error: 'must be at most 1000 characters' })).optional(),
  MaxSessionDuration: integer(3600, 43200).optional(),
  ManagedPolicyArns: z.array(arnText, { error: 'must be a list of ARNs' }).optional(),
  PermissionsBoundary: arnText.optional(),
  Policies: inlinePolicies,
  Tags: tags.optional(),
});

export const ManagedPolicyProperties = z.strictObject({
  ManagedPolicyName: iamName(128).optional(),
  Path: iamPath.optional(),
  Description: text.pipe(z.string().max(1000, { error: 'must be at most 1000 characters' })).optional(),
  PolicyDocument: policyDocument,
  Roles: textList.optional(),
  Users: textList.optional(),
  Groups: textList.optional(),
});

export const PolicyProperties = z.strictObject({
  PolicyName: iamName(128),
  PolicyDocument: policyDocument,
  Roles: textList.optional(),
  Users: textList.optional(),
  Groups: textList.optional(),
});

/**
 * `AWS::IAM::User`. `LoginProfile` is CloudFormation's, but credplane has no passwords: it is
 * accepted by the schema only so that `records.ts` can refuse it by name instead of calling it
 * an unknown property.
 */
export const UserProperties = z.strictObject({
  UserName: iamName(64).optional(),
  Path: iamPath.optional(),
  Groups: textList.optional(),
  LoginProfile: z.unknown().optional(),
  ManagedPolicyArns: z.array(arnText, { error: 'must be a list of ARNs' }).optional(),
  PermissionsBoundary: arnText.optional(),
  Policies: inlinePolicies,
  Tags: tags.optional(),
});

export const GroupProperties = z.strictObject({
  GroupName: iamName(128).optional(),
  Path: iamPath.optional(),
  ManagedPolicyArns: z.array(arnText, { error: 'must be a list of ARNs' }).optional(),
  Policies: inlinePolicies,
});

export const UserToGroupAdditionProperties = z.strictObject({
  GroupName: iamName(128),
  Users: z
    .array(iamName(64), { error: 'must be a list of user names' })
    .min(1, { error: 'must not be empty' }),
});

export const InstanceProfileProperties = z.strictObject({
  InstanceProfileName: iamName(128).optional(),
  Path: iamPath.optional(),
  // IAM's fixed quota: one role per instance profile.
  Roles: textList.pipe(z.array(z.string()).length(1, { error: 'must hold exactly one role name' })),
});

export const OIDCProviderProperties = z.strictObject({
  Url: text.pipe(
    z
      .string()
      .max(255, { error: 'must be at most 255 characters' })
      .regex(/^https:\/\/[^\s/?#]+(?:\/[^\s?#]*)?$/, {
        error: 'must be an https:// URL without query or fragment',
      }),
  ),
  ClientIdList: z
    .array(text.pipe(z.string().min(1).max(255)), { error: 'must be a list of strings' })
    .optional(),
  ThumbprintList: z
    .array(text.pipe(z.string().regex(/^[0-9A-Fa-f]{40}$/, { error: 'must be 40 hex digits' })), {
      error: 'must be a list of thumbprints',
    })
    .max(5, { error: 'must hold at most 5 thumbprints' })
    .optional(),
  Tags: tags.optional(),
});

/** Builds a strict object that also accepts (and later reports) properties credplane does not use. */
function withIgnored<T extends z.ZodRawShape, const I extends readonly string[]>(shape: T, ignored: I) {
  type Extra = { [K in I[number]]: z.ZodOptional<z.ZodUnknown> };
  const extra = Object.fromEntries(ignored.map((name) => [name, z.unknown().optional()])) as Extra;
  return z.strictObject({ ...extra, ...shape } as Omit<Extra, keyof T> & T);
}

/** AWS::EC2::Instance properties that exist on AWS but do not bear on credentials. */
export const EC2_IGNORED = [
  'AdditionalInfo', 'Affinity', 'AvailabilityZone', 'BlockDeviceMappings', 'CpuOptions', 'CreditSpecification',
  'DisableApiTermination', 'EbsOptimized', 'ElasticGpuSpecifications', 'ElasticInferenceAccelerators',
  'EnclaveOptions', 'HibernationOptions', 'HostId', 'HostResourceGroupArn', 'InstanceInitiatedShutdownBehavior',
  'Ipv6AddressCount', 'Ipv6Addresses', 'KernelId', 'KeyName', 'LaunchTemplate', 'LicenseSpecifications',
  'Monitoring', 'NetworkInterfaces', 'PlacementGroupName', 'PrivateDnsNameOptions', 'PrivateIpAddress',
  'PropagateTagsToVolumeOnCreation', 'RamdiskId', 'SecurityGroupIds', 'SecurityGroups', 'SourceDestCheck',
  'SsmAssociations', 'SubnetId', 'Tenancy', 'Volumes',
] as const; // prettier-ignore

export const InstanceProperties = withIgnored(
  {
    ImageId: text.optional(),
    InstanceType: text.optional(),
    IamInstanceProfile: text.optional(),
    MetadataOptions: z
      .strictObject({
        HttpTokens: oneOf(['optional', 'required']).optional(),
        HttpPutResponseHopLimit: integer(1, 64).optional(),
        HttpEndpoint: oneOf(['enabled', 'disabled']).optional(),
        HttpProtocolIpv6: oneOf(['enabled', 'disabled']).optional(),
        InstanceMetadataTags: oneOf(['enabled', 'disabled']).optional(),
      })
      .optional(),
    UserData: text.optional(),
    Tags: tags.optional(),
  },
  EC2_IGNORED,
);

/** Container definition properties that do not bear on credentials. */
export const CONTAINER_IGNORED = [
  'Cpu', 'CredentialSpecs', 'DependsOn', 'DisableNetworking', 'DnsSearchDomains', 'DnsServers', 'DockerLabels',
  'DockerSecurityOptions', 'EntryPoint', 'EnvironmentFiles', 'Essential', 'ExtraHosts', 'FirelensConfiguration',
  'HealthCheck', 'Hostname', 'Interactive', 'Links', 'LinuxParameters', 'LogConfiguration', 'Memory',
  'MemoryReservation', 'MountPoints', 'PortMappings', 'Privileged', 'PseudoTerminal', 'ReadonlyRootFilesystem',
  'RepositoryCredentials', 'ResourceRequirements', 'RestartPolicy', 'Secrets', 'StartTimeout', 'StopTimeout',
  'SystemControls', 'Ulimits', 'User', 'VersionConsistency', 'VolumesFrom', 'WorkingDirectory',
] as const; // prettier-ignore

/** AWS::ECS::TaskDefinition properties that do not bear on credentials. */
export const ECS_IGNORED = [
  'Cpu', 'EnableFaultInjection', 'EphemeralStorage', 'InferenceAccelerators', 'IpcMode', 'Memory', 'NetworkMode',
  'PidMode', 'PlacementConstraints', 'ProxyConfiguration', 'RequiresCompatibilities', 'RuntimePlatform', 'Tags',
  'Volumes',
] as const; // prettier-ignore

export const ContainerDefinition = withIgnored(
  {
    Name: text,
    Image: text,
    Command: textList.optional(),
    Environment: z
      .array(z.strictObject({ Name: text, Value: text }), { error: 'must be a list of {Name, Value}' })
      .optional(),
  },
  CONTAINER_IGNORED,
);

export const TaskDefinitionProperties = withIgnored(
  {
    Family: text
      .pipe(z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'must be 1-255 letters, digits, - or _' }))
      .optional(),
    TaskRoleArn: text.optional(),
    ExecutionRoleArn: text.optional(),
    ContainerDefinitions: z
      .array(ContainerDefinition, { error: 'must be a list of container definitions' })
      .optional(),
  },
  ECS_IGNORED,
);

export const PodIdentityAssociationProperties = withIgnored(
  {
    ClusterName: text,
    Namespace: text,
    ServiceAccount: text,
    RoleArn: text,
    Tags: tags.optional(),
  },
  ['TargetRoleArn', 'DisableSessionTags'],
);

/** AWS::Lambda::Function properties that do not bear on credentials. */
export const LAMBDA_IGNORED = [
  'Architectures', 'CodeSigningConfigArn', 'DeadLetterConfig', 'Description', 'EphemeralStorage',
  'FileSystemConfigs', 'ImageConfig', 'KmsKeyArn', 'Layers', 'LoggingConfig', 'PackageType', 'RecursiveLoop',
  'RuntimeManagementConfig', 'SnapStartConfig', 'Tags', 'TracingConfig', 'VpcConfig',
] as const; // prettier-ignore

/**
 * `Code` is CloudFormation's map (`ZipFile`, or `S3Bucket`/`S3Key`, or `ImageUri`); credplane also
 * accepts a plain string, a local path to the handler's code (its own extension: `Code: ./handler`).
 */
export const LambdaCode = z.union(
  [
    z.string().min(1),
    z.strictObject({
      ZipFile: text.optional(),
      S3Bucket: text.optional(),
      S3Key: text.optional(),
      S3ObjectVersion: text.optional(),
      ImageUri: text.optional(),
      SourceKMSKeyArn: text.optional(),
    }),
  ],
  { error: 'must be a map (ZipFile, S3Bucket/S3Key or ImageUri) or a local path' },
);

export const FunctionProperties = withIgnored(
  {
    FunctionName: text
      .pipe(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, - or _' }))
      .optional(),
    Role: text,
    Handler: text.optional(),
    Runtime: text.optional(),
    Code: LambdaCode,
    Timeout: integer(1, 900).optional(),
    MemorySize: integer(128, 10240).optional(),
    /** Invocations of the function running at once; the function host throttles past it. */
    ReservedConcurrentExecutions: integer(0, 10000).optional(),
    Environment: z.strictObject({ Variables: z.record(z.string(), text).optional() }).optional(),
  },
  LAMBDA_IGNORED,
);

/** The resource types credplane acts on, with their property schemas. */
export const SUPPORTED_TYPES = {
  'AWS::IAM::Role': RoleProperties,
  'AWS::IAM::ManagedPolicy': ManagedPolicyProperties,
  'AWS::IAM::Policy': PolicyProperties,
  'AWS::IAM::InstanceProfile': InstanceProfileProperties,
  'AWS::IAM::User': UserProperties,
  'AWS::IAM::Group': GroupProperties,
  'AWS::IAM::UserToGroupAddition': UserToGroupAdditionProperties,
  'AWS::IAM::OIDCProvider': OIDCProviderProperties,
  'AWS::EC2::Instance': InstanceProperties,
  'AWS::ECS::TaskDefinition': TaskDefinitionProperties,
  'AWS::EKS::PodIdentityAssociation': PodIdentityAssociationProperties,
  'AWS::Lambda::Function': FunctionProperties,
} as const;

export type SupportedType = keyof typeof SUPPORTED_TYPES;
export type PropertiesOf<T extends SupportedType> = z.output<(typeof SUPPORTED_TYPES)[T]>;

export function isSupportedType(type: string): type is SupportedType {
  return Object.prototype.hasOwnProperty.call(SUPPORTED_TYPES, type);
}

/** Where the ignored-but-valid properties are, per type: top level, and inside container definitions. */
export const IGNORED_PROPERTIES: Partial<Record<SupportedType, readonly string[]>> = {
  'AWS::EC2::Instance': EC2_IGNORED,
  'AWS::ECS::TaskDefinition': ECS_IGNORED,
  'AWS::EKS::PodIdentityAssociation': ['TargetRoleArn', 'DisableSessionTags'],
  'AWS::Lambda::Function': LAMBDA_IGNORED,
};
