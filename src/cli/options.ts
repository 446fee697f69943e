/**
 * Option values the `credplane` commands share: their parsers (commander `argParser`s, which
 * reject a bad value before the command runs) and defaults.
 */
import fs from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { templateAccountId } from '../stacks/metadata.js';

export const DEFAULT_ACCOUNT = '123456789012';

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be 0..65535');
  return n;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('must be 1..10000');
  return n;
}

export function accountId(value: string): string {
  if (!/^\d{12}$/.test(value)) throw new InvalidArgumentError('must be 12 digits');
  return value;
}

/**
 * A repeatable option's values, in the order given. Give such an option no default (it is
 * `undefined` when absent) so that `--help` does not print a JavaScript `[]` as its default.
 */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--account-id`, else the template's `Metadata.Credplane.AccountId`, else the default. */
export function resolveAccountId(given: string | undefined, templateFile: string | undefined): string {
  if (given !== undefined) return given;
  if (templateFile !== undefined) {
    const fromTemplate = templateAccountId(fs.readFileSync(templateFile, 'utf8'));
    if (fromTemplate !== undefined) return fromTemplate;
  }
  return DEFAULT_ACCOUNT;
}
