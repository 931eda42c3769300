/**
 * `npm run keys:generate -- --alg EdDSA|ES256 [--kid NAME] [--status next|active] [--out DIR]`
 *
 * Makes a new access-token signing key for an operator (docs/operations/secret-rotation.md):
 * the private key as PEM (for JWT_PRIVATE_KEY / JWT_PRIVATE_KEY_FILE) and as a JWK member of
 * JWT_KEYS with its `kid` and `status` (default `next`: published before it signs). With
 * `--out`, both are written to files readable by their owner only; otherwise printed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { thumbprint } from '../src/contexts/identity/testing';

function main(): number {
  const { values } = parseArgs({
    options: {
      alg: { type: 'string', default: 'EdDSA' },
      kid: { type: 'string' },
      status: { type: 'string', default: 'next' },
      out: { type: 'string' },
    },
  });
  if (values.alg !== 'EdDSA' && values.alg !== 'ES256') {
    process.stderr.write('--alg must be EdDSA or ES256\n');
    return 2;
  }
  if (values.status !== 'next' && values.status !== 'active') {
    process.stderr.write('--status must be next or active (retire a key by editing JWT_KEYS: see the runbook)\n');
    return 2;
  }
  const { privateKey, publicKey } =
    values.alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = values.kid ?? thumbprint(publicKey);
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const member = JSON.stringify({
    ...privateKey.export({ format: 'jwk' }),
    kid,
    alg: values.alg,
    use: 'sig',
    status: values.status,
  });
  if (values.out) {
    const pemPath = join(values.out, `${kid}.pem`);
    const jwkPath = join(values.out, `${kid}.jwk.json`);
    writeFileSync(pemPath, pem, { mode: 0o600, flag: 'wx' });
    writeFileSync(jwkPath, `${member}\n`, { mode: 0o600, flag: 'wx' });
    process.stdout.write(`kid ${kid} (${values.alg}): wrote ${pemPath} and ${jwkPath} (mode 0600)\n`);
  } else {
    process.stdout.write(`# kid ${kid} (${values.alg})\n# PEM (JWT_PRIVATE_KEY):\n${pem}# JWK member of JWT_KEYS:\n${member}\n`);
  }
  return 0;
}

process.exitCode = main();
