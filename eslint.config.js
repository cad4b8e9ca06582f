// ESLint: typescript-eslint's type-checked recommended rules over the whole repo (see README.md,
// "Development"). Formatting is dprint's (dprint.json); `pnpm lint` runs both.
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

export default defineConfig(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'packages/ui-bridge/assets/**', 'tooling/bench/results/**']
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname
      }
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'max-len': ['error', { code: 140 }],
      // `catch {}` marks a failure that is fine to ignore (closing what may be closed already).
      'no-empty': ['error', { allowEmptyCatch: true }],
      // A `let` read by a callback made before its one assignment (a socket handing itself to its own handler) must stay a let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Passing an error of unknown type on (an observable's, a worker's) is right; making one is what the rule is for.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // Off: fakes and handlers here return a promise of a plain value with `async () => x`; the promise rules catch real misuse.
      '@typescript-eslint/require-await': 'off',
      // Off: factories here return closures declared with method syntax (`now (): number`); passing `clock.now` is safe and the rule
      // cannot tell such members from `this`-bound class methods.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }]
    }
  },
  {
    // Tests read replies loosely (`Message & Record<string, any>`) and browser-side values (the node tsconfig has no DOM lib): any is
    // deliberate there, and the asserts check the values.
    files: ['**/test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off'
    }
  },
  {
    // Plain JavaScript (bootstraps, bins, this file) and the vite config: no tsconfig covers them, so no type information.
    files: ['**/*.{js,mjs,cjs}', 'packages/ui-bridge/web/vite.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly',
        performance: 'readonly' }
    }
  }
)
