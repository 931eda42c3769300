import { createRequire } from 'node:module';
import { type Rule, RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';

// The rule is plain CommonJS, loaded by eslint.config.mjs the same way.
const rule = createRequire(__filename)('./context-boundaries.js') as Rule.RuleModule;

const ROOT = '/repo';
const options = [{ root: ROOT }];
const file = (relative: string): string => `${ROOT}/${relative}`;

const tester = new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: 'module' } });

tester.run('bastion/context-boundaries', rule, {
  valid: [
    // Another context through its public API (the directory, its index, with or without extension).
    { filename: file('src/contexts/a/a.module.ts'), code: "import { B } from '../b';", options },
    { filename: file('src/contexts/a/a.module.ts'), code: "import { B } from '../b/index';", options },
    { filename: file('src/contexts/a/a.module.ts'), code: "import { B } from '../b/index.js';", options },
    { filename: file('src/contexts/a/api/a.controller.ts'), code: "import { B } from '../../b';", options },
    { filename: file('src/contexts/a/api/a.controller.ts'), code: "import { B } from 'src/contexts/b';", options },
    { filename: file('src/contexts/a/api/a.controller.ts'), code: "export { B } from '../../b/index';", options },
    // Its own internals.
    { filename: file('src/contexts/a/a.module.ts'), code: "import { X } from './infra/x';", options },
    { filename: file('src/contexts/a/api/a.controller.ts'), code: "import { X } from '../infra/x.entity';", options },
    { filename: file('src/contexts/a/api/a.controller.ts'), code: "import { X } from 'src/contexts/a/domain/policy';", options },
    // Platform, from a context or from platform.
    { filename: file('src/contexts/a/a.module.ts'), code: "import { problem } from '../../platform/http';", options },
    { filename: file('src/platform/http/x.ts'), code: "import { y } from '../config/environment';", options },
    { filename: file('src/platform/http/x.ts'), code: "import { y } from 'src/platform/events';", options },
    // Packages and Node built-ins are never checked.
    { filename: file('src/contexts/a/infra/x.ts'), code: "import { Entity } from 'typeorm';", options },
    { filename: file('src/platform/http/x.ts'), code: "import { join } from 'node:path';", options },
    // Files outside src importing things that are not context internals.
    { filename: file('scripts/seed.ts'), code: "import { x } from '../src/platform/config';", options },
    { filename: file('test/support/app.ts'), code: "import { B } from '../../src/contexts/b';", options },
    { filename: file('migrations/1-X.ts'), code: "import { migrations } from './index';", options },
    { filename: file('tools/x.ts'), code: "import { y } from './y';", options },
    { filename: file('src/app.module.ts'), code: "import { AModule } from './contexts/a';", options },
    // Declarations without a source, and dynamic imports that are not literals.
    { filename: file('src/contexts/a/x.ts'), code: 'export const x = 1; const y = 2; export { y };', options },
    {
      filename: file('src/contexts/a/x.ts'),
      code: 'const name = "../b/infra/x"; export const load = () => import(name);',
      options,
    },
    // Tests and scripts may use a context's testing.ts.
    { filename: file('test/a.e2e-spec.ts'), code: "import { Fake } from '../src/contexts/b/testing';", options },
    { filename: file('scripts/x.ts'), code: "import { tool } from '../src/contexts/b/testing.ts';", options },
    // Domain code may use its own domain, the platform's framework-free parts and plain packages.
    { filename: file('src/contexts/a/domain/policy.ts'), code: "import { rule } from './rule';", options },
    {
      filename: file('src/contexts/a/domain/policy.ts'),
      code: "import { problem } from '../../../platform/http/problem';",
      options,
    },
    { filename: file('src/contexts/a/domain/policy.ts'), code: "import isEmail from 'validator/lib/isEmail';", options },
  ],
  invalid: [
    {
      // testing.ts is for tests and scripts, not for another context.
      filename: file('src/contexts/a/a.service.ts'),
      code: "import { Fake } from '../b/testing';",
      options,
      errors: [{ messageId: 'internals', data: { from: 'a', to: 'b', inner: 'testing' } }],
    },
    {
      filename: file('src/contexts/a/domain/policy.ts'),
      code: "import { Injectable } from '@nestjs/common';",
      options,
      errors: [{ messageId: 'domain', data: { file: 'src/contexts/a/domain/policy.ts', spec: '@nestjs/common' } }],
    },
    {
      filename: file('src/contexts/a/domain/policy.ts'),
      code: "import { Repository } from 'typeorm';",
      options,
      errors: [{ messageId: 'domain', data: { file: 'src/contexts/a/domain/policy.ts', spec: 'typeorm' } }],
    },
    {
      filename: file('src/contexts/a/domain/sub/policy.ts'),
      code: "import { UserEntity } from '../../infra/user.entity';",
      options,
      errors: [{ messageId: 'domain', data: { file: 'src/contexts/a/domain/sub/policy.ts', spec: '../../infra/user.entity' } }],
    },
    {
      filename: file('src/contexts/a/domain/policy.ts'),
      code: "export { Dto } from '../api/a.dto';",
      options,
      errors: [{ messageId: 'domain', data: { file: 'src/contexts/a/domain/policy.ts', spec: '../api/a.dto' } }],
    },
    {
      filename: file('src/contexts/a/api/x.ts'),
      code: "import { UserEntity } from '../../b/infra/user.entity';",
      options,
      errors: [{ messageId: 'internals', data: { from: 'a', to: 'b', inner: 'infra/user.entity' } }],
    },
    {
      // The absolute-from-root form is resolved too.
      filename: file('src/contexts/a/api/x.ts'),
      code: "import { Policy } from 'src/contexts/b/domain/z';",
      options,
      errors: [{ messageId: 'internals', data: { from: 'a', to: 'b', inner: 'domain/z' } }],
    },
    {
      // A directory inside the context is not its public API either.
      filename: file('src/contexts/a/a.module.ts'),
      code: "import { X } from '../b/infra';",
      options,
      errors: [{ messageId: 'internals', data: { from: 'a', to: 'b', inner: 'infra' } }],
    },
    {
      filename: file('src/contexts/a/index.ts'),
      code: "export { UserEntity } from '../b/infra/user.entity';",
      options,
      errors: [{ messageId: 'internals', data: { from: 'a', to: 'b', inner: 'infra/user.entity' } }],
    },
    {
      filename: file('src/contexts/a/index.ts'),
      code: "export * from 'src/contexts/b/domain/events';",
      options,
      errors: [{ messageId: 'internals', data: { from: 'a', to: 'b', inner: 'domain/events' } }],
    },
    {
      filename: file('src/contexts/a/infra/x.ts'),
      code: "export const load = () => import('../../b/infra/repo');",
      options,
      errors: [{ messageId: 'internals', data: { from: 'a', to: 'b', inner: 'infra/repo' } }],
    },
    {
      // Several offending imports in one file are each reported.
      filename: file('src/contexts/a/a.module.ts'),
      code: "import { X } from '../b/infra/x';\nimport { Y } from '../c/domain/y';\nimport { B } from '../b';",
      options,
      errors: [
        { messageId: 'internals', data: { from: 'a', to: 'b', inner: 'infra/x' }, line: 1 },
        { messageId: 'internals', data: { from: 'a', to: 'c', inner: 'domain/y' }, line: 2 },
      ],
    },
    {
      // Outside any context (the composition root, tests), internals are still private.
      filename: file('src/app.module.ts'),
      code: "import { AModule } from './contexts/a/a.module';",
      options,
      errors: [{ messageId: 'internals', data: { from: 'src/app.module.ts', to: 'a', inner: 'a.module' } }],
    },
    {
      filename: file('src/platform/x/y.ts'),
      code: "import { A } from '../../contexts/a';",
      options,
      errors: [{ messageId: 'platform', data: { to: 'a' } }],
    },
    {
      filename: file('src/platform/x/y.ts'),
      code: "import { A } from '../../contexts/a/index';",
      options,
      errors: [{ messageId: 'platform', data: { to: 'a' } }],
    },
    {
      filename: file('src/platform/x/y.ts'),
      code: "export * from '../../contexts/a';",
      options,
      errors: [{ messageId: 'platform', data: { to: 'a' } }],
    },
  ],
});

