// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.state/', 'scratch/', 'dist/', 'coverage/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A forgotten await on a pool write is exactly the bug this project exists to prevent.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    // The status page's browser script: plain JS without type information, linted for mistakes.
    files: ['bot/status-page/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { project: false, projectService: false, program: null },
      sourceType: 'script',
      globals: { document: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', AbortController: 'readonly' },
    },
  },
  {
    // A test that cannot reach its server must fail: a skipped suite looks green and proves nothing,
    // and `only` silently drops the rest of the file.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression > MemberExpression.callee[property.name=/^(skip|skipIf|runIf|only)$/]", message: 'Tests fail, never skip: throw from the helper that finds the server (see test/helpers/).' },
      ],
    },
  },
  {
    // The decision layer stays transport- and queue-agnostic: collaborators come in as ports.
    files: ['commands/**/*.ts', 'core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['bullmq', 'ioredis', 'execa', 'node:child_process', 'child_process'], message: 'commands/ and core/ take collaborators as ports; wire them in bot/main.ts.' },
            { group: ['irc-framework', '@slack/*', 'readline', 'node:readline'], message: 'Chat transports live in bot/.' },
            { group: ['../jobs/*', '../bot/*', '../../jobs/*', '../../bot/*'], message: 'Data flows bot -> commands -> jobs -> adapters; depend on ports, not implementations.' },
          ],
        },
      ],
    },
  },
  {
    files: ['adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../bot/*', '../commands/*', '../jobs/*', '../../bot/*', '../../commands/*', '../../jobs/*'], message: 'Adapters sit at the bottom of the stack.' }] },
      ],
    },
  },
);
