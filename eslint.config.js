import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'cdk.out/', 'coverage/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Only the AWS adapters and the infra may talk to AWS (DESIGN.md: the engine is free of AWS imports).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@aws-sdk/*'], message: 'AWS SDK imports belong in shared/adapters/aws/ only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/adapters/aws/**', 'infra/**', 'test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
