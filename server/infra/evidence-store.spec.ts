import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FETCHED_COPIES_DIR, filesHere, removeStaleCopies, STALE_COPIES_MS, type EvidenceStore } from './evidence-store.ts';

let dataDir: string;
let bucketDir: string;

/** A bucket stood in for by a folder of its own (the real one is tested against an S3 server in tests/s3-storage). */
function folderBucket(failOn?: string): EvidenceStore {
  const at = (relative: string) => path.join(bucketDir, relative);
  return {
    kind: 's3',
    keep: async () => {},
    write: async (relative, data) => fs.writeFileSync(at(relative), data),
    size: async (relative) => (fs.existsSync(at(relative)) ? fs.statSync(at(relative)).size : null),
    open: async (relative) => {
      if (relative === failOn)
        return Readable.from(
          (async function* () {
            yield Buffer.from('half');
            throw new Error('connection reset');
          })(),
        );
      return fs.createReadStream(at(relative));
    },
    remove: async (relative) => fs.rmSync(at(relative), { force: true }),
    list: async () => [],
  };
}

const put = (root: string, relative: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  fs.writeFileSync(path.join(root, relative), text);
};
const copiesLeft = () => (fs.existsSync(path.join(dataDir, FETCHED_COPIES_DIR)) ? fs.readdirSync(path.join(dataDir, FETCHED_COPIES_DIR)) : []);

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-data-'));
  bucketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-bucket-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(bucketDir, { recursive: true, force: true });
});

describe('stored files as local files (filesHere)', () => {
  it('uses a file lying here where it lies, fetches a stored one into a folder of its own use, and leaves out one in neither place', async () => {
    put(dataDir, 'sessions/s/recordings/r/segment-00002.mkv', 'here');
    put(bucketDir, 'sessions/s/recordings/r/segment-00000.mkv', 'stored');
    const asked = ['sessions/s/recordings/r/segment-00000.mkv', 'sessions/s/recordings/r/segment-00001.mkv', 'sessions/s/recordings/r/segment-00002.mkv'];
    const first = await filesHere(folderBucket(), dataDir, asked);
    const second = await filesHere(folderBucket(), dataDir, asked);
    expect(first.relatives).toEqual([asked[0], asked[2]]);
    expect(first.files.map((f) => fs.readFileSync(f, 'utf8'))).toEqual(['stored', 'here']);
    // The copy is not where the recorder writes, and two uses at once do not share it.
    expect(fs.existsSync(path.join(dataDir, asked[0]!))).toBe(false);
    expect(first.files[0]!.startsWith(path.join(dataDir, FETCHED_COPIES_DIR))).toBe(true);
    expect(first.files[0]).not.toBe(second.files[0]);
    expect(first.files[1]).toBe(path.join(dataDir, asked[2]!));

    first.release();
    expect(fs.existsSync(first.files[0]!)).toBe(false);
    expect(fs.readFileSync(second.files[0]!, 'utf8')).toBe('stored');
    expect(fs.existsSync(first.files[1]!)).toBe(true); // what lies here is not a copy
    second.release();
    expect(copiesLeft()).toEqual([]);
  });

  it('leaves nothing when a fetch breaks off', async () => {
    put(bucketDir, 'a.mkv', 'stored');
    put(bucketDir, 'b.mkv', 'stored');
    await expect(filesHere(folderBucket('b.mkv'), dataDir, ['a.mkv', 'b.mkv'])).rejects.toThrow('connection reset');
    expect(copiesLeft()).toEqual([]);
  });

  it('clears the folders a killed process left, hours old, and not those in use', async () => {
    put(bucketDir, 'a.mkv', 'stored');
    const left = await filesHere(folderBucket(), dataDir, ['a.mkv']); // never released: the process "died"
    const inUse = await filesHere(folderBucket(), dataDir, ['a.mkv']);
    const folderOf = (file: string) => path.relative(path.join(dataDir, FETCHED_COPIES_DIR), file).split(path.sep)[0]!;
    const old = new Date(Date.now() - STALE_COPIES_MS - 60_000);
    fs.utimesSync(path.join(dataDir, FETCHED_COPIES_DIR, folderOf(left.files[0]!)), old, old);
    expect(removeStaleCopies(dataDir)).toBe(1);
    expect(copiesLeft()).toEqual([folderOf(inUse.files[0]!)]);
    expect(fs.readFileSync(inUse.files[0]!, 'utf8')).toBe('stored');
    expect(removeStaleCopies(fs.mkdtempSync(path.join(dataDir, 'empty-')))).toBe(0);
  });
});
