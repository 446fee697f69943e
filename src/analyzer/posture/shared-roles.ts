/**
 * "One role per workload": a role that several workloads hold, declared (the Store's workloads)
 * or observed (the access log's credential deliveries in the tracking period), is flagged. When
 * the workloads are of different kinds (an instance and a function, say) they are unrelated by
 * construction and the finding is a security warning: a compromise of either reaches both.
 */
import type { Finding } from '../findings.js';
import type { AnalysisData } from '../data.js';
import { postureFinding } from './finding.js';

/** The workload kind an observed source's channel delivers to. */
const CHANNEL_KIND: Record<string, string> = {
  imds: 'ec2-instance',
  container: 'ecs-task-definition',
  lambda: 'lambda-function',
  'pod-identity': 'eks-pod-identity',
  'web-identity': 'web-identity',
};

/**
 * @example
 * roleSharingFindings(data).map((f) => f.subject.name); // ['shared-role']
 */
export function roleSharingFindings(data: AnalysisData): Finding[] {
  const out: Finding[] = [];
  for (const { role, workloads, activity } of data.roles) {
    const declared = workloads.map((w) => `${w.kind}/${w.name}`).sort();
    const observed = activity.sources;
    if (declared.length < 2 && observed.length < 2) continue;
    const kinds = new Set<string>(workloads.map((w) => w.kind));
    for (const source of observed) kinds.add(CHANNEL_KIND[source.split(':')[0] ?? ''] ?? source);
    // A web identity and a declared EKS service account are the same kind of workload.
    if (kinds.has('web-identity') && kinds.has('eks-service-account')) kinds.delete('web-identity');
    const unrelated = kinds.size > 1;
    const parts: string[] = [];
    if (declared.length > 0) parts.push(`declared for ${declared.join(', ')}`);
    if (observed.length > 1)
      parts.push(`credentials delivered to ${observed.join(', ')} in the tracking period`);
    out.push(
      postureFinding(
        unrelated ? 'ROLE_SHARED_BY_UNRELATED_WORKLOADS' : 'ROLE_SHARED_BY_WORKLOADS',
        { kind: 'role', name: role.roleName, arn: role.arn },
        `Role ${role.roleName} is ${parts.join('; ')}: give each workload a role of its own.`,
        { workloads: declared, observedSources: observed, kinds: [...kinds].sort() },
      ),
    );
  }
  return out;
}
