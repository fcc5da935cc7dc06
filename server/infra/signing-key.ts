/**
 * The platform's Ed25519 signing key: verdicts (and later evidence manifests) are signed with it; its
 * public key is published so anyone can verify offline. Kept in the data dir (owner-only) unless a key
 * file is configured; created on first start.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SigningKey {
  /** sha256 of the public key (DER), hex: names the key in signatures. */
  keyId: string;
  publicKeyPem: string;
  sign(data: string | Buffer): string;
  verify(data: string | Buffer, signature: string): boolean;
}

export function loadSigningKey(file: string): SigningKey {
  let privateKey: crypto.KeyObject;
  if (fs.existsSync(file)) {
    privateKey = crypto.createPrivateKey(fs.readFileSync(file));
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    privateKey = crypto.generateKeyPairSync('ed25519').privateKey;
    fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  const publicKey = crypto.createPublicKey(privateKey);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    keyId: crypto.createHash('sha256').update(der).digest('hex'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (data) => crypto.sign(null, Buffer.from(data), privateKey).toString('base64'),
    verify: (data, signature) => {
      try {
        return crypto.verify(null, Buffer.from(data), publicKey, Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}