// TypeScript-only syntax needs the TypeScript parser the project lints with.
const tsTester = new RuleTester({
  languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
});

tsTester.run('bastion/context-boundaries (TypeScript syntax)', rule, {
  valid: [
    { filename: file('src/contexts/a/a.module.ts'), code: "import type { B } from '../b';", options },
    { filename: file('src/contexts/a/api/x.ts'), code: "import { type X } from '../infra/x.entity';", options },
  ],
  invalid: [
    {
      // A type-only import is still a dependency on the internals.
      filename: file('src/contexts/a/a.module.ts'),
      code: "import type { UserEntity } from '../b/infra/user.entity';",
      options,
      errors: [{ messageId: 'internals', data: { from: 'a', to: 'b', inner: 'infra/user.entity' } }],
    },
    {
      filename: file('src/contexts/a/index.ts'),
      code: "export type { UserEntity } from '../b/infra/user.entity';",
      options,
      errors: [{ messageId: 'internals', data: { from: 'a', to: 'b', inner: 'infra/user.entity' } }],
    },
    {
      filename: file('src/platform/events/event-map.ts'),
      code: "import type { LoginFailed } from 'src/contexts/auth/domain/events';",
      options,
      errors: [{ messageId: 'platform', data: { to: 'auth' } }],
    },
  ],
});

describe('context-boundaries rule metadata', () => {
  it('accepts only a `root` option', () => {
    expect(rule.meta?.schema).toEqual([
      { type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false },
    ]);
  });
});
