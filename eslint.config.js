import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Type-aware rules: a promise nobody awaits or catches is a lost error (or an unlogged event).
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'console-ui/**/*.ts', 'console-ui/**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  ...layering(),
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);

/**
 * The direction of dependencies (ARCHITECTURE.md, "Layers"): a module imports only from its own
 * layer and the layers below it, so an import that runs up the layers fails the lint.
 *
 *   cli -> composition (composition/, server/) -> apis and services (sts, iam-api, ec2-api, oidc,
 *   gateway, delivery, admin-api, analyzer, stacks) -> auth and audit (control, audit) -> store -> pure
 *   libraries (policy, sigv4, crypto, iam, protocol, catalog, workloads); http at the bottom.
 */
function layering() {
  const layers = [
    { name: 'the HTTP layer', dirs: ['http'] },
    {
      name: 'a pure library',
      dirs: ['policy', 'sigv4', 'crypto', 'iam', 'protocol', 'catalog', 'workloads'],
    },
    { name: 'the store', dirs: ['store'] },
    { name: 'auth and audit', dirs: ['control', 'audit'] },
    {
      name: 'an API or service',
      dirs: ['sts', 'iam-api', 'ec2-api', 'oidc', 'gateway', 'delivery', 'admin-api', 'analyzer', 'stacks'],
    },
    { name: 'the composition root', dirs: ['composition', 'server'] },
    { name: 'the CLI', dirs: ['cli'] },
  ];
  return layers.slice(0, -1).map((layer, index) => {
    const above = layers.slice(index + 1).flatMap((l) => l.dirs);
    // The HTTP layer sits below everything but errors.ts.
    const forbidden = index === 0 ? layers.slice(1).flatMap((l) => l.dirs) : above;
    return {
      files: layer.dirs.map((dir) => `src/${dir}/**/*.ts`),
      ignores: ['**/*.test.ts', '**/test-support/**'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: `^(\\.\\./)+(${forbidden.join('|')})/`,
                message: `${layer.name} must not import from a layer above it (ARCHITECTURE.md, "Layers").`,
              },
            ],
          },
        ],
      },
    };
  });
}
