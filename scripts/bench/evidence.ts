/**
 * Time to finalise, seal (hash) and verify a one-hour recording on this machine.
 * One 10 s H.264 segment (1 Mbit/s, 640x360) is encoded and copied 360 times, as the recorder would have
 * written them; then the finaliser joins them into one MP4 with a poster, and the file is hashed as the
 * seal and verification do. Baseline: plain sequential reading of the same file in the same run.
 *
 *   npm run bench:evidence [-- --minutes 60]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startFfmpeg } from '../../media/ffmpeg.ts';
import { hashFile } from '../../media/files.ts';
import { finaliseSegments } from '../../media/finalise.ts';
import { buildEvidencePackage, verifyEvidencePackage } from '../../server/archive/evidence-package.ts';
import { loadSigningKey } from '../../server/infra/signing-key.ts';
import { canonicalJson } from '../../server/services/canonical-json.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '60' } } });
const minutes = Number(values.minutes);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-bench-evidence-'));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

try {
  const first = path.join(dir, 'segment-00000.mkv');
  const encode = startFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '1M', '-g', '25', '-f', 'matroska', first]);
  if ((await encode.exited).code !== 0) throw new Error(encode.stderrTail());
  const count = minutes * 6;
  const segments = [first];
  for (let i = 1; i < count; i++) {
    const file = path.join(dir, `segment-${String(i).padStart(5, '0')}.mkv`);
    fs.copyFileSync(first, file);
    segments.push(file);
  }
  console.log(`${count} segments of 10 s (${((fs.statSync(first).size * count) / 1e6).toFixed(0)} MB) = ${minutes} min of recording`);

  let t = performance.now();
  const final = await finaliseSegments(segments, path.join(dir, 'recording'));
  const finaliseMs = performance.now() - t;
  console.log(`finalise (concat to MP4 + poster + sha256): ${seconds(finaliseMs)}, file ${(final.sizeBytes / 1e6).toFixed(0)} MB lasting ${(final.durationMs / 60000).toFixed(1)} min`);

  t = performance.now();
  for await (const _chunk of fs.createReadStream(final.path)) {
    /* read only */
  }
  const readMs = performance.now() - t;
  t = performance.now();
  await hashFile(final.path);
  const hashMs = performance.now() - t;
  console.log(`baseline, reading the file: ${seconds(readMs)} (${(final.sizeBytes / 1e6 / (readMs / 1000)).toFixed(0)} MB/s)`);
  console.log(`seal or verify of the recording (sha256 of the file): ${seconds(hashMs)} = ${(hashMs / readMs).toFixed(2)}x the plain read`);
  console.log(`finalise = ${(finaliseMs / readMs).toFixed(1)}x the plain read`);

  // Evidence package of that session (the recording and its poster), built and verified offline.
  const key = loadSigningKey(path.join(dir, 'key.pem'));
  const artefacts = [];
  for (const [file, kind] of [
    [final.path, 'recording'],
    [final.posterPath!, 'poster'],
  ] as const) {
    artefacts.push({ path: path.relative(dir, file), kind, ...(await hashFile(file)) });
  }
  const manifest = { version: 1 as const, sessionId: 'bench', bookingId: 'bench', sealedAt: new Date().toISOString(), keyId: key.keyId, artefacts, auditHead: null };
  t = performance.now();
  const pkg = await buildEvidencePackage({
    manifest,
    signature: key.sign(canonicalJson(manifest)),
    publicKeyPem: key.publicKeyPem,
    summary: 'bench',
    open: async (relative) => fs.createReadStream(path.join(dir, relative)),
    sizeOf: async (relative) => fs.statSync(path.join(dir, relative)).size,
    outFile: path.join(dir, 'package.zip'),
  });
  const packageMs = performance.now() - t;
  t = performance.now();
  const verified = await verifyEvidencePackage(path.join(dir, 'package.zip'));
  const verifyPackageMs = performance.now() - t;
  console.log(
    `evidence package (${(pkg.sizeBytes / 1e6).toFixed(0)} MB zip): built in ${seconds(packageMs)} = ${(packageMs / readMs).toFixed(1)}x the plain read; verified offline in ${seconds(verifyPackageMs)} (${verified.ok ? 'ok' : 'FAILED'})`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
