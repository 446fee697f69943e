/**
 * `--profile <dir>`: V8 CPU profiles of credplane's side of a case. A credplane process started by
 * a suite runs with node's `--cpu-prof` (the profile is written when it exits after SIGTERM); an
 * in-process suite (policy, sigv4, crypto) is profiled through node's inspector around its rounds.
 * Open the `.cpuprofile` files in Chrome DevTools or speedscope (docs/benchmarks.md).
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import type { BenchContext } from './types.js';

/** Long enough for a process to write a profile of a few minutes after SIGTERM. */
export const PROFILE_STOP_GRACE_MS = 30_000;

function fileName(label: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `credplane-${label.replace(/[^A-Za-z0-9_-]+/g, '_')}-${stamp}.cpuprofile`;
}

/** Node flags that make a child write its CPU profile into `ctx.profileDir` at exit; none without. */
export function cpuProfArgs(ctx: BenchContext, label: string): string[] {
  if (ctx.profileDir === undefined) return [];
  fs.mkdirSync(ctx.profileDir, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', ctx.profileDir, '--cpu-prof-name', fileName(label)];
}

/** Runs `fn` with this process's CPU profiled into `ctx.profileDir` (just `fn` without it). */
export async function profileInProcess<T>(
  ctx: BenchContext,
  label: string,
  fn: () => Promise<T>,
): Promise<T> {
  if (ctx.profileDir === undefined) return fn();
  fs.mkdirSync(ctx.profileDir, { recursive: true });
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    const result = await fn();
    const { profile } = await session.post('Profiler.stop');
    const file = path.join(ctx.profileDir, fileName(label));
    fs.writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`  profile written: ${file}\n`);
    return result;
  } finally {
    session.disconnect();
  }
}
