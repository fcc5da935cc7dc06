/**
 * Where finished evidence lives: recordings, posters, snapshots, alarm pictures and the sealed exports
 * (timeline.json, verdict.json, manifest). Local disk under the data dir by default; an S3-compatible
 * bucket when configured. Work in progress (recording segments, exports being built) stays on local disk:
 * a file enters the store with `keep` once it is complete. Paths are relative to the data dir
 * (`sessions/<id>/...`) in both cases, so the database and manifests do not depend on the store.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { hashStream, walkFiles } from '../../media/files.ts';
import type { Config } from '../config.ts';

export interface ByteRange {
  /** Inclusive, as in HTTP. */
  start: number;
  end: number;
}

export interface EvidenceStore {
  readonly kind: 'local' | 's3';
  /** A complete local file (relative to the data dir) becomes stored evidence. S3: uploaded, then the local copy goes. */
  keep(relative: string): Promise<void>;
  write(relative: string, data: Buffer | string): Promise<void>;
  /** Size in bytes, or null when there is no such file. */
  size(relative: string): Promise<number | null>;
  open(relative: string, range?: ByteRange): Promise<Readable>;
  remove(relative: string): Promise<void>;
  /** Every stored file under a folder, as relative paths. */
  list(folder: string): Promise<string[]>;
}

/** sha256 and size of a stored file, read through the store. */
export async function hashStored(store: EvidenceStore, relative: string): Promise<{ sha256: string; sizeBytes: number }> {
  return hashStream(await store.open(relative));
}

/** Relative paths must stay inside the data dir. */
function checked(relative: string): string {
  const normal = path.posix.normalize(relative.split(path.sep).join('/'));
  if (normal.startsWith('../') || normal === '..' || path.isAbsolute(normal)) throw new Error(`not a path inside the data dir: ${relative}`);
  return normal;
}

export function localEvidenceStore(dataDir: string): EvidenceStore {
  const abs = (relative: string) => path.join(dataDir, checked(relative));
  return {
    kind: 'local',
    async keep(relative) {
      if (!fs.existsSync(abs(relative))) throw new Error(`cannot keep ${relative}: no such file`);
    },
    async write(relative, data) {
      fs.mkdirSync(path.dirname(abs(relative)), { recursive: true });
      fs.writeFileSync(abs(relative), data);
    },
    async size(relative) {
      try {
        const st = fs.statSync(abs(relative));
        return st.isFile() ? st.size : null;
      } catch {
        return null;
      }
    },
    async open(relative, range) {
      return fs.createReadStream(abs(relative), range ? { start: range.start, end: range.end } : {});
    },
    async remove(relative) {
      fs.rmSync(abs(relative), { force: true });
    },
    async list(folder) {
      return [...walkFiles(abs(folder))].map((f) => path.relative(dataDir, f));
    },
  };
}

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket, e.g. "watchpost/". */
  prefix: string;
  region: string;
  /** For S3-compatible servers (MinIO, Ceph, ...); unset for AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  dataDir: string;
}

export function s3EvidenceStore(o: S3StoreOptions): EvidenceStore & { client: S3Client } {
  const client = new S3Client({
    region: o.region,
    endpoint: o.endpoint,
    forcePathStyle: o.forcePathStyle,
    credentials: o.credentials,
    // The SDK's default streaming checksums (aws-chunked uploads with a trailer) are stored verbatim by some
    // S3-compatible servers, corrupting the object: only send checksums where the API requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const key = (relative: string) => `${o.prefix}${checked(relative)}`;
  const notFound = (err: unknown) => {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
  };
  const put = async (relative: string, body: Buffer | Readable, length: number) => {
    await client.send(new PutObjectCommand({ Bucket: o.bucket, Key: key(relative), Body: body, ContentLength: length }));
  };
  return {
    kind: 's3',
    client,
    async keep(relative) {
      const file = path.join(o.dataDir, checked(relative));
      const { size } = fs.statSync(file);
      await put(relative, fs.createReadStream(file), size);
      // Only once the bucket has it: the local copy was a working file.
      fs.rmSync(file, { force: true });
    },
    async write(relative, data) {
      const body = typeof data === 'string' ? Buffer.from(data) : data;
      await put(relative, body, body.length);
    },
    async size(relative) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: o.bucket, Key: key(relative) }));
        return head.ContentLength ?? 0;
      } catch (err) {
        if (notFound(err)) return null;
        throw err;
      }
    },
    async open(relative, range) {
      const out = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: key(relative), Range: range ? `bytes=${range.start}-${range.end}` : undefined }));
      return out.Body as Readable;
    },
    async remove(relative) {
      await client.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: key(relative) }));
    },
    async list(folder) {
      const prefix = key(folder.endsWith('/') ? folder : `${folder}/`);
      const found: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: o.bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of page.Contents ?? []) if (item.Key) found.push(item.Key.slice(o.prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return found;
    },
  };
}

/** Copies every stored file under `folder` to local `target` (backups). */
export async function downloadAll(store: EvidenceStore, folder: string, target: string): Promise<number> {
  const files = await store.list(folder);
  for (const relative of files) {
    const out = path.join(target, checked(relative));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await pipeline(await store.open(relative), fs.createWriteStream(out));
  }
  return files.length;
}

