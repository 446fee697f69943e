#!/usr/bin/env node
/**
 * The `credplane` command: runs the program (src/cli/program.ts) on the process's arguments and
 * turns a failure into a message and an exit code.
 */
import { isAwsError } from '../errors.js';
import { credplaneProgram } from './program.js';
import { NoStoreError } from './store-option.js';

// `credplane logs | head`: once the reader has gone there is nobody to write for, so end now, as
// a command killed by SIGPIPE would (Node ignores SIGPIPE and reports a failed write as EPIPE,
// https://nodejs.org/api/process.html#signal-events). The write fails synchronously and the error
// is emitted on the next tick, so an exit code a command sets right after writing its report
// (`credplane analyze --fail-on`) is already there.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

credplaneProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (isAwsError(error)) {
      process.stderr.write(`credplane: ${error.code}: ${error.message}\n`);
    } else {
      process.stderr.write(`credplane: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    // `credplane analyze` makes a missing store a usage error (exit 2).
    process.exit(error instanceof NoStoreError ? error.exitCode : 1);
  });
