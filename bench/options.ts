/** The command line of `npm run bench` (pure, so that it can be tested). */
import type { BenchContext } from './types.js';

export interface BenchOptions extends BenchContext {
  suites: string[];
  /** `--json <file>`: where to write the results. */
  jsonFile?: string;
}

export const USAGE =
  'usage: npm run bench -- [suite …] [--rounds N] [--seconds S] [--profile <dir>] [--json <file>]';

/** Parses argv (without node and the script); throws with a message for bad input. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { suites: [], rounds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--rounds': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 100) throw new Error('--rounds must be an integer 1..100');
        options.rounds = n;
        break;
      }
      case '--seconds': {
        const s = Number(value());
        if (!Number.isFinite(s) || s <= 0 || s > 60) throw new Error('--seconds must be in (0, 60]');
        options.seconds = s;
        break;
      }
      case '--profile':
        options.profileDir = value();
        break;
      case '--json':
        options.jsonFile = value();
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        if (arg.startsWith('-')) throw new Error(`unknown option ${arg}\n${USAGE}`);
        options.suites.push(arg);
    }
  }
  return options;
}
