import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/**
 * A software WebAuthn authenticator (and the bit of browser around it), so e2e tests can drive
 * passkey ceremonies without a browser: it answers the JSON options the server sends with the
 * JSON a browser's `PublicKeyCredential.toJSON()` would post back. Attestation "none", ES256
 * keys (P-256), signatures DER-encoded as WebAuthn wants, base64url without padding everywhere.
 * Only node:crypto and a minimal CBOR encoder (below).
 */

/** One credential (passkey) the authenticator holds. */
export interface SoftCredential {
  /** Credential id, base64url. */
  id: string;
  privateKey: KeyObject;
  /** The COSE_Key of the public key, as in the attested credential data (what the server stores). */
  publicKeyCose: Buffer;
  /** `user.id` from the creation options (base64url), sent back as `userHandle` on sign-in. */
  userHandle: string | undefined;
  /** Signature counter: the last value put in authenticator data. */
  counter: number;
  rpId: string;
}

export interface SoftAuthenticatorOptions {
  /** The origin the "browser" reports in clientDataJSON. Default `http://127.0.0.1:3000`. */
  origin?: string;
  /** Forces the RP ID (default: `rp.id` / `rpId` from the options, else the origin's host). */
  rpId?: string;
  /** Sets the UV flag. Default true. */
  userVerified?: boolean;
  /** Sets the BE flag. Default false. */
  backupEligible?: boolean;
  /** Sets the BS flag. Default false. */
  backedUp?: boolean;
  /** `response.transports` on registration. Default `['internal']`. */
  transports?: string[];
}

/** Lies for negative tests: what the client or authenticator reports instead of the truth. */
export interface RegisterOverrides {
  origin?: string;
  /** RP ID hashed into authenticator data (the credential is also stored under it). */
  rpId?: string;
  challenge?: string;
}

export interface AuthenticateOverrides extends RegisterOverrides {
  /** Sign count to put in authenticator data; the credential's own counter is then left as it was (a clone). */
  counter?: number;
  /** Credential (base64url id) to sign with, whatever the options allow. */
  credentialId?: string;
}

export const DEFAULT_ORIGIN = 'http://127.0.0.1:3000';

const ES256 = -7;
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  readonly origin: string;
  private readonly rpId: string | undefined;
  private readonly userVerified: boolean;
  private readonly backupEligible: boolean;
  private readonly backedUp: boolean;
  private readonly transports: string[];

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.origin = options.origin ?? DEFAULT_ORIGIN;
    this.rpId = options.rpId;
    this.userVerified = options.userVerified ?? true;
    this.backupEligible = options.backupEligible ?? false;
    this.backedUp = options.backedUp ?? false;
    this.transports = options.transports ?? ['internal'];
  }

  /** `navigator.credentials.create()`: a new ES256 credential, attestation "none". */
  register(options: PublicKeyCredentialCreationOptionsJSON, overrides: RegisterOverrides = {}): RegistrationResponseJSON {
    const offered = options.pubKeyCredParams;
    if (offered.length > 0 && !offered.some((p) => p.type === 'public-key' && p.alg === ES256)) {
      throw new Error('NotSupportedError: the options do not offer ES256 (-7)');
    }
    const rpId = overrides.rpId ?? this.rpId ?? options.rp.id ?? this.originHost();
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.credentials.some((c) => c.rpId === rpId && excluded.has(c.id))) {
      throw new Error('InvalidStateError: the authenticator already holds an excluded credential');
    }

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credentialId = randomBytes(32);
    const publicKeyCose = coseEs256(publicKey);
    const credential: SoftCredential = {
      id: b64url(credentialId),
      privateKey,
      publicKeyCose,
      userHandle: options.user.id,
      counter: 0,
      rpId,
    };

    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const attestedCredentialData = Buffer.concat([Buffer.alloc(16), idLength, credentialId, publicKeyCose]);
    const authData = this.authenticatorData(rpId, FLAG_AT, credential.counter, attestedCredentialData);
    const attestationObject = cbor(
      new Map<CborValue, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const clientDataJSON = this.clientData('webauthn.create', overrides.challenge ?? options.challenge, overrides.origin);
    this.credentials.push(credential);

    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: [...this.transports],
        publicKeyAlgorithm: ES256,
        publicKey: b64url(publicKey.export({ type: 'spki', format: 'der' })),
      },
    };
  }

  /**
   * `navigator.credentials.get()`: an assertion by the credential named in `allowCredentials`
   * (or, discoverable sign-in, the first one for the RP ID), its counter going up by one.
   */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: AuthenticateOverrides = {},
  ): AuthenticationResponseJSON {
    const credential = this.pick(options, overrides.credentialId);
    const rpId = overrides.rpId ?? credential.rpId;
    // An overridden counter leaves the credential's own counter alone (as a clone would).
    const counter = overrides.counter ?? ++credential.counter;
    const authData = this.authenticatorData(rpId, 0, counter);
    const clientDataJSON = this.clientData('webauthn.get', overrides.challenge ?? options.challenge, overrides.origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);

    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(credential.userHandle === undefined ? {} : { userHandle: credential.userHandle }),
      },
    };
  }

  /** The credential with this base64url id, if held. */
  credential(id: string): SoftCredential | undefined {
    return this.credentials.find((c) => c.id === id);
  }

  private pick(options: PublicKeyCredentialRequestOptionsJSON, credentialId: string | undefined): SoftCredential {
    if (credentialId !== undefined) {
      const named = this.credential(credentialId);
      if (!named) throw new Error(`NotAllowedError: no credential ${credentialId}`);
      return named;
    }
    const rpId = this.rpId ?? options.rpId ?? this.originHost();
    const allowed = options.allowCredentials ?? [];
    const found =
      allowed.length > 0
        ? this.credentials.find((c) => c.rpId === rpId && allowed.some((a) => a.id === c.id))
        : this.credentials.find((c) => c.rpId === rpId);
    if (!found) throw new Error(`NotAllowedError: no credential for ${rpId} among those allowed`);
    return found;
  }

  private authenticatorData(rpId: string, extraFlags: number, counter: number, attested?: Buffer): Buffer {
    let flags = FLAG_UP | extraFlags;
    if (this.userVerified) flags |= FLAG_UV;
    if (this.backupEligible) flags |= FLAG_BE;
    if (this.backedUp) flags |= FLAG_BS;
    const head = Buffer.alloc(37);
    sha256(Buffer.from(rpId, 'utf8')).copy(head, 0);
    head.writeUInt8(flags, 32);
    head.writeUInt32BE(counter >>> 0, 33);
    return attested ? Buffer.concat([head, attested]) : head;
  }

  private clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string | undefined): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: origin ?? this.origin, crossOrigin: false }), 'utf8');
  }

  private originHost(): string {
    return new URL(this.origin).hostname;
  }
}

