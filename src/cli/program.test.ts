import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { credplaneProgram } from './program.js';

function allCommands(command: Command, path: string[] = []): { path: string; command: Command }[] {
  return command.commands.flatMap((c) => [
    { path: [...path, c.name()].join(' '), command: c },
    ...allCommands(c, [...path, c.name()]),
  ]);
}

/** Each `(... default: X)` of a command's `--help`, with the line wrapping undone. */
function helpDefaults(command: Command): string[] {
  const text = command.helpInformation().replace(/\s*\n\s+/g, ' ');
  return [...text.matchAll(/default: ([^)]*)\)/g)].map((m) => m[1]!);
}

describe('credplane --help', () => {
  const commands = allCommands(credplaneProgram());

  it('lists every command once', () => {
    const names = commands.map((c) => c.path);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining([
        'up',
        'apply',
        'analyze',
        'logs',
        'cluster create',
        'run-task',
        'invoke',
        'lab ssrf',
      ]),
    );
  });

  it.each(allCommands(credplaneProgram()).map((c) => [c.path, c.command] as const))(
    '%s shows defaults as a person writes them',
    (_path, command) => {
      for (const shown of helpDefaults(command)) {
        expect(shown, 'a JavaScript array').not.toMatch(/^\[/);
        expect(shown, 'a JavaScript object').not.toMatch(/^\{/);
        expect(shown, 'a raw number of milliseconds').not.toMatch(/^\d{5,}$/);
        expect(shown, 'an internal upper-case constant').not.toMatch(/^"?[A-Z_]{2,}"?$/);
      }
    },
  );

  it('shows the analyze period, severity and checks the way they are typed', () => {
    const analyze = commands.find((c) => c.path === 'analyze')!.command;
    expect(helpDefaults(analyze)).toEqual(
      expect.arrayContaining(['90d', 'error', 'posture,unused,policies,escalation']),
    );
  });
});
