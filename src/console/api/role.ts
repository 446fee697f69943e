/**
 * `GET api/roles/<name>` (`iam:GetRole`, `iam:ListRolePolicies`, `iam:GetRolePolicy`,
 * `iam:ListAttachedRolePolicies`): the role, each of its policies pretty-printed with the
 * validator's findings located in that text (`analyzer/policy-checks`), its workloads, Access
 * Advisor-style last access from the store's aggregates, its findings and a 24-hour decision
 * timeline.
 */
import type { Finding } from '../../analyzer/findings.js';
import { checkPolicy } from '../../analyzer/policy-checks/index.js';
import type { NamedPolicy } from '../../analyzer/data.js';
import { grantedActions, serviceOf } from '../../analyzer/unused/granted-actions.js';
import { findAwsManagedPolicy } from '../../catalog/aws-managed-policies.js';
import { isAwsManagedPolicyArn } from '../../iam/arn.js';
import type { Role } from '../../iam/types.js';
import type { Store } from '../../store/store.js';
import { requireAll, roleArnOf, roleReadChecks } from '../authorization.js';
import type { PolicyView, RolePage, ServiceLastAccessed } from '../contract.js';
import { notFound } from '../respond.js';
import { eachEvent, HOUR_MS, last24Hours, type ApiContext } from './context.js';
import { findingRole } from './posture-cache.js';
import { indexFindings, workloadRow } from './workload-rows.js';

/** The role, after the caller is authorized to read it (so a refused caller learns nothing of it). */
export async function readableRole(ctx: ApiContext, roleName: string): Promise<Role> {
  const role = await ctx.store.findRole(ctx.arns.accountId, roleName);
  requireAll(ctx.auth, roleReadChecks(role?.arn ?? roleArnOf(ctx.arns, roleName)), ctx.ring);
  if (role === undefined) throw notFound(`The role with name ${roleName} cannot be found.`);
  return role;
}

/** The document with 2-space indentation; the text as stored when it is not JSON. */
export function pretty(document: string): string {
  try {
    return JSON.stringify(JSON.parse(document), null, 2);
  } catch {
    return document;
  }
}

async function managedDocument(store: Store, arn: string): Promise<string | undefined> {
  if (isAwsManagedPolicyArn(arn)) return findAwsManagedPolicy(arn)?.document;
  const policy = await store.getPolicy(arn);
  return (await store.getPolicyVersion(arn, policy.defaultVersionId)).document;
}

