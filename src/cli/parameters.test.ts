/**
 * `credplane up` and `credplane apply` read `--parameter` the same way: both commands are
 * registered as `credplane` registers them, and their parsed options compared.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerApplyCommand } from './apply.js';
import { addParameter } from './parameters.js';
import { registerUpCommand } from './up.js';

/** The `--parameter` value `command` parses from `args` (its action replaced; nothing runs). */
async function parsedParameters(command: 'up' | 'apply', args: string[]): Promise<unknown> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
  registerUpCommand(program);
  registerApplyCommand(program);
  let parsed: unknown;
  const sub = program.commands.find((c) => c.name() === command)!;
  sub.action((opts: { parameter: unknown }) => {
    parsed = opts.parameter;
  });
  const required = command === 'apply' ? ['-f', 'template.yaml'] : [];
  await program.parseAsync([command, ...required, ...args], { from: 'user' });
  return parsed;
}

const both = ['up', 'apply'] as const;

describe('--parameter Key=Value', () => {
  it.each(both)(
    '%s: splits at the first =, keeps empty values, and the last of a repeated key',
    async (cmd) => {
      const parameters = await parsedParameters(cmd, [
        '--parameter',
        'Token=abc==',
        '--parameter',
        'Empty=',
        '--parameter',
        'Env=dev',
        '--parameter',
        'Env=prod',
        '--parameter',
        'Url=https://example.com/?a=1&b=2',
      ]);
      expect(parameters).toEqual({
        Token: 'abc==',
        Empty: '',
        Env: 'prod',
        Url: 'https://example.com/?a=1&b=2',
      });
    },
  );

  it.each(both)('%s: refuses a pair without a key or without =', async (cmd) => {
    await expect(parsedParameters(cmd, ['--parameter', 'Env'])).rejects.toThrow(
      /expected Key=Value, got 'Env'/,
    );
    await expect(parsedParameters(cmd, ['--parameter', '=prod'])).rejects.toThrow(/expected Key=Value/);
  });

  it.each(both)('%s: no --parameter is no value (no parameters)', async (cmd) => {
    expect(await parsedParameters(cmd, [])).toBeUndefined();
  });

  it('does not change the parameters given before', () => {
    const before = { Env: 'dev' };
    expect(addParameter('Env=prod', before)).toEqual({ Env: 'prod' });
    expect(before).toEqual({ Env: 'dev' });
  });
});
