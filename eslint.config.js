import tseslint from 'typescript-eslint';

// Folder boundaries (../shared/notes/architecture.md §7.2): who may import whom inside shared/.
// Each folder lists the folders it must not reach; AWS SDK imports stay in the AWS adapters, the
// AWS runtime and the infra.
const aws = {
  group: ['@aws-sdk/*'],
  message: 'AWS SDK imports belong in shared/adapters/aws/ and shared/runtime/aws*.ts only.',
};
const forbid = (folders, why, except = []) => ({
  group: [
    ...folders.flatMap((f) => [`../${f}/*`, `../../${f}/*`, `../../shared/${f}/*`]),
    ...except.map((e) => `!../${e}`),
  ],
  message: why,
});
const boundaries = [
  [
    'shared/domain/**',
    ['engine', 'source', 'webhooks', 'ports', 'control', 'api', 'adapters', 'runtime'],
    'domain imports nothing: it is pure types and functions.',
  ],
  [
    'shared/ports/**',
    ['engine', 'source', 'webhooks', 'control', 'api', 'adapters', 'runtime'],
    'ports import domain only.',
  ],
  // Cluster servers pass the same URL guard as repositories: the guard is the one exception.
  [
    'shared/engine/**',
    ['source', 'webhooks', 'control', 'api', 'adapters', 'runtime'],
    'the engine imports domain and ports only.',
    ['source/url-guard.js', 'source/guarded-http.js', 'source/errors.js'],
  ],
  [
    'shared/source/**',
    ['webhooks', 'control', 'api', 'adapters', 'runtime'],
    'source imports domain and ports (and engine types) only.',
  ],
  [
    'shared/webhooks/**',
    ['engine', 'source', 'control', 'api', 'adapters', 'runtime'],
    'webhooks import domain and ports only.',
  ],
  [
    'shared/control/**',
    ['api', 'adapters', 'runtime'],
    'the use cases are written against ports, engine and source: adapters are wired in shared/runtime/.',
  ],
  [
    'shared/notify/**',
    ['webhooks', 'control', 'api', 'adapters', 'runtime'],
    'notify imports domain, ports and the guarded HTTP client of source only.',
  ],
  [
    'shared/preview/**',
    ['api', 'adapters', 'runtime'],
    'previews are use cases like control/: adapters are wired in shared/runtime/.',
  ],
  [
    'shared/auth/**',
    ['engine', 'source', 'webhooks', 'control', 'api', 'adapters', 'runtime'],
    'auth (sign-in and RBAC) imports domain and ports only.',
  ],
  [
    'shared/api/**',
    ['adapters', 'runtime', 'engine'],
    'API routes call control/ and answer; adapters are wired in shared/runtime/.',
  ],
  [
    'shared/adapters/**',
    ['control', 'api', 'runtime', 'source', 'webhooks'],
    'adapters implement ports over I/O: they import domain, ports (and engine connection types) only.',
  ],
  [
    'functions/**',
    ['adapters', 'engine', 'source'],
    'handlers go through shared/runtime/ (and control/, api/, webhooks/).',
  ],
  [
    'cli/**',
    ['adapters', 'engine', 'source'],
    'the CLI goes through shared/runtime/ (and control/, api/, webhooks/).',
  ],
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [aws] }],
    },
  },
  ...boundaries.map(([files, folders, why, except]) => ({
    files: [files],
    rules: { 'no-restricted-imports': ['error', { patterns: [aws, forbid(folders, why, except)] }] },
  })),
  {
    files: ['shared/adapters/aws/**', 'shared/runtime/aws*.ts', 'infra/**', 'test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
