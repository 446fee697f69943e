/**
 * `--parameter Key=Value`: a template parameter, for `credplane up` and `credplane apply` alike.
 *
 * The pair splits at the first `=`, so a value may itself contain `=` (a base64 string, a URL
 * query) or be empty (`Key=`); the key may not be empty. Repeating a key keeps the last value, as
 * `aws cloudformation deploy --parameter-overrides Key=Value ...` does.
 */
import { InvalidArgumentError, Option } from 'commander';

export type TemplateParameters = Record<string, string>;

/**
 * Adds one `Key=Value` to the parameters given so far (a commander `argParser`).
 *
 * @example
 * addParameter('Env=prod', {}) // { Env: 'prod' }
 */
export function addParameter(pair: string, previous: TemplateParameters | undefined): TemplateParameters {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected Key=Value, got '${pair}'`);
  return { ...previous, [pair.slice(0, eq)]: pair.slice(eq + 1) };
}

/** The `--parameter` option; its value is `undefined` when none is given (no parameters). */
export const parameterOption = (): Option =>
  new Option(
    '--parameter <Key=Value>',
    'template parameter (repeatable; the value is what follows the first =, may be empty; a repeated key keeps the last value)',
  ).argParser(addParameter);
