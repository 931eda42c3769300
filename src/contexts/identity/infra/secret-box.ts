import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from '../identity.config';

export interface Sealed {
  keyId: string;
  /** `iv.tag.ciphertext`, each base64url. */
  ciphertext: string;
}

/**
 * AES-256-GCM with a keyring: seals with the first (current) key, opens with whichever key
 * id the sealed value names, so keys rotate by putting a new key first and re-sealing.
 * `context` is bound as additional authenticated data (e.g. the user id), so a sealed value
 * copied to another row does not open.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;

  constructor(private readonly ring: EncryptionKey[]) {
    if (ring.length === 0) throw new Error('SecretBox needs at least one key');
    this.keys = new Map(ring.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.ring[0].id;
  }

  seal(plaintext: string, context: string): Sealed {
    const { id, key } = this.ring[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${id}|${context}`, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: id, ciphertext: [iv, cipher.getAuthTag(), ct].map((b) => b.toString('base64url')).join('.') };
  }

  open(sealed: Sealed, context: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new Error(`unknown encryption key id "${sealed.keyId}"`);
    const [iv, tag, ct] = sealed.ciphertext.split('.').map((p) => Buffer.from(p, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(`${sealed.keyId}|${context}`, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  }
}
