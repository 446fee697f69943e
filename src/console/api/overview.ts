/**
 * `GET api/overview` (`iam:ListRoles`; EC2 instances only with `ec2:DescribeInstances`; a role's
 * findings only with the role page's reads on it): every workload by channel with its
 * role, last delivery and findings; every role with how many workloads use it; the account's
 * posture findings; deliveries per channel per hour. A fixed number of store reads whatever the
 * number of roles (roles by pages of 1000, the workloads, the last-accessed aggregates, one pass
 * over the last week of the access log), plus the posture findings, cached per store generation
 * (`posture-cache.ts`).
 */
import {
  allows,
  describeInstancesCheck,
  listRolesCheck,
  requireAll,
  roleArnOf,
  roleReadChecks,
} from '../authorization.js';
import type { Overview, RoleSummary } from '../contract.js';
import { allRoles, CHANNEL_OF_LOG, eachEvent, HOUR_MS, last24Hours, type ApiContext } from './context.js';
import { findingRole } from './posture-cache.js';
import { DeliveryIndex, indexFindings, workloadRow } from './workload-rows.js';

/** How far back a workload's last delivery is looked for. */
const DELIVERY_LOOKBACK_MS = 7 * 86_400_000;

export async function overview(ctx: ApiContext): Promise<Overview> {
  const { store, arns } = ctx;
  requireAll(ctx.auth, [listRolesCheck(arns)], ctx.ring);
  // EC2 instances are what `ec2:DescribeInstances` shows: without it they (and the findings about
  // them) are left out, as the graph leaves out roles the caller may not read; the other
  // workloads are the roles' side, shown with `iam:ListRoles`.
  const seesInstances = allows(ctx.auth, [describeInstancesCheck]);
  const accountId = arns.accountId;
  const now = ctx.now();
  const [roles, allWorkloads, lastAccessed, allFindings] = await Promise.all([
    allRoles(store, accountId),
    store.listWorkloads(accountId),
    store.listLastAccessed(accountId),
    ctx.posture.findings(accountId),
  ]);
  const workloads = seesInstances ? allWorkloads : allWorkloads.filter((w) => w.kind !== 'ec2-instance');
  // A finding about a role says what its policies grant (what `iam:GetRolePolicy` says): shown only
  // to a caller allowed the role page's reads on it, as the graph shows only roles it may read.
  const arnOf = new Map(roles.map((r) => [r.roleName.toLowerCase(), r.arn]));
  const readable = new Map<string, boolean>();
  const mayReadRole = (roleName: string): boolean => {
    const key = roleName.toLowerCase();
    let ok = readable.get(key);
    if (ok === undefined) {
      ok = allows(ctx.auth, roleReadChecks(arnOf.get(key) ?? roleArnOf(arns, roleName)));
      readable.set(key, ok);
    }
    return ok;
  };
  const findings = allFindings.filter((f) => {
    if (!seesInstances && f.subject.kind === 'instance') return false;
    const role = findingRole(f);
    return role === undefined || mayReadRole(role);
  });

  const { hours, start } = last24Hours(now);
  const byChannel: Record<string, number[]> = {
    instance: new Array<number>(24).fill(0),
    task: new Array<number>(24).fill(0),
    function: new Array<number>(24).fill(0),
    pod: new Array<number>(24).fill(0),
  };
  const deliveries = new DeliveryIndex();
  for await (const event of eachEvent(store, { accountId, since: new Date(now - DELIVERY_LOOKBACK_MS) })) {
    deliveries.add(event);
    const channel = CHANNEL_OF_LOG[event.channel];
    const at = event.eventTime.getTime();
    if (channel !== undefined && at >= start) {
      const hour = Math.floor((at - start) / HOUR_MS);
      if (hour >= 0 && hour < 24) byChannel[channel]![hour]! += 1;
    }
  }

  const index = indexFindings(findings);
  const workloadCount = new Map<string, number>();
  for (const w of workloads) {
    const key = w.roleName.toLowerCase();
    if (key !== '') workloadCount.set(key, (workloadCount.get(key) ?? 0) + 1);
  }
  const lastUsed = new Map<string, Date>();
  for (const a of lastAccessed) {
    const key = a.roleName.toLowerCase();
    const seen = lastUsed.get(key);
    if (seen === undefined || seen < a.lastAccessed) lastUsed.set(key, a.lastAccessed);
  }
  const roleRows: RoleSummary[] = roles.map((role) => {
    const key = role.roleName.toLowerCase();
    const used = lastUsed.get(key);
    return {
      name: role.roleName,
      arn: role.arn,
      workloadCount: workloadCount.get(key) ?? 0,
      findingCount: index.byRole.get(key)?.length ?? 0,
      ...(used === undefined ? {} : { lastUsed: used.toISOString() }),
    };
  });

  return {
    account: accountId,
    workloads: workloads.map((w) => workloadRow(w, deliveries, index)),
    roles: roleRows,
    findings,
    deliveries: { hours, byChannel },
  };
}
