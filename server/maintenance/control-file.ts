/**
 * While the server runs on the embedded database, no other process may open that database. It leaves
 * its URL and a random token in DATA_DIR/control.json (readable by the owner only), so command-line
 * tools can ask it to run a maintenance command instead. Reading the file needs the same access as
 * opening the database directly would.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ControlFile {
  url: string;
  token: string;
  pid: number;
}

export const controlFilePath = (dataDir: string) => path.join(dataDir, 'control.json');

export function writeControlFile(dataDir: string, url: string, token: string): void {
  fs.mkdirSync(dataDir, { recursive: true });
  removeControlFile(dataDir); // so the owner-only mode below applies to a new file
  fs.writeFileSync(controlFilePath(dataDir), JSON.stringify({ url, token, pid: process.pid } satisfies ControlFile), { mode: 0o600 });
}

export function removeControlFile(dataDir: string): void {
  fs.rmSync(controlFilePath(dataDir), { force: true });
}

/** The control file of a server that is still running, or null. */
export function readControlFile(dataDir: string): ControlFile | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(controlFilePath(dataDir), 'utf8')) as ControlFile;
    process.kill(parsed.pid, 0); // throws when no such process
    return parsed;
  } catch {
    return null;
  }
}

export function tokensMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