/**
 * Writes `file` through a partial file beside it, renamed into place once whole, so that a reader in parallel
 * (another viewer, another request) never takes half a file for the whole; a failed write leaves nothing.
 * `extension` ends the partial's name (ffmpeg picks its muxer by it).
 */
export async function writeWhole(file: string, write: (partial: string) => Promise<void>, extension = ''): Promise<void> {
  const partial = `${file}.${process.pid}.${crypto.randomBytes(3).toString('hex')}.part${extension}`;
  try {
    await write(partial);
    fs.renameSync(partial, file);
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/** Where copies fetched from the store for a tool are worked on: a folder per use, under the data dir. */
export const FETCHED_COPIES_DIR = 'fetched-copies';
/** A folder of copies this old was left by a process that died using it (no use lasts near this long). */
export const STALE_COPIES_MS = 6 * 3_600_000;

export interface FilesHere {
  /** Local files, in the order asked, of the stored files found (a file in neither place is left out). */
  files: string[];
  /** The stored path of each of `files`. */
  relatives: string[];
  /** Removes the copies fetched for this use (the files lying here stay). */
  release(): void;
}

/**
 * Stored files as files on this node's disk, for tools that read files (ffmpeg): those lying here are used
 * where they lie, the others are fetched from the store into a folder of this use's own (so that two uses
 * at once never share a copy, and a copy never stands where the recorder writes), removed by `release`.
 * A process killed meanwhile leaves the folder behind: `removeStaleCopies` clears it at a later start.
 */
export async function filesHere(store: EvidenceStore, dataDir: string, relatives: readonly string[]): Promise<FilesHere> {
  const files: string[] = [];
  const found: string[] = [];
  const scratch = path.join(dataDir, FETCHED_COPIES_DIR, `${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  const release = () => fs.rmSync(scratch, { recursive: true, force: true });
  try {
    for (const relative of relatives) {
      let file = path.join(dataDir, checked(relative));
      if (!fs.existsSync(file)) {
        if (store.kind === 'local' || (await store.size(relative)) === null) continue;
        file = path.join(scratch, checked(relative));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        await pipeline(await store.open(relative), fs.createWriteStream(file));
      }
      files.push(file);
      found.push(relative);
    }
  } catch (err) {
    release();
    throw err;
  }
  return { files, relatives: found, release };
}

/** Removes folders of fetched copies older than `olderThanMs` (left by a process killed while using them); how many. */
export function removeStaleCopies(dataDir: string, olderThanMs = STALE_COPIES_MS, now = Date.now()): number {
  const root = path.join(dataDir, FETCHED_COPIES_DIR);
  if (!fs.existsSync(root)) return 0;
  let removed = 0;
  for (const name of fs.readdirSync(root)) {
    const folder = path.join(root, name);
    const stat = fs.statSync(folder, { throwIfNoEntry: false });
    if (!stat || now - stat.mtimeMs < olderThanMs) continue;
    fs.rmSync(folder, { recursive: true, force: true });
    removed += 1;
  }
  return removed;
}

/** The store the configuration asks for: S3 when S3_BUCKET is set, else local disk under the data dir. */
export function evidenceStoreFor(config: Config): EvidenceStore {
  if (!config.S3_BUCKET) return localEvidenceStore(config.dataDir);
  return s3EvidenceStore({
    bucket: config.S3_BUCKET,
    prefix: config.S3_PREFIX,
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE ?? Boolean(config.S3_ENDPOINT),
    credentials: config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY } : undefined,
    dataDir: config.dataDir,
  });
}
