import { isAbsolute, resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import { supportedMimeTypes } from 'file-type';
import { EnvReader, type RawEnv } from '../../platform/config';
import { normaliseMediaType, TEXT_PLAIN } from './domain/content-type';

export const DEFAULT_ALLOWED_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'];
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** The largest FILES_MAX_BYTES accepted: 1 GiB (one request, streamed to disk). */
export const MAX_MAX_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_FILES_DIR = 'db_files/uploads';
export const SCANNERS = ['logging', 'clamd'] as const;
export type ScannerKind = (typeof SCANNERS)[number];

/**
 * The types an upload can be detected as and so the only ones worth allowing: every format
 * `file-type` recognises by signature, and UTF-8 plain text. Markup (`text/html`, SVG, XML
 * without a prolog) is never detected as anything allowable, so it cannot be allowed by mistake.
 */
export const DETECTABLE_TYPES: ReadonlySet<string> = new Set([...supportedMimeTypes, TEXT_PLAIN]);

export type ScannerConfig = { kind: 'logging' } | { kind: 'clamd'; host: string; port: number; timeoutMs: number };

export interface FilesConfig {
  /** FILES_ALLOWED_TYPES, normalised and de-duplicated. */
  allowedTypes: string[];
  /** FILES_MAX_BYTES: the largest accepted file, enforced while it streams in. */
  maxBytes: number;
  /** FILES_DIR, absolute: where the local-disk storage keeps blobs. */
  dir: string;
  /** FILES_SCANNER (+ CLAMD_HOST, CLAMD_PORT, CLAMD_TIMEOUT_MS). */
  scanner: ScannerConfig;
  /** FILES_SCAN_FAIL_OPEN: store (as `scan_failed`) when the scanner cannot answer, instead of 503. */
  scanFailOpen: boolean;
}

/** A comma-separated list of media types that uploads can be detected as, normalised and de-duplicated. */
function readMediaTypes(r: EnvReader, name: string, fallback: string[]): string[] {
  const value = r.string(name);
  if (value === undefined) return fallback;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const unknown = entries.filter((entry) => {
    const type = normaliseMediaType(entry);
    return type === undefined || type !== entry.toLowerCase() || !DETECTABLE_TYPES.has(type);
  });
  if (entries.length === 0) {
    r.problem(name, 'must list at least one media type');
    return fallback;
  }
  if (unknown.length > 0) {
    r.problem(
      name,
      `lists types that uploads are never detected as: ${unknown.join(', ')} (known: text/plain and the formats file-type recognises, e.g. image/png, application/pdf)`,
    );
    return fallback;
  }
  return [...new Set(entries.map((entry) => entry.toLowerCase()))];
}

/** Reads and validates the files variables; every problem is reported, by variable name. */
export function parseFilesConfig(raw: RawEnv, cwd = process.cwd()): FilesConfig {
  const r = new EnvReader(raw);
  const allowedTypes = readMediaTypes(r, 'FILES_ALLOWED_TYPES', DEFAULT_ALLOWED_TYPES);
  const maxBytes = r.wholeNumber('FILES_MAX_BYTES', DEFAULT_MAX_BYTES, 1, MAX_MAX_BYTES);
  const dirValue = r.string('FILES_DIR') ?? DEFAULT_FILES_DIR;
  const dir = isAbsolute(dirValue) ? dirValue : resolve(cwd, dirValue);
  const kind = r.enumOf('FILES_SCANNER', SCANNERS, 'logging', { ignoreCase: true });
  const scanFailOpen = r.bool('FILES_SCAN_FAIL_OPEN', false);
  const host = r.string('CLAMD_HOST');
  const port = r.wholeNumber('CLAMD_PORT', undefined, 1, 65535);
  const timeoutMs = r.wholeNumber('CLAMD_TIMEOUT_MS', 30_000, 100, 600_000);
  let scanner: ScannerConfig = { kind: 'logging' };
  if (kind === 'clamd') {
    if (host === undefined) r.problem('CLAMD_HOST', 'is required when FILES_SCANNER=clamd');
    if (port === undefined && r.string('CLAMD_PORT') === undefined)
      r.problem('CLAMD_PORT', 'is required when FILES_SCANNER=clamd');
    if (host !== undefined && port !== undefined) scanner = { kind: 'clamd', host, port, timeoutMs };
  }
  r.throwIfInvalid();
  return { allowedTypes, maxBytes, dir, scanner, scanFailOpen };
}

/**
 * The files context's configuration, validated when the module boots.
 * Inject with `@Inject(filesConfig.KEY) config: FilesConfig`.
 */
export const filesConfig = registerAs('files', (): FilesConfig => parseFilesConfig(process.env));
