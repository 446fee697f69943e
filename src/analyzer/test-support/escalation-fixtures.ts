/**
 * Hand-made `AnalysisData` for the escalation analysis' unit tests: roles with inline or managed
 * policies, boundaries, trust policies and workloads in a few words, without a store.
 */
import type { Workload } from '../../iam/types.js';
import type { AnalysisData, NamedPolicy, RoleData } from '../data.js';

export const ACCOUNT = '123456789012';
export const arnOf = (roleName: string): string => `arn:aws:iam::${ACCOUNT}:role/${roleName}`;
export const userArnOf = (userName: string): string => `arn:aws:iam::${ACCOUNT}:user/${userName}`;
export const policyArnOf = (name: string): string => `arn:aws:iam::${ACCOUNT}:policy/${name}`;

export type Stmt = Record<string, unknown>;

export function doc(...statements: Stmt[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

export function allow(action: string | string[], resource: string | string[] = '*', extra: Stmt = {}): Stmt {
  return { Effect: 'Allow', Action: action, Resource: resource, ...extra };
}

export function deny(action: string | string[], resource: string | string[] = '*', extra: Stmt = {}): Stmt {
  return { Effect: 'Deny', Action: action, Resource: resource, ...extra };
}

export function trustServices(...services: string[]): string {
  return doc({ Effect: 'Allow', Principal: { Service: services }, Action: 'sts:AssumeRole' });
}

export function trustAws(...principals: string[]): string {
  return doc({ Effect: 'Allow', Principal: { AWS: principals }, Action: 'sts:AssumeRole' });
}

export interface RoleSpec {
  name: string;
  trust?: string;
  /** Inline policies by name. */
  inline?: Record<string, string>;
  /** Attached customer managed policies by name (documents), created in `managedPolicies`. */
  managed?: Record<string, string>;
  /** Attached AWS managed policy documents by ARN. */
  awsManaged?: Record<string, string>;
  boundary?: string;
  /** Names of EC2 instances running as the role. */
  instances?: string[];
}

function instance(name: string, roleName: string): Workload {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    accountId: ACCOUNT,
    kind: 'ec2-instance',
    name,
    roleName,
    roleArn: arnOf(roleName),
    settings: {},
    createDate: at,
    updateDate: at,
  };
}

export function roleData(spec: RoleSpec, index = 0): RoleData {
  const identityPolicies: NamedPolicy[] = [
    ...Object.entries(spec.inline ?? {}).map(([n, d]) => ({
      name: `${spec.name}/${n}`,
      document: d,
      source: 'inline' as const,
    })),
    ...Object.entries(spec.managed ?? {}).map(([n, d]) => ({
      name: policyArnOf(n),
      arn: policyArnOf(n),
      document: d,
      source: 'customer-managed' as const,
    })),
    ...Object.entries(spec.awsManaged ?? {}).map(([arn, d]) => ({
      name: arn,
      arn,
      document: d,
      source: 'aws-managed' as const,
    })),
  ];
  const boundaryArn = policyArnOf(`${spec.name}-boundary`);
  return {
    role: {
      accountId: ACCOUNT,
      roleName: spec.name,
      path: '/',
      roleId: `AROA${String(index).padStart(17, '0')}`,
      arn: arnOf(spec.name),
      assumeRolePolicyDocument: spec.trust ?? trustServices('ec2.amazonaws.com'),
      maxSessionDuration: 3600,
      ...(spec.boundary === undefined ? {} : { permissionsBoundaryArn: boundaryArn }),
      tags: [],
      createDate: new Date('2026-01-01T00:00:00Z'),
    },
    identityPolicies,
    ...(spec.boundary === undefined
      ? {}
      : {
          boundary: {
            name: boundaryArn,
            arn: boundaryArn,
            document: spec.boundary,
            source: 'customer-managed' as const,
          },
        }),
    workloads: (spec.instances ?? []).map((i) => instance(i, spec.name)),
    activity: { eventCount: 0, sources: [] },
    lastAccessed: [],
  };
}

/** One account's data with the given roles. */
export function analysisData(...specs: RoleSpec[]): AnalysisData {
  const roles = specs.map((s, i) => roleData(s, i));
  const managed = new Map<string, AnalysisData['managedPolicies'][number]>();
  for (const s of specs) {
    for (const [n, d] of Object.entries(s.managed ?? {})) {
      managed.set(n, { arn: policyArnOf(n), name: n, document: d, tags: [] });
    }
  }
  const now = new Date('2026-06-01T00:00:00Z');
  return {
    accountId: ACCOUNT,
    partition: 'aws',
    now,
    periodStart: new Date(now.getTime() - 90 * 86_400_000),
    roles,
    workloads: roles.flatMap((r) => r.workloads),
    oidcProviders: [],
    accessKeys: [],
    managedPolicies: [...managed.values()],
  };
}
