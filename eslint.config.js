import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[object.name='process'][property.name='env']",
        message: 'read configuration through the validated config schema, not process.env',
      }],
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error',
    },
  },
  // The web UI's single-file components: Vue's recommended rules, <script setup lang="ts"> parsed by typescript-eslint.
  ...pluginVue.configs['flat/recommended'].map((c) => ({ ...c, files: ['packages/web/**/*.vue'] })),
  {
    files: ['packages/web/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
    rules: {
      'no-undef': 'off', // vue-tsc checks names; browser globals are not listed here
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
    },
  },
  {
    // The config loader, tests and scripts are the places allowed to read the environment.
    files: ['packages/*/src/config.ts', 'packages/*/test/**', 'e2e/**', 'bench/**', 'scripts/**', '**/*.test.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
)
