/**
 * The linter keeps the direction of dependencies (ARCHITECTURE.md, "Layers"): an import that runs
 * up the layers fails `npm run lint`; one that runs down passes.
 */
import { ESLint } from 'eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// The snippets are files no TypeScript project holds: lint them without type information (the
// type-aware rules are checked by `npm run lint` on the real tree).
const eslint = new ESLint({
  cwd: root,
  overrideConfig: {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
    },
  },
});

async function restricted(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering', () => {
  it.each([
    ['src/store/x.ts', "import { decide } from '../control/authorize.js';"],
    ['src/policy/x.ts', "import type { Store } from '../store/store.js';"],
    ['src/http/x.ts', "import { policy } from '../policy/index.js';"],
    ['src/gateway/x.ts', "import { buildPlane } from '../composition/plane.js';"],
    ['src/delivery/imds/x.ts', "import { startControlPlane } from '../../server/start.js';"],
    ['src/composition/x.ts', "import { program } from '../cli/program.js';"],
  ])('%s may not import up: %s', async (file, source) => {
    expect(await restricted(file, `${source}\nexport {};\n`)).toEqual([
      expect.stringContaining('must not import from a layer above it'),
    ]);
  });

  it.each([
    ['src/cli/x.ts', "import { startControlPlane } from '../server/start.js';"],
    ['src/gateway/x.ts', "import { decide } from '../control/authorize.js';"],
    ['src/store/x.ts', "import { parseWorkloadSettings } from '../workloads/index.js';"],
    ['src/control/x.ts', "import { verifyRequest } from '../sigv4/verify.js';"],
  ])('%s may import down: %s', async (file, source) => {
    expect(await restricted(file, `${source}\nexport {};\n`)).toEqual([]);
  });
});