/** base64url without padding. */
export function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The COSE_Key of a P-256 key (public, or the public half of a private one): {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}. */
export function coseEs256(key: KeyObject): Buffer {
  const jwk = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('coseEs256 wants a P-256 public key');
  return cbor(
    new Map<CborValue, CborValue>([
      [1, 2],
      [3, ES256],
      [-1, 1],
      [-2, Buffer.from(jwk.x, 'base64url')],
      [-3, Buffer.from(jwk.y, 'base64url')],
    ]),
  );
}

export type CborValue = number | string | boolean | Uint8Array | CborValue[] | Map<CborValue, CborValue>;

/** Minimal CBOR (RFC 8949) encoder: integers, byte and text strings, arrays, maps (in insertion order), booleans. */
export function cbor(value: CborValue): Buffer {
  const parts: Buffer[] = [];
  const head = (major: number, n: number): void => {
    if (n < 24) parts.push(Buffer.from([(major << 5) | n]));
    else if (n < 0x100) parts.push(Buffer.from([(major << 5) | 24, n]));
    else if (n < 0x10000) {
      const b = Buffer.alloc(3);
      b[0] = (major << 5) | 25;
      b.writeUInt16BE(n, 1);
      parts.push(b);
    } else if (n < 0x100000000) {
      const b = Buffer.alloc(5);
      b[0] = (major << 5) | 26;
      b.writeUInt32BE(n, 1);
      parts.push(b);
    } else {
      const b = Buffer.alloc(9);
      b[0] = (major << 5) | 27;
      b.writeBigUInt64BE(BigInt(n), 1);
      parts.push(b);
    }
  };
  const encode = (v: CborValue): void => {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new Error(`cbor: only integers are supported, got ${v}`);
      if (v >= 0) head(0, v);
      else head(1, -1 - v);
    } else if (typeof v === 'boolean') {
      parts.push(Buffer.from([v ? 0xf5 : 0xf4]));
    } else if (typeof v === 'string') {
      const bytes = Buffer.from(v, 'utf8');
      head(3, bytes.length);
      parts.push(bytes);
    } else if (v instanceof Uint8Array) {
      head(2, v.byteLength);
      parts.push(Buffer.from(v));
    } else if (Array.isArray(v)) {
      head(4, v.length);
      v.forEach(encode);
    } else {
      head(5, v.size);
      for (const [k, item] of v) {
        encode(k);
        encode(item);
      }
    }
  };
  encode(value);
  return Buffer.concat(parts);
}
