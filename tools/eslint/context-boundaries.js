'use strict';
/**
 * ESLint rule `bastion/context-boundaries`: a bounded context reaches another only through
 * that context's public API (`src/contexts/<name>/index.ts`), and `src/platform` never
 * depends on a context. What only tests and scripts need lives in the context's `testing.ts`,
 * which files outside `src/` (test/, scripts/) may import. A context's `domain/` stays framework-free: no `@nestjs/*`, no
 * `typeorm`, nothing from its own `infra/` or `api/`. Relative and absolute-from-root imports
 * are both resolved.
 */
const path = require('node:path');

function contextOf(file, root) {
  const rel = path.relative(path.join(root, 'src', 'contexts'), file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const [name, ...rest] = rel.split(path.sep);
  return rest.length === 0 ? undefined : { name, inner: rest.join('/') };
}

function isUnder(file, dir) {
  const rel = path.relative(dir, file);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

function isPlatform(file, root) {
  const rel = path.relative(path.join(root, 'src', 'platform'), file);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

module.exports = {
  meta: {
    type: 'problem',
    docs: { description: 'Cross-context imports go through the target context index.ts only' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: {
      internals: "'{{from}}' may use context '{{to}}' only through 'src/contexts/{{to}}' (its index.ts), not '{{inner}}'.",
      platform: "src/platform must not depend on a bounded context ('{{to}}').",
      domain: "Domain code stays framework-free: '{{file}}' may not import '{{spec}}'.",
    },
  },
  create(context) {
    const root = (context.options[0] && context.options[0].root) || context.cwd;
    const filename = context.filename;
    const from = contextOf(filename, root);
    const fromPlatform = isPlatform(filename, root);

    const inDomain = from !== undefined && from.inner.startsWith('domain/');

    function reportDomain(node, spec) {
      context.report({ node: node.source, messageId: 'domain', data: { file: path.relative(root, filename), spec } });
    }

    function check(node) {
      if (!node.source || typeof node.source.value !== 'string') return;
      const spec = node.source.value;
      if (inDomain && (spec.startsWith('@nestjs/') || spec === 'typeorm' || spec.startsWith('typeorm/'))) {
        reportDomain(node, spec);
        return;
      }
      let target;
      if (spec.startsWith('.')) target = path.resolve(path.dirname(filename), spec);
      else if (spec.startsWith('src/')) target = path.resolve(root, spec);
      else return;
      const to = contextOf(target, root) ?? contextOf(path.join(target, 'index.ts'), root);
      if (!to) return;
      if (fromPlatform) {
        context.report({ node: node.source, messageId: 'platform', data: { to: to.name } });
        return;
      }
      if (from && from.name === to.name) {
        if (inDomain && /^(infra|api)\//.test(to.inner)) reportDomain(node, spec);
        return;
      }
      const inner = to.inner.replace(/\.(ts|js)$/, '');
      if (inner === 'index') return;
      if (inner === 'testing' && !isUnder(filename, path.join(root, 'src'))) return;
      context.report({
        node: node.source,
        messageId: 'internals',
        data: { from: from ? from.name : path.relative(root, filename), to: to.name, inner: to.inner },
      });
    }

    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression(node) {
        if (node.source && node.source.type === 'Literal') check({ source: node.source });
      },
    };
  },
};
