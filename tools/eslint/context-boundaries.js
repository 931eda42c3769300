'use strict';
/**
 * ESLint rule `bastion/context-boundaries`: a bounded context reaches another only through
 * that context's public API (`src/contexts/<name>/index.ts`), and `src/platform` never
 * depends on a context. Relative and absolute-from-root imports are both resolved.
 */
const path = require('node:path');

function contextOf(file, root) {
  const rel = path.relative(path.join(root, 'src', 'contexts'), file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const [name, ...rest] = rel.split(path.sep);
  return rest.length === 0 ? undefined : { name, inner: rest.join('/') };
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
    },
  },
  create(context) {
    const root = (context.options[0] && context.options[0].root) || context.cwd;
    const filename = context.filename;
    const from = contextOf(filename, root);
    const fromPlatform = isPlatform(filename, root);

    function check(node) {
      if (!node.source || typeof node.source.value !== 'string') return;
      const spec = node.source.value;
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
      if (from && from.name === to.name) return;
      const inner = to.inner.replace(/\.(ts|js)$/, '');
      if (inner === 'index') return;
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
