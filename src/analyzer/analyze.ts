/**
 * `credplane analyze` without the command line: loads each account from the Store and runs the
 * selected check families (posture, unused access, policy checks of every stored policy) into
 * one list of findings.
 */
import { escalationFindings } from './escalation/index.js';
import { checkPolicy } from './policy-checks/index.js';
import type { Finding } from './findings.js';
import type { AnalysisData } from './data.js';
import { loadEscalationUsers } from './load-users.js';
import { loadAnalysisData, loadPolicyVersionCounts } from './load.js';
import { locateInTemplate } from './template-locations.js';
import { postureFindings } from './posture/index.js';
import { unusedFindings } from './unused/index.js';
import type { Tag } from '../iam/types.js';
import type { Store } from '../store/store.js';

/** `escalation`: privilege-escalation paths of the access graph (`src/analyzer/escalation/`). */
export const CHECK_FAMILIES = ['posture', 'unused', 'policies', 'escalation'] as const;
export type CheckFamily = (typeof CHECK_FAMILIES)[number];

export interface AnalyzeOptions {
  /** Every account of the store when absent. */
  accountIds?: string[];
  periodMs: number;
  /** Only this role's findings (and its policies'). */
  roleName?: string;
  checks?: readonly CheckFamily[];
  now?: Date;
  /**
   * Findings of the template the store was applied from (`checkTemplate`): they come first, and
   * the stored-policy findings they repeat (same code and path in the policy of the same logical
   * id, by the stack's `credplane:logical-id` tags) are dropped, so each problem is reported
   * once, at its template line.
   */
  templateFindings?: Finding[];
  /** The template the stack came from: posture and unused findings are put on its resources' lines. */
  templateSource?: { file: string; text: string };
}

const LOGICAL_ID_TAG = 'credplane:logical-id';

function logicalIdOf(tags: readonly Tag[]): string | undefined {
  return tags.find((t) => t.key === LOGICAL_ID_TAG)?.value;
}

/** The name `checkTemplate` gives the policy a stored-policy finding is about, if the stack says. */
function templatePolicyName(f: Finding, data: AnalysisData): string | undefined {
  const policy = f.location?.policy;
  if (policy === undefined) return undefined;
  if (policy === 'trust' && f.subject.kind === 'role') {
    const role = data.roles.find((r) => r.role.roleName === f.subject.name);
    const logical = role && logicalIdOf(role.role.tags);
    return logical === undefined ? undefined : `${logical}/trust`;
  }
  const managed = data.managedPolicies.find((p) => p.arn === policy);
  if (managed !== undefined) return logicalIdOf(managed.tags);
  const slash = policy.indexOf('/');
  const role = data.roles.find((r) => r.role.roleName === policy.slice(0, slash));
  const logical = role && logicalIdOf(role.role.tags);
  return logical === undefined ? undefined : `${logical}${policy.slice(slash)}`;
}

function withoutTemplateDuplicates(
  stored: Finding[],
  template: readonly Finding[],
  data: AnalysisData,
): Finding[] {
  const key = (code: string, path: string | undefined, policy: string): string =>
    `${code}\u0000${path ?? ''}\u0000${policy}`;
  const seen = new Set(template.map((f) => key(f.code, f.location?.path, f.location?.policy ?? '')));
  return stored.filter((f) => {
    const name = templatePolicyName(f, data);
    return name === undefined || !seen.has(key(f.code, f.location?.path, name));
  });
}

/**
 * The policy findings of every stored policy of the account: each role's trust policy and inline
 * policies, each customer managed policy once (AWS managed policies are AWS's to fix). Trust
 * findings name the role as their subject and `trust` as the policy, as posture findings do.
 */
