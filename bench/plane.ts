/** Starting `credplane up` for a suite, with `--profile` honoured. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedEnv, start, type Child } from './processes.js';
import { PROFILE_STOP_GRACE_MS, cpuProfArgs } from './profile.js';
import type { BenchContext } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CLI = path.join(here, '..', 'dist', 'cli', 'main.js');

/**
 * `node dist/cli/main.js up <args>` with the admin key in its environment; with `--profile`, node
 * writes a CPU profile named after `label` when the process stops.
 */
export function startPlane(
  ctx: BenchContext,
  label: string,
  args: string[],
  admin: { accessKeyId: string; secretAccessKey: string },
): Child {
  return start(
    process.execPath,
    [...cpuProfArgs(ctx, label), CLI, 'up', ...args],
    isolatedEnv({
      CREDPLANE_ADMIN_ACCESS_KEY_ID: admin.accessKeyId,
      CREDPLANE_ADMIN_SECRET_ACCESS_KEY: admin.secretAccessKey,
    }),
    ctx.profileDir === undefined ? {} : { stopGraceMs: PROFILE_STOP_GRACE_MS },
  );
}
