/** A resource's checked properties to the record the desired state holds, one case per resource type. */
import type { DesiredState, LambdaCodeSource, PolicyDocument, ResourceRecord, Tag } from './desired.js';
import { failAt } from './intrinsics.js';
import { entry, type TemplateNode } from './node.js';
import { generatedName, NAME_LIMITS, type StackEnv } from './physical.js';
import type { PropertiesOf, SupportedType } from './schema.js';
import type { ResourceDecl } from './resolution.js';

function tagsOf(tags: { Key: string; Value: string }[] | undefined): Tag[] {
  return (tags ?? []).map((t) => ({ key: t.Key, value: t.Value }));
}

function doc(d: Record<string, unknown>): PolicyDocument {
  return d as PolicyDocument;
}

/** The `Policies` property of a role, user or group: its inline policies. */
function inlinePoliciesOf(
  policies: { PolicyName: string; PolicyDocument: Record<string, unknown> }[] | undefined,
): { policyName: string; document: PolicyDocument }[] {
  return (policies ?? []).map((x) => ({ policyName: x.PolicyName, document: doc(x.PolicyDocument) }));
}

function codeSource(code: PropertiesOf<'AWS::Lambda::Function'>['Code'], at: TemplateNode): LambdaCodeSource {
  if (typeof code === 'string') return { path: code };
  if (code.ZipFile !== undefined) return { zipFile: code.ZipFile };
  if (code.ImageUri !== undefined) return { imageUri: code.ImageUri };
  if (code.S3Bucket !== undefined && code.S3Key !== undefined) {
    return {
      s3Bucket: code.S3Bucket,
      s3Key: code.S3Key,
      ...(code.S3ObjectVersion !== undefined ? { s3ObjectVersion: code.S3ObjectVersion } : {}),
    };
  }
  return failAt(at, 'Code needs ZipFile, S3Bucket and S3Key, ImageUri, or a local path');
}

export interface Built {
  record: ResourceRecord;
  name?: string;
  path?: string;
}

function nameFor(
  given: string | undefined,
  env: StackEnv,
  id: string,
  type: keyof typeof NAME_LIMITS,
): string {
  return given ?? generatedName(env, id, NAME_LIMITS[type]);
}