export async function storedPolicyFindings(data: AnalysisData, roleName?: string): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const { role, identityPolicies } of data.roles) {
    const trust = await checkPolicy(role.assumeRolePolicyDocument, { kind: 'trust', policy: 'trust' });
    for (const f of trust) out.push({ ...f, subject: { kind: 'role', name: role.roleName, arn: role.arn } });
    for (const p of identityPolicies) {
      if (p.source !== 'inline') continue;
      out.push(
        ...(await checkPolicy(p.document, { kind: 'identity', policy: p.name, attachment: 'role-inline' })),
      );
    }
  }
  const wanted = new Set(
    data.roles.flatMap((r) => [r.boundary?.arn, ...r.identityPolicies.map((p) => p.arn)]),
  );
  for (const p of data.managedPolicies) {
    if (roleName !== undefined && !wanted.has(p.arn)) continue;
    const boundaryOnly =
      data.roles.some((r) => r.boundary?.arn === p.arn) &&
      !data.roles.some((r) => r.identityPolicies.some((i) => i.arn === p.arn));
    out.push(
      ...(await checkPolicy(p.document, { kind: boundaryOnly ? 'boundary' : 'identity', policy: p.arn })),
    );
  }
  return out;
}

/** Findings about something other than the role, dropped under `--role`. */
function concernsRole(f: Finding, roleName: string, data: AnalysisData): boolean {
  const lower = roleName.toLowerCase();
  if (f.subject.kind === 'role') return f.subject.name.toLowerCase() === lower;
  if (f.subject.kind === 'instance' || f.subject.kind === 'workload') {
    const owner = f.details?.roleName;
    return typeof owner === 'string' && owner.toLowerCase() === lower;
  }
  if (f.subject.kind === 'policy') {
    return (
      f.subject.name.toLowerCase().startsWith(`${lower}/`) ||
      data.roles.some(
        (r) => r.boundary?.arn === f.subject.name || r.identityPolicies.some((p) => p.arn === f.subject.name),
      )
    );
  }
  return false;
}

/**
 * Runs the analysis.
 *
 * @example
 * const findings = await analyze(store, { periodMs: parsePeriod('90d'), checks: ['posture'] });
 */
export async function analyze(store: Store, options: AnalyzeOptions): Promise<Finding[]> {
  const checks = new Set(options.checks ?? CHECK_FAMILIES);
  const accounts = options.accountIds ?? (await store.listAccounts()).map((a) => a.accountId);
  const findings: Finding[] = [];
  /** Logical ids of the roles `roleName` selects, to keep their template findings. */
  const selected = new Set<string>();
  for (const accountId of accounts) {
    const data = await loadAnalysisData(store, {
      accountId,
      periodMs: options.periodMs,
      ...(options.roleName === undefined ? {} : { roleName: options.roleName }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    const found: Finding[] = [];
    if (checks.has('posture')) found.push(...postureFindings(data));
    if (checks.has('unused')) found.push(...(await unusedFindings(data)));
    if (checks.has('policies')) {
      const stored = await storedPolicyFindings(data, options.roleName);
      found.push(
        ...(options.templateFindings === undefined
          ? stored
          : withoutTemplateDuplicates(stored, options.templateFindings, data)),
      );
    }
    if (checks.has('escalation')) {
      // Paths run through every principal of the account, so `--role` filters the findings (below),
      // never the graph.
      const whole =
        options.roleName === undefined
          ? data
          : await loadAnalysisData(store, {
              accountId,
              periodMs: options.periodMs,
              ...(options.now === undefined ? {} : { now: options.now }),
            });
      found.push(
        ...escalationFindings(whole, {
          policyVersionCounts: await loadPolicyVersionCounts(store, whole),
          users: await loadEscalationUsers(store, accountId),
        }),
      );
    }
    const located =
      options.templateSource === undefined ? found : locateInTemplate(found, options.templateSource, data);
    const roleName = options.roleName;
    findings.push(
      ...(roleName === undefined ? located : located.filter((f) => concernsRole(f, roleName, data))),
    );
    for (const r of data.roles) {
      const logical = logicalIdOf(r.role.tags);
      if (logical !== undefined) selected.add(logical);
    }
  }
  const template = options.templateFindings ?? [];
  return [
    ...(options.roleName === undefined
      ? template
      : template.filter(
          (f) => selected.has(f.subject.name) || selected.has(f.location?.policy?.split('/')[0] ?? ''),
        )),
    ...findings,
  ];
}
