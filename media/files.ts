import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** sha256 and size of a file, streamed (recordings can be large). */
export function hashFile(file: string): Promise<{ sha256: string; sizeBytes: number }> {
  return hashStream(fs.createReadStream(file));
}

/** sha256 and size of whatever a stream yields (a file, an object in a bucket). */
export async function hashStream(stream: AsyncIterable<unknown>): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = crypto.createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}

export const sha256Hex = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** Every file below a folder (none if it does not exist). */
export function* walkFiles(dir: string): Generator<string> {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(full);
    else yield full;
  }
}
