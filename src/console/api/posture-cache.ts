/**
 * The account's posture findings for the overview, computed once per store generation (and at
 * most once a minute while the generation stands still, since the access log, which some checks
 * read, changes without a generation): loading the analysis data reads every role's policies, and
 * the first screen must not pay that on every load.
 */
import { loadAnalysisData } from '../../analyzer/load.js';
import type { Finding } from '../../analyzer/findings.js';
import { postureFindings } from '../../analyzer/posture/index.js';
import type { Store } from '../../store/store.js';

const MAX_AGE_MS = 60_000;
/** The period the posture checks look at the access log over (the analyzer's default, 90 days). */
const PERIOD_MS = 90 * 86_400_000;

export class PostureCache {
  readonly #store: Store;
  readonly #now: () => number;
  readonly #entries = new Map<string, { generation: number; at: number; findings: Promise<Finding[]> }>();

  constructor(store: Store, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  async findings(accountId: string): Promise<Finding[]> {
    const generation = await this.#store.generation();
    const now = this.#now();
    const cached = this.#entries.get(accountId);
    if (cached !== undefined && cached.generation === generation && now - cached.at < MAX_AGE_MS) {
      return cached.findings;
    }
    const findings = loadAnalysisData(this.#store, {
      accountId,
      periodMs: PERIOD_MS,
      now: new Date(now),
    }).then(postureFindings);
    this.#entries.set(accountId, { generation, at: now, findings });
    findings.catch(() => this.#entries.delete(accountId));
    return findings;
  }
}

/** The role a finding is about: its subject, or the workload's role in its details. */
export function findingRole(f: Finding): string | undefined {
  if (f.subject.kind === 'role') return f.subject.name;
  const owner = f.details?.roleName;
  return typeof owner === 'string' ? owner : undefined;
}
