import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSigningKey } from '../server/infra/signing-key.ts';

describe('platform signing key', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-keytest-'));
  const file = path.join(dir, 'keys', 'platform-ed25519.pem');

  it('is created once, owner-only, and the same key is loaded again', () => {
    const first = loadSigningKey(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const again = loadSigningKey(file);
    expect(again.keyId).toBe(first.keyId);
    const signature = first.sign('verdict');
    expect(again.verify('verdict', signature)).toBe(true);
    expect(again.verify('verdicT', signature)).toBe(false);
    expect(again.verify('verdict', 'not base64 at all')).toBe(false);
  });

  it('refuses a key that is not Ed25519', () => {
    const rsa = path.join(dir, 'rsa.pem');
    fs.writeFileSync(rsa, crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(() => loadSigningKey(rsa)).toThrow(/not an Ed25519 private key/);
  });
});
