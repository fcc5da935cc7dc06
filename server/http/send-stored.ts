/**
 * Streams a stored file (local disk or object store) over HTTP with single-range support, so browsers can
 * seek in recordings: 200 with the whole file, 206 with `Content-Range` for one satisfiable range, 416
 * for an unsatisfiable one. Multiple or malformed ranges get the whole file, as the RFC allows.
 */
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { AppError, notFound } from '../errors.ts';
import type { ByteRange, EvidenceStore } from '../infra/evidence-store.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.json': 'application/json',
  '.zip': 'application/zip',
};

export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  const m = header?.match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    // The last N bytes.
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

export async function sendStored(req: Request, res: Response, store: EvidenceStore, relative: string | null, options: { downloadName?: string } = {}): Promise<void> {
  if (!relative) throw notFound('File');
  const size = await store.size(relative);
  if (size === null) throw notFound('File');
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${size}`);
    throw new AppError('range_not_satisfiable', 'The requested range is outside the file');
  }
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'private, max-age=3600');
  res.setHeader('Content-Type', CONTENT_TYPES[path.extname(relative).toLowerCase()] ?? 'application/octet-stream');
  if (options.downloadName) res.attachment(options.downloadName);
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(size));
  }
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  try {
    await pipeline(await store.open(relative, range ?? undefined), res);
  } catch (err) {
    // The client went away mid-stream: nothing to answer.
    if (!res.headersSent) throw err;
    res.destroy();
  }
}
