/** Running the systems of a case in interleaved rounds and recording their figures. */
import { roundOrder } from './stats.js';
import type { BenchContext, CaseResult } from './types.js';

/**
 * Runs `measure(system, round)` for every system in every round, the systems rotated each round
 * (A B C, B C A, …), one after another: never two loads at once.
 */
export async function forEachRound<S extends string>(
  ctx: BenchContext,
  systems: readonly S[],
  measure: (system: S, round: number) => Promise<void>,
): Promise<void> {
  for (let round = 0; round < ctx.rounds; round++) {
    for (const system of roundOrder(systems, round)) await measure(system, round);
  }
}

/** Collects one case's figures round by round. */
export class CaseRecorder {
  private readonly rounds: Record<string, number>[];
  private readonly notes: string[] = [];

  constructor(
    private readonly spec: Omit<CaseResult, 'rounds' | 'note'>,
    rounds: number,
  ) {
    this.rounds = Array.from({ length: rounds }, () => ({}));
  }

  set(round: number, system: string, value: number): void {
    const slot = this.rounds[round];
    if (slot === undefined) throw new Error(`round ${round} out of range`);
    slot[system] = value;
  }

  /** A remark printed with the case (e.g. non-200 answers in a round); each one once. */
  note(text: string): void {
    if (!this.notes.includes(text)) this.notes.push(text);
  }

  result(): CaseResult {
    return {
      ...this.spec,
      rounds: this.rounds,
      ...(this.notes.length ? { note: this.notes.join('; ') } : {}),
    };
  }
}

/** Seconds per load: the suite's own unless `--seconds` overrides it. */
export function secondsFor(ctx: BenchContext, suiteDefault: number): number {
  return ctx.seconds ?? suiteDefault;
}