/** Every policy of the role: trust, inline, attached, boundary. */
export async function rolePolicies(store: Store, role: Role): Promise<PolicyView[]> {
  const views: PolicyView[] = [];
  const trust = pretty(role.assumeRolePolicyDocument);
  views.push({
    kind: 'trust',
    name: 'trust',
    text: trust,
    findings: (await checkPolicy(trust, { kind: 'trust', policy: 'trust' })).map((f) => ({
      ...f,
      subject: { kind: 'role', name: role.roleName, arn: role.arn },
    })),
  });
  let marker: string | undefined;
  do {
    const page = await store.listRolePolicies(role.accountId, role.roleName, {
      maxItems: 1000,
      ...(marker === undefined ? {} : { marker }),
    });
    for (const p of page.items) {
      const text = pretty(p.document);
      const name = `${role.roleName}/${p.policyName}`;
      views.push({
        kind: 'inline',
        name: p.policyName,
        text,
        findings: await checkPolicy(text, { kind: 'identity', policy: name, attachment: 'role-inline' }),
      });
    }
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  do {
    const page = await store.listAttachedRolePolicies(role.accountId, role.roleName, {
      maxItems: 1000,
      ...(marker === undefined ? {} : { marker }),
    });
    for (const a of page.items) {
      const document = await managedDocument(store, a.policyArn);
      if (document === undefined) continue;
      const text = pretty(document);
      views.push({
        kind: 'managed',
        name: a.policyArn,
        text,
        // AWS managed policies are AWS's to fix: shown, not checked (as `credplane analyze`).
        findings: isAwsManagedPolicyArn(a.policyArn)
          ? []
          : await checkPolicy(text, { kind: 'identity', policy: a.policyArn }),
      });
    }
    marker = page.isTruncated ? page.marker : undefined;
  } while (marker !== undefined);
  if (role.permissionsBoundaryArn !== undefined) {
    const document = await managedDocument(store, role.permissionsBoundaryArn);
    if (document !== undefined) {
      const text = pretty(document);
      views.push({
        kind: 'boundary',
        name: role.permissionsBoundaryArn,
        text,
        findings: isAwsManagedPolicyArn(role.permissionsBoundaryArn)
          ? []
          : await checkPolicy(text, { kind: 'boundary', policy: role.permissionsBoundaryArn }),
      });
    }
  }
  return views;
}

/** Per service prefix, newest first, each action/resource with its counts. */
async function lastAccessedOf(store: Store, role: Role): Promise<ServiceLastAccessed[]> {
  const rows = await store.listLastAccessed(role.accountId, { roleName: role.roleName });
  const byService = new Map<string, ServiceLastAccessed>();
  for (const a of rows) {
    const service = a.action.split(':', 1)[0]!.toLowerCase();
    let entry = byService.get(service);
    if (entry === undefined) {
      entry = { service, actions: [] };
      byService.set(service, entry);
    }
    const at = a.lastAccessed.toISOString();
    if (entry.lastAccessed === undefined || entry.lastAccessed < at) entry.lastAccessed = at;
    entry.actions.push({
      action: a.action,
      resource: a.resource,
      lastAccessed: at,
      allowed: a.allowedCount,
      denied: a.deniedCount,
    });
  }
  for (const entry of byService.values())
    entry.actions.sort((x, y) => (x.lastAccessed < y.lastAccessed ? 1 : -1));
  return [...byService.values()].sort((x, y) => ((x.lastAccessed ?? '') < (y.lastAccessed ?? '') ? 1 : -1));
}

/**
 * Adds, per service, the actions the role's policies grant (within its boundary) that the log never
 * saw it use, and the granted services it never used at all (Access Advisor's "Not accessed").
 */
async function withUnused(
  services: ServiceLastAccessed[],
  policies: readonly PolicyView[],
): Promise<ServiceLastAccessed[]> {
  const named = (p: PolicyView): NamedPolicy => ({
    name: p.name,
    document: p.text,
    source:
      p.kind === 'inline' ? 'inline' : isAwsManagedPolicyArn(p.name) ? 'aws-managed' : 'customer-managed',
    ...(p.kind === 'inline' ? {} : { arn: p.name }),
  });
  const boundary = policies.find((p) => p.kind === 'boundary');
  const granted = await grantedActions(
    policies.filter((p) => p.kind === 'inline' || p.kind === 'managed').map(named),
    boundary === undefined ? undefined : named(boundary),
  );
  const byService = new Map(services.map((s) => [s.service, s]));
  for (const action of granted) {
    const service = serviceOf(action);
    let entry = byService.get(service);
    if (entry === undefined) {
      entry = { service, actions: [] };
      byService.set(service, entry);
      services.push(entry);
    }
    const used = new Set(entry.actions.map((a) => a.action.toLowerCase()));
    if (!used.has(action.toLowerCase())) (entry.unusedActions ??= []).push(action);
  }
  return services;
}

export async function rolePage(ctx: ApiContext, roleName: string): Promise<RolePage> {
  const role = await readableRole(ctx, roleName);
  const { store } = ctx;
  const now = ctx.now();
  const [policies, workloads, lastAccessed, posture] = await Promise.all([
    rolePolicies(store, role),
    store.listWorkloads(role.accountId, { roleName: role.roleName }),
    lastAccessedOf(store, role),
    ctx.posture.findings(role.accountId),
  ]);
  const key = role.roleName.toLowerCase();
  const about = posture.filter((f) => findingRole(f)?.toLowerCase() === key);
  const findings: Finding[] = [...about, ...policies.flatMap((p) => p.findings)];
  const index = indexFindings(about);

  const { hours, start } = last24Hours(now);
  const allow = new Array<number>(24).fill(0);
  const deny = new Array<number>(24).fill(0);
  for await (const event of eachEvent(store, {
    accountId: role.accountId,
    roleName: role.roleName,
    since: new Date(start),
  })) {
    const hour = Math.floor((event.eventTime.getTime() - start) / HOUR_MS);
    if (hour < 0 || hour >= 24) continue;
    if (event.decision === 'allow') allow[hour]! += 1;
    else deny[hour]! += 1;
  }

  return {
    name: role.roleName,
    arn: role.arn,
    ...(role.description === undefined ? {} : { description: role.description }),
    createDate: role.createDate.toISOString(),
    maxSessionDuration: role.maxSessionDuration,
    tags: role.tags.map((t) => ({ key: t.key, value: t.value })),
    policies,
    workloads: workloads.map((w) => workloadRow(w, undefined, index)),
    lastAccessed: await withUnused(lastAccessed, policies),
    findings,
    decisions: { hours, allow, deny },
  };
}
