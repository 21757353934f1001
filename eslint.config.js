import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layout rules of DESIGN.md, checked: protocol imports nothing of ours; core only protocol;
// tui and web only protocol, by its name #protocol; drivers only in adapters and the composition roots.
const ours = (dirs) => dirs.map((d) => `**/${d}/**`);
// `#protocol` (package.json "imports") is how clients name the contract; the server reaches it by path.
// (escaped: the patterns are gitignore-style, where a leading # starts a comment)
const clientAlias = ['\\#protocol', '\\#protocol/*'];
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'No default exports.' }],
    },
  },
  {
    // A promise nobody handles is a crash in waiting (Node exits on an unhandled rejection): every one
    // is awaited, caught with a log, or `void` with a comment saying why it cannot reject. The typed
    // program (tsconfig.eslint.json) holds just these directories, not the tests: lint stays quicker.
    files: ['server/**/*.ts', 'tui/**/*.ts', 'web/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['server/protocol/**/*.ts'],
    rules: restrict([...ours(['core', 'adapters', 'rpc', 'tui', 'web']), '../*', ...clientAlias], 'server/protocol imports nothing else of ours.'),
  },
  {
    files: ['server/core/**/*.ts'],
    rules: restrict(
      [...ours(['adapters', 'rpc', 'tui', 'web']), ...clientAlias, 'dockerode', 'mysql2', 'mysql2/*', 'ws', 'node:fs', 'node:fs/*', 'fs'],
      'server/core imports only server/protocol; I/O belongs in adapters.',
    ),
  },
  {
    files: ['server/adapters/**/*.ts'],
    rules: restrict([...ours(['rpc', 'tui', 'web']), ...clientAlias], 'adapters import core and their one driver.'),
  },
  {
    files: ['server/rpc/**/*.ts'],
    rules: restrict([...ours(['adapters', 'tui', 'web']), ...clientAlias, 'dockerode', 'mysql2', 'mysql2/*'], 'rpc imports core and protocol.'),
  },
  {
    files: ['server/http/**/*.ts'],
    rules: restrict([...ours(['adapters', 'tui', 'web']), ...clientAlias, 'dockerode', 'mysql2', 'mysql2/*'], 'server/http (the port proxy) imports core, protocol and rpc.'),
  },
  {
    // The contract's address is `#protocol` (package.json "imports"); no path into server/ at all.
    files: ['tui/**/*.ts', 'web/**/*.ts'],
    rules: restrict(
      [...ours(['server']), 'dockerode', 'mysql2', 'mysql2/*'],
      'tui and web talk to the server only through the contract: import from #protocol.',
    ),
  },
  {
    files: ['server/*.ts'],
    rules: restrict(clientAlias, 'server code imports server/protocol by path; #protocol is the clients\' name for it.'),
  },
  {
    // Configuration is read once, in the config modules; everything else is handed its values.
    files: ['server/**/*.ts', 'tui/**/*.ts', 'web/**/*.ts'],
    ignores: ['server/config.ts', 'tui/config.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read process.env only in server/config.ts or tui/config.ts.' }],
    },
  },
  {
    // Tool config files must default-export.
    files: ['eslint.config.js', 'vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