export function buildRecord(
  type: SupportedType,
  props: unknown,
  decl: ResourceDecl,
  env: StackEnv,
  propsNode: TemplateNode,
): Built {
  const id = decl.logicalId;
  const source = {
    stack: env.stackName,
    logicalId: id,
    type,
    ...(decl.node.position ? { position: decl.node.position } : {}),
  };
  const iamArn = (kind: string, path: string, name: string) =>
    `arn:${env.partition}:iam::${env.accountId}:${kind}${path}${name}`;
  switch (type) {
    case 'AWS::IAM::Role': {
      const p = props as PropertiesOf<'AWS::IAM::Role'>;
      const name = nameFor(p.RoleName, env, id, type);
      const path = p.Path ?? '/';
      return {
        name,
        path,
        record: {
          kind: 'role',
          ...source,
          roleName: name,
          path,
          arn: iamArn('role', path, name),
          assumeRolePolicyDocument: doc(p.AssumeRolePolicyDocument),
          ...(p.Description !== undefined ? { description: p.Description } : {}),
          maxSessionDuration: p.MaxSessionDuration ?? 3600,
          managedPolicyArns: p.ManagedPolicyArns ?? [],
          ...(p.PermissionsBoundary !== undefined ? { permissionsBoundary: p.PermissionsBoundary } : {}),
          inlinePolicies: inlinePoliciesOf(p.Policies),
          tags: tagsOf(p.Tags),
        },
      };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const p = props as PropertiesOf<'AWS::IAM::ManagedPolicy'>;
      const name = nameFor(p.ManagedPolicyName, env, id, type);
      const path = p.Path ?? '/';
      return {
        name,
        path,
        record: {
          kind: 'managed-policy',
          ...source,
          policyName: name,
          path,
          arn: iamArn('policy', path, name),
          ...(p.Description !== undefined ? { description: p.Description } : {}),
          document: doc(p.PolicyDocument),
          roles: p.Roles ?? [],
          users: p.Users ?? [],
          groups: p.Groups ?? [],
        },
      };
    }
    case 'AWS::IAM::Policy': {
      const p = props as PropertiesOf<'AWS::IAM::Policy'>;
      if ((p.Roles ?? []).length + (p.Users ?? []).length + (p.Groups ?? []).length === 0) {
        failAt(propsNode, 'AWS::IAM::Policy needs at least one of Roles, Users or Groups', id);
      }
      return {
        // Ref is CloudFormation's generated physical id, not the policy name (several
        // AWS::IAM::Policy resources may share a PolicyName on different roles).
        name: generatedName(env, id, NAME_LIMITS[type]),
        record: {
          kind: 'role-policy',
          ...source,
          policyName: p.PolicyName,
          document: doc(p.PolicyDocument),
          roles: p.Roles ?? [],
          users: p.Users ?? [],
          groups: p.Groups ?? [],
        },
      };
    }
    case 'AWS::IAM::User': {
      const p = props as PropertiesOf<'AWS::IAM::User'>;
      if (p.LoginProfile !== undefined) {
        // Refused, not dropped: a template that sets a password expects the user to be able to log in.
        const at =
          propsNode.kind === 'map' ? (entry(propsNode, 'LoginProfile')?.value ?? propsNode) : propsNode;
        failAt(
          at,
          'LoginProfile is not supported by credplane (users have no passwords, only access keys); remove it',
          id,
        );
      }
      const name = nameFor(p.UserName, env, id, type);
      const path = p.Path ?? '/';
      return {
        name,
        path,
        record: {
          kind: 'user',
          ...source,
          userName: name,
          path,
          arn: iamArn('user', path, name),
          groups: p.Groups ?? [],
          managedPolicyArns: p.ManagedPolicyArns ?? [],
          ...(p.PermissionsBoundary !== undefined ? { permissionsBoundary: p.PermissionsBoundary } : {}),
          inlinePolicies: inlinePoliciesOf(p.Policies),
          tags: tagsOf(p.Tags),
        },
      };
    }
    case 'AWS::IAM::Group': {
      const p = props as PropertiesOf<'AWS::IAM::Group'>;
      const name = nameFor(p.GroupName, env, id, type);
      const path = p.Path ?? '/';
      return {
        name,
        path,
        record: {
          kind: 'group',
          ...source,
          groupName: name,
          path,
          arn: iamArn('group', path, name),
          managedPolicyArns: p.ManagedPolicyArns ?? [],
          inlinePolicies: inlinePoliciesOf(p.Policies),
        },
      };
    }
    case 'AWS::IAM::UserToGroupAddition': {
      const p = props as PropertiesOf<'AWS::IAM::UserToGroupAddition'>;
      const name = generatedName(env, id, NAME_LIMITS[type]);
      return {
        name,
        record: { kind: 'user-to-group', ...source, name, groupName: p.GroupName, users: p.Users },
      };
    }
    case 'AWS::IAM::InstanceProfile': {
      const p = props as PropertiesOf<'AWS::IAM::InstanceProfile'>;
      const name = nameFor(p.InstanceProfileName, env, id, type);
      const path = p.Path ?? '/';
      return {
        name,
        path,
        record: {
          kind: 'instance-profile',
          ...source,
          instanceProfileName: name,
          path,
          arn: iamArn('instance-profile', path, name),
          roles: p.Roles,
        },
      };
    }
    case 'AWS::IAM::OIDCProvider': {
      const p = props as PropertiesOf<'AWS::IAM::OIDCProvider'>;
      const url = p.Url.replace(/^https:\/\//i, '').replace(/\/+$/, '');
      return {
        name: url,
        record: {
          kind: 'oidc-provider',
          ...source,
          url,
          arn: iamArn('oidc-provider/', '', url),
          clientIds: p.ClientIdList ?? [],
          thumbprints: (p.ThumbprintList ?? []).map((t) => t.toLowerCase()),
          tags: tagsOf(p.Tags),
        },
      };
    }
    case 'AWS::EC2::Instance': {
      const p = props as PropertiesOf<'AWS::EC2::Instance'>;
      const m = p.MetadataOptions ?? {};
      const launchDefaulted = (
        [
          ['httpTokens', m.HttpTokens],
          ['httpPutResponseHopLimit', m.HttpPutResponseHopLimit],
          ['httpEndpoint', m.HttpEndpoint],
          ['instanceMetadataTags', m.InstanceMetadataTags],
        ] as const
      )
        .filter(([, given]) => given === undefined)
        .map(([key]) => key);
      return {
        record: {
          kind: 'ec2-instance',
          ...source,
          name: `${env.stackName}-${id}`,
          ...(p.ImageId !== undefined ? { imageId: p.ImageId } : {}),
          ...(p.InstanceType !== undefined ? { instanceType: p.InstanceType } : {}),
          ...(p.IamInstanceProfile !== undefined ? { instanceProfileName: p.IamInstanceProfile } : {}),
          // EC2's defaults when MetadataOptions is absent (HttpTokens depends on the AMI on AWS; credplane
          // takes 'optional'); apply puts the account's instance metadata defaults over them.
          ...(launchDefaulted.length > 0 ? { launchDefaulted } : {}),
          metadataOptions: {
            httpTokens: m.HttpTokens ?? 'optional',
            httpPutResponseHopLimit: m.HttpPutResponseHopLimit ?? 1,
            httpEndpoint: m.HttpEndpoint ?? 'enabled',
            httpProtocolIpv6: m.HttpProtocolIpv6 ?? 'disabled',
            instanceMetadataTags: m.InstanceMetadataTags ?? 'disabled',
          },
          ...(p.UserData !== undefined ? { userData: p.UserData } : {}),
          tags: tagsOf(p.Tags),
        },
      };
    }
    case 'AWS::ECS::TaskDefinition': {
      const p = props as PropertiesOf<'AWS::ECS::TaskDefinition'>;
      const family = nameFor(p.Family, env, id, type);
      return {
        name: family,
        record: {
          kind: 'ecs-task-definition',
          ...source,
          name: family,
          ...(p.TaskRoleArn !== undefined ? { taskRoleArn: p.TaskRoleArn } : {}),
          ...(p.ExecutionRoleArn !== undefined ? { executionRoleArn: p.ExecutionRoleArn } : {}),
          containers: (p.ContainerDefinitions ?? []).map((c) => ({
            name: c.Name,
            image: c.Image,
            ...(c.Command !== undefined ? { command: c.Command } : {}),
            environment: (c.Environment ?? []).map((e) => ({ name: e.Name, value: e.Value })),
          })),
        },
      };
    }
    case 'AWS::EKS::PodIdentityAssociation': {
      const p = props as PropertiesOf<'AWS::EKS::PodIdentityAssociation'>;
      return {
        record: {
          kind: 'eks-pod-identity',
          ...source,
          name: `${p.ClusterName}/${p.Namespace}/${p.ServiceAccount}`,
          clusterName: p.ClusterName,
          namespace: p.Namespace,
          serviceAccount: p.ServiceAccount,
          roleArn: p.RoleArn,
        },
      };
    }
    case 'AWS::Lambda::Function': {
      const p = props as PropertiesOf<'AWS::Lambda::Function'>;
      const name = nameFor(p.FunctionName, env, id, type);
      const codeNode = propsNode.kind === 'map' ? (entry(propsNode, 'Code')?.value ?? propsNode) : propsNode;
      return {
        name,
        record: {
          kind: 'lambda-function',
          ...source,
          name,
          roleArn: p.Role,
          ...(p.Handler !== undefined ? { handler: p.Handler } : {}),
          ...(p.Runtime !== undefined ? { runtime: p.Runtime } : {}),
          code: codeSource(p.Code, codeNode),
          timeout: p.Timeout ?? 3,
          memorySize: p.MemorySize ?? 128,
          environment: p.Environment?.Variables ?? {},
          ...(p.ReservedConcurrentExecutions !== undefined
            ? { reservedConcurrentExecutions: p.ReservedConcurrentExecutions }
            : {}),
        },
      };
    }
  }
}

export function addRecord(state: DesiredState, record: ResourceRecord): void {
  switch (record.kind) {
    case 'role':
      state.roles.push(record);
      break;
    case 'managed-policy':
      state.managedPolicies.push(record);
      break;
    case 'role-policy':
      state.rolePolicies.push(record);
      break;
    case 'user':
      state.users.push(record);
      break;
    case 'group':
      state.groups.push(record);
      break;
    case 'user-to-group':
      state.userToGroups.push(record);
      break;
    case 'instance-profile':
      state.instanceProfiles.push(record);
      break;
    case 'oidc-provider':
      state.oidcProviders.push(record);
      break;
    default:
      state.workloads.push(record);
  }
}
