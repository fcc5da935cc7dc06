import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSigningKey, type SigningKey } from '../../server/infra/signing-key.ts';

/** A fresh platform signing key in a temporary folder. */
export function testSigningKey(): SigningKey {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-key-'));
  return loadSigningKey(path.join(dir, 'platform-ed25519.pem'));
}
