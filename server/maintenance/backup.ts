/**
 * Backup and restore of the database and the stored files, consistent with each other: the database is
 * dumped first, then the files are copied (files are only ever added, so every file the dump refers to
 * is in the copy). PGlite: its data dir as a tarball; a PostgreSQL server: pg_dump / pg_restore.
 * Restore goes into an empty data dir (and, for a server, an empty database) with the app stopped.
 * With evidence in an S3 bucket, its objects are downloaded into the backup and uploaded again on restore.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Database } from '../db/database.ts';
import { walkFiles } from '../../media/files.ts';
import { downloadAll, type EvidenceStore } from '../infra/evidence-store.ts';

const run = promisify(execFile);

/** What is stored under the data dir and belongs in a backup (not the embedded database, not Redis). */
const STORED = ['sessions', 'tickets', 'keys', 'exports', 'sites', 'loading-records', 'samples'];
/** What the object store holds (with S3): the sessions' and loading records' evidence, farm alarms' frames and clips, tickets' attachments and labelled samples. */
const STORED_OBJECTS = ['sessions', 'tickets', 'sites', 'loading-records', 'samples'];
const PGLITE_DUMP = 'database.pglite.tar.gz';
const POSTGRES_DUMP = 'database.pgdump';
/** Files that came from the object store, kept apart so restore can put them back there. */
const OBJECTS = 'objects';

export interface BackupInfo {
  createdAt: string;
  database: 'pglite' | 'postgres';
  storage: 'local' | 's3';
  files: number;
  bytes: number;
}

export async function backup(database: Database, opts: { dataDir: string; databaseUrl?: string; store: EvidenceStore; target: string }): Promise<BackupInfo> {
  const target = path.resolve(opts.target);
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) throw new Error(`${target} is not empty`);
  fs.mkdirSync(target, { recursive: true });
  if (database.kind === 'pglite') {
    const dump = await database.dumpDataDir!();
    fs.writeFileSync(path.join(target, PGLITE_DUMP), Buffer.from(await dump.arrayBuffer()));
  } else {
    await run('pg_dump', ['--format=custom', '--no-owner', `--file=${path.join(target, POSTGRES_DUMP)}`, opts.databaseUrl!]);
  }
  let files = 0;
  let bytes = 0;
  for (const name of STORED) {
    const from = path.join(opts.dataDir, name);
    if (!fs.existsSync(from)) continue;
    fs.cpSync(from, path.join(target, 'files', name), { recursive: true, preserveTimestamps: true });
  }
  if (opts.store.kind === 's3') for (const folder of STORED_OBJECTS) await downloadAll(opts.store, folder, path.join(target, OBJECTS));
  for (const dir of ['files', OBJECTS]) {
    for (const file of walkFiles(path.join(target, dir))) {
      files += 1;
      bytes += fs.statSync(file).size;
    }
  }
  const info: BackupInfo = { createdAt: new Date().toISOString(), database: database.kind, storage: opts.store.kind, files, bytes };
  fs.writeFileSync(path.join(target, 'backup.json'), JSON.stringify(info, null, 2));
  return info;
}

export async function restore(opts: { source: string; dataDir: string; databaseUrl?: string; store: EvidenceStore }): Promise<BackupInfo> {
  const source = path.resolve(opts.source);
  const info = JSON.parse(fs.readFileSync(path.join(source, 'backup.json'), 'utf8')) as BackupInfo;
  for (const name of [...STORED, 'pglite']) {
    const existing = path.join(opts.dataDir, name);
    if (fs.existsSync(existing) && fs.readdirSync(existing).length > 0) throw new Error(`restore needs an empty data dir: ${existing} exists`);
  }
  if (info.database === 'pglite') {
    if (opts.databaseUrl) throw new Error('this backup holds an embedded (PGlite) database: restore it without DATABASE_URL');
    const { PGlite } = await import('@electric-sql/pglite');
    const dump = fs.readFileSync(path.join(source, PGLITE_DUMP));
    const dataDir = path.join(opts.dataDir, 'pglite');
    fs.mkdirSync(dataDir, { recursive: true });
    const client = await PGlite.create({ dataDir, loadDataDir: new Blob([dump]) });
    await client.close();
  } else {
    if (!opts.databaseUrl) throw new Error('this backup holds a PostgreSQL dump: set DATABASE_URL to the (empty) database to restore into');
    await run('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${opts.databaseUrl}`, path.join(source, POSTGRES_DUMP)]);
  }
  const files = path.join(source, 'files');
  if (fs.existsSync(files)) fs.cpSync(files, opts.dataDir, { recursive: true, preserveTimestamps: true });
  // Evidence that lived in the bucket goes back into the configured store (a bucket, or the data dir).
  // Copied into the data dir first, then kept: uploaded and removed locally for a bucket, left as is on disk.
  const objects = path.join(source, OBJECTS);
  if (fs.existsSync(objects)) {
    fs.cpSync(objects, opts.dataDir, { recursive: true, preserveTimestamps: true });
    for (const file of walkFiles(objects)) await opts.store.keep(path.relative(objects, file));
  }
  return info;
}
