#!/usr/bin/env node
/**
 * The `credplane` command: runs the program (src/cli/program.ts) on the process's arguments and
 * turns a failure into a message and an exit code.
 */
import { isAwsError } from '../errors.js';
import { credplaneProgram } from './program.js';
import { NoStoreError } from './store-option.js';

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
