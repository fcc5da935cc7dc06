/**
 * Evidence packages: one zip per sealed session with its files, the signed manifest, the platform's
 * public key and a short summary in the requester's language. verifyEvidencePackage() checks a package
 * offline: the manifest signature against the key inside it (whose id the user compares with the
 * published one), and every file against the manifest.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { canonicalJson } from '../services/canonical-json.ts';
import type { SessionManifest, VerificationProblem } from '../services/archive.service.ts';

export const PACKAGE_FILES_PREFIX = 'files/';

export interface PackageInput {
  manifest: SessionManifest;
  signature: string;
  publicKeyPem: string;
  summary: string;
  /** Reads a stored artefact (the evidence store). */
  open: (relative: string) => Promise<Readable>;
  /** Its size in bytes, null when it is gone. */
  sizeOf: (relative: string) => Promise<number | null>;
  outFile: string;
  onProgress?: (fraction: number) => void;
}

/** A sealed file no longer matches its manifest: the package cannot be built (verification says why). */
export class EvidenceChangedError extends Error {
  constructor(
    readonly item: string,
    detail: string,
  ) {
    super(`${item} ${detail} since the session was sealed; verify the session`);
  }
}

export async function buildEvidencePackage(input: PackageInput): Promise<{ sizeBytes: number; sha256: string }> {
  // yazl stops with an error when a stream yields another size than declared; checking first names the file.
  for (const artefact of input.manifest.artefacts) {
    const size = await input.sizeOf(artefact.path);
    if (size === null) throw new EvidenceChangedError(artefact.path, 'is missing');
    if (size !== artefact.sizeBytes) throw new EvidenceChangedError(artefact.path, `has ${size} bytes instead of ${artefact.sizeBytes}`);
  }
  const zip = new yazl.ZipFile();
  // Stored uncompressed: small, and readable even with the plainest unzip tool.
  const plain = { compress: false };
  zip.addBuffer(Buffer.from(canonicalJson(input.manifest)), 'manifest.json', plain);
  zip.addBuffer(Buffer.from(input.signature), 'manifest.sig', plain);
  zip.addBuffer(Buffer.from(input.publicKeyPem), 'public-key.pem', plain);
  zip.addBuffer(Buffer.from(input.summary), 'summary.txt', plain);
  const total = input.manifest.artefacts.reduce((n, a) => n + a.sizeBytes, 0) || 1;
  for (const artefact of input.manifest.artefacts) {
    // Media is already compressed: store it as is.
    // Opened only when the zip gets to it: one download at a time from an object store.
    const lazy = Readable.from(
      (async function* () {
        yield* await input.open(artefact.path);
      })(),
    );
    zip.addReadStream(lazy, `${PACKAGE_FILES_PREFIX}${artefact.path}`, { compress: false, size: artefact.sizeBytes });
  }
  zip.end();
  fs.mkdirSync(path.dirname(input.outFile), { recursive: true });
  const partial = `${input.outFile}.partial`;
  const hash = crypto.createHash('sha256');
  let written = 0;
  let lastReported = 0;
  await new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(partial);
    // Whatever still goes wrong while writing (a file changed between the check and its read, a read
    // error) fails this package, never the process: yazl reports it on the ZipFile itself.
    const fail = (err: Error) => {
      out.destroy();
      fs.rmSync(partial, { force: true });
      reject(err);
    };
    zip.on('error', fail);
    zip.outputStream.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      written += chunk.length;
      const fraction = Math.min(1, written / total);
      if (fraction - lastReported >= 0.05) {
        lastReported = fraction;
        input.onProgress?.(fraction);
      }
    });
    zip.outputStream.on('error', fail);
    zip.outputStream.pipe(out).on('finish', resolve).on('error', fail);
  });
  fs.renameSync(partial, input.outFile);
  input.onProgress?.(1);
  return { sizeBytes: written, sha256: hash.digest('hex') };
}

export interface PackageVerification {
  ok: boolean;
  sessionId: string | null;
  keyId: string | null;
  checkedArtefacts: number;
  problems: VerificationProblem[];
}

export async function verifyEvidencePackage(zipPath: string): Promise<PackageVerification> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (err, z) => (err ? reject(err) : resolve(z!))));
  const small = new Map<string, Buffer>();
  const hashes = new Map<string, { sha256: string; sizeBytes: number }>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/')) return zip.readEntry();
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(err);
        const hash = crypto.createHash('sha256');
        const chunks: Buffer[] = [];
        let size = 0;
        const keep = !entry.fileName.startsWith(PACKAGE_FILES_PREFIX) && entry.uncompressedSize < 10_000_000;
        stream.on('data', (c: Buffer) => {
          hash.update(c);
          size += c.length;
          if (keep) chunks.push(c);
        });
        stream.on('error', reject);
        stream.on('end', () => {
          if (keep) small.set(entry.fileName, Buffer.concat(chunks));
          else hashes.set(entry.fileName.slice(PACKAGE_FILES_PREFIX.length), { sha256: hash.digest('hex'), sizeBytes: size });
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });

  const problems: VerificationProblem[] = [];
  const manifestBytes = small.get('manifest.json');
  const signature = small.get('manifest.sig')?.toString();
  const publicKeyPem = small.get('public-key.pem')?.toString();
  if (!manifestBytes || !signature || !publicKeyPem) {
    return { ok: false, sessionId: null, keyId: null, checkedArtefacts: 0, problems: [{ item: 'manifest', problem: 'missing', detail: 'manifest.json, manifest.sig or public-key.pem is absent' }] };
  }
  const manifest = JSON.parse(manifestBytes.toString()) as SessionManifest;
  const publicKey = crypto.createPublicKey(publicKeyPem);
  const keyId = crypto
    .createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  let signatureOk = false;
  try {
    signatureOk = keyId === manifest.keyId && crypto.verify(null, Buffer.from(canonicalJson(manifest)), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    signatureOk = false;
  }
  if (!signatureOk || canonicalJson(manifest) !== manifestBytes.toString()) problems.push({ item: 'manifest', problem: 'signature_invalid' });
  for (const artefact of manifest.artefacts) {
    const found = hashes.get(artefact.path);
    if (!found) problems.push({ item: artefact.path, problem: 'missing' });
    else if (found.sha256 !== artefact.sha256) problems.push({ item: artefact.path, problem: 'changed', detail: `sha256 ${found.sha256} instead of ${artefact.sha256}` });
    hashes.delete(artefact.path);
  }
  for (const extra of hashes.keys()) problems.push({ item: extra, problem: 'added' });
  return { ok: problems.length === 0, sessionId: manifest.sessionId, keyId, checkedArtefacts: manifest.artefacts.length, problems };
}
