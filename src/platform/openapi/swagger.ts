import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { readPackageVersion } from '../health/version';
import { FieldErrorDto, ProblemDetailsDto, PUBLIC_EXTENSION } from './problem-responses';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Bastion API')
    .setDescription('Security-hardened backend platform. Errors are RFC 9457 problem+json; every response carries X-Request-Id.')
    .setVersion(readPackageVersion())
    .setLicense('Proprietary', 'https://example.com/bastion/license')
    .addServer('/', 'This deployment')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDetailsDto, FieldErrorDto],
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return declareTags(markPublicOperations(document));
}

/** What each tag groups, shown by Swagger UI above its operations. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  admin: 'Operator tasks for platform admins: user accounts, login lockouts',
  audit: 'The tamper-evident audit trail and its verification',
  auth: 'Accounts, sign-in, sessions, two-factor authentication, API keys and the account lifecycle',
  community: 'Community posts',
  files: 'Safe uploads and authorised downloads',
  health: 'Liveness and readiness probes',
  projects: 'Projects',
  security: 'Browser security reports (CSP)',
  status: 'Service status and incidents',
  support: 'Support tickets',
  tenancy: 'Organisations (tenants), their members and roles; tenant operations for platform admins',
};

/** Every tag an operation uses is declared at the root (sorted, described), as spec linters expect. */
function declareTags(document: OpenAPIObject): OpenAPIObject {
  const used = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Record<string, { tags?: string[] }>)) {
      for (const tag of operation?.tags ?? []) used.add(tag);
    }
  }
  document.tags = [...used]
    .sort()
    .map((name) => (TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name }));
  return document;
}

/**
 * Operations marked `@PublicEndpoint()` say `security: []` (no credentials) explicitly, so
 * the spec linter can require every other operation to declare its security.
 */
function markPublicOperations(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Record<string, Record<string, unknown>>)) {
      if (typeof operation !== 'object' || operation === null || !(PUBLIC_EXTENSION in operation)) continue;
      delete operation[PUBLIC_EXTENSION];
      operation.security = [];
    }
  }
  return document;
}

/** Swagger UI at /docs, the JSON at /docs-json. */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: false },
  });
}

/** Deterministic serialisation: keys sorted at every level, two-space indent, final newline. */
export function stableStringify(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
