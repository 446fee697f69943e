import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './options.js';

describe('parseBenchArgs', () => {
  it('defaults to 5 rounds and every suite', () => {
    expect(parseBenchArgs([])).toEqual({ suites: [], rounds: 5 });
  });

  it('reads suites and every option, as separate or inline values', () => {
    expect(
      parseBenchArgs([
        'sts-http',
        '--rounds',
        '7',
        '--seconds=1.5',
        'gateway',
        '--profile',
        'p',
        '--json=r.json',
      ]),
    ).toEqual({
      suites: ['sts-http', 'gateway'],
      rounds: 7,
      seconds: 1.5,
      profileDir: 'p',
      jsonFile: 'r.json',
    });
  });

  it('refuses bad values and unknown options instead of running something else', () => {
    expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(/--rounds/);
    expect(() => parseBenchArgs(['--rounds', '2.5'])).toThrow(/--rounds/);
    expect(() => parseBenchArgs(['--seconds', '600'])).toThrow(/--seconds/);
    expect(() => parseBenchArgs(['--json'])).toThrow(/--json needs a value/);
    expect(() => parseBenchArgs(['--round', '3'])).toThrow(/unknown option --round/);
  });
});
