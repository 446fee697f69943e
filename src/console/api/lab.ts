/**
 * `POST api/lab/ssrf` (`ec2:RunInstances` with `iam:PassRole`): runs the SSRF lab
 * (`delivery/imds/lab/ssrf.ts`) against a private control plane of its own, one run at a time
 * (`ConcurrentModification`, 409, while one runs). The hop-limit scenario needs network
 * namespaces: only when asked (`{ "netns": true }`) and running as root.
 */
import type { LabReport } from '../../delivery/imds/lab/report.js';
import type { JsonValue } from '../../iam/types.js';
import { labChecks, requireAll } from '../authorization.js';
import type { LabRun } from '../contract.js';
import { ConsoleApiError } from '../respond.js';
import type { ApiContext } from './context.js';

/** Runs the lab; `startControlPlane` is handed in by start-up (`server/start.ts`). */
export type RunSsrfLab = (options: { netns: boolean }) => Promise<LabReport>;

export function labRun(report: LabReport): LabRun {
  return {
    ok: report.ok,
    scenarios: report.scenarios.map((s) => ({
      name: s.title,
      attackerGot: s.observed,
      passed: s.behaved || s.skipped !== undefined,
      details: {
        id: s.id,
        expected: s.expected,
        lesson: s.lesson,
        ...(s.skipped === undefined ? {} : { skipped: s.skipped }),
        steps: s.steps.map((step) => ({ sent: step.sent, status: step.status, received: step.received })),
      } satisfies JsonValue,
    })),
  };
}

export class LabRunner {
  readonly #run: RunSsrfLab | undefined;
  #busy = false;

  constructor(run: RunSsrfLab | undefined) {
    this.#run = run;
  }

  async run(ctx: ApiContext, body: unknown): Promise<LabRun> {
    requireAll(ctx.auth, labChecks(ctx.arns), ctx.ring);
    if (this.#run === undefined) {
      throw new ConsoleApiError('ServiceUnavailable', 'The SSRF lab is not available in this server.', {
        status: 503,
      });
    }
    if (this.#busy) {
      throw new ConsoleApiError(
        'ConcurrentModification',
        'The SSRF lab is already running; try again when it ends.',
        {
          status: 409,
        },
      );
    }
    const asked = typeof body === 'object' && body !== null && (body as { netns?: unknown }).netns === true;
    const netns = asked && process.getuid?.() === 0;
    this.#busy = true;
    try {
      return labRun(await this.#run({ netns }));
    } finally {
      this.#busy = false;
    }
  }
}
