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
  // The folders' order, which data follows: bot -> commands -> jobs -> adapters, with the domain
  // and every port in core/, and config/ mapping the YAML onto core's model. Each rule below says
  // what a folder may not reach, so the order cannot quietly invert again (issue 12).
  ...layer(['core/**/*.ts'], ['adapters', 'commands', 'jobs', 'bot', 'config'], 'core/ is the domain and its ports: it depends on nothing outside itself.'),
  ...layer(['commands/**/*.ts'], ['adapters', 'jobs', 'bot'], 'commands/ decide; they reach the world through the ports in core/ports, wired in bot/main.ts.'),
  ...layer(['jobs/**/*.ts'], ['adapters', 'commands', 'bot'], 'jobs/ run what commands decided, through the ports in core/ports; bot/main.ts hands them the adapters.'),
  ...layer(['adapters/**/*.ts'], ['commands', 'jobs', 'bot', 'config'], 'Adapters sit at the bottom of the stack: they implement core/ports and take their settings as arguments.'),
  ...layer(['config/**/*.ts'], ['commands', 'jobs', 'bot'], 'config/ maps the YAML onto core and the adapters\' settings; it knows nothing above them.'),
  // The lab is the world the bot acts on, not part of the bot: it reads the config's pools and nothing else.
  ...layer(['lab/**/*.ts'], ['commands', 'jobs', 'bot', 'adapters'], 'lab/ is the world the production adapters talk to; it shares only config and core types with the bot.'),
);

/**
 * A folder's import rule: none of `folders`; the decision layer (core/, commands/) no I/O library either.
 * @param {string[]} files
 * @param {string[]} folders
 * @param {string} message
 */
function layer(files, folders, message) {
  /** @type {{ group: string[]; message: string }[]} */
  const patterns = [{ group: folders.flatMap((folder) => [`../${folder}/*`, `../../${folder}/*`, `../../../${folder}/*`]), message }];
  if (files.some((glob) => glob.startsWith('core/') || glob.startsWith('commands/'))) {
    patterns.push(
      { group: ['bullmq', 'ioredis', 'execa', 'node:child_process', 'child_process'], message: 'Take collaborators as ports; wire them in bot/main.ts.' },
      { group: ['irc-framework', '@slack/*', 'readline', 'node:readline'], message: 'Chat transports live in bot/.' },
    );
  }
  return [{ files, rules: { 'no-restricted-imports': ['error', { patterns }] } }];
}
