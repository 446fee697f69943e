/**
 * Workloads as the console lists them: channel, the id people know them by, their role, their last
 * credential delivery from the access log, and how many findings are about them or their role.
 */
import { SEVERITIES, type Finding } from '../../analyzer/findings.js';
import type { AccessEvent } from '../../store/store.js';
import { instanceIdOf, type Workload } from '../../workloads/index.js';
import type { WorkloadRow } from '../contract.js';
import { CHANNEL_OF_KIND, CHANNEL_OF_LOG } from './context.js';
import { findingRole } from './posture-cache.js';

export function workloadId(w: Workload): string {
  return w.kind === 'ec2-instance' ? instanceIdOf(w) : w.name;
}

/** The newest delivery per `channel/role`, and per source ARN when the record names one. */
export class DeliveryIndex {
  readonly byRole = new Map<string, Date>();
  readonly bySource = new Map<string, Date>();

  add(event: AccessEvent): void {
    const channel = CHANNEL_OF_LOG[event.channel];
    if (channel === undefined || event.roleName === undefined || event.decision !== 'allow') return;
    bump(this.byRole, `${channel}/${event.roleName.toLowerCase()}`, event.eventTime);
    const source = sourceArnOf(event);
    if (source !== undefined) bump(this.bySource, source, event.eventTime);
  }

  /** The workload's newest delivery: by its own ARN when deliveries name one, else by its role. */
  lastFor(w: Workload, id: string): Date | undefined {
    for (const [arn, at] of this.bySource) if (arn.endsWith(`/${id}`) || arn.endsWith(`:${id}`)) return at;
    return this.byRole.get(`${CHANNEL_OF_KIND[w.kind]}/${w.roleName.toLowerCase()}`);
  }
}

function bump(map: Map<string, Date>, key: string, at: Date): void {
  const seen = map.get(key);
  if (seen === undefined || seen < at) map.set(key, at);
}

function sourceArnOf(event: AccessEvent): string | undefined {
  const record = event.record;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  const params = record.requestParameters;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return undefined;
  return typeof params.sourceArn === 'string' ? params.sourceArn : undefined;
}

/** Findings by the role they concern (lower-cased) and by the instance/workload they are about. */
export interface FindingIndex {
  byRole: Map<string, Finding[]>;
  bySubject: Map<string, Finding[]>;
}

export function indexFindings(findings: readonly Finding[]): FindingIndex {
  const byRole = new Map<string, Finding[]>();
  const bySubject = new Map<string, Finding[]>();
  const push = (map: Map<string, Finding[]>, key: string, f: Finding): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [f]);
    else list.push(f);
  };
  for (const f of findings) {
    const role = findingRole(f);
    if (role !== undefined) push(byRole, role.toLowerCase(), f);
    if (f.subject.kind === 'instance' || f.subject.kind === 'workload') push(bySubject, f.subject.name, f);
  }
  return { byRole, bySubject };
}

function worst(findings: readonly Finding[]): Finding['severity'] | undefined {
  let best: number | undefined;
  for (const f of findings) {
    const i = SEVERITIES.indexOf(f.severity);
    if (best === undefined || i < best) best = i;
  }
  return best === undefined ? undefined : SEVERITIES[best];
}

export function workloadRow(
  w: Workload,
  deliveries: DeliveryIndex | undefined,
  findings: FindingIndex,
): WorkloadRow {
  const id = workloadId(w);
  const about = new Set([
    ...(findings.bySubject.get(id) ?? []),
    ...(findings.bySubject.get(w.name) ?? []),
    ...(w.roleName === '' ? [] : (findings.byRole.get(w.roleName.toLowerCase()) ?? [])),
  ]);
  const last = deliveries?.lastFor(w, id);
  const severity = worst([...about]);
  return {
    kind: w.kind,
    channel: CHANNEL_OF_KIND[w.kind],
    name: w.name,
    id,
    ...(w.roleName === '' ? {} : { roleName: w.roleName }),
    ...(w.roleArn === undefined ? {} : { roleArn: w.roleArn }),
    ...(last === undefined ? {} : { lastDelivery: last.toISOString() }),
    findingCount: about.size,
    ...(severity === undefined ? {} : { worstSeverity: severity }),
  };
}
