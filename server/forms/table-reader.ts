/**
 * Reads an ERP export a line at a time, whatever its format — CSV (comma, semicolon or tab; UTF-8 with or
 * without a BOM, or GB18030 as Chinese Excel saves it), XLSX (the first sheet; shared or inline strings),
 * JSON Lines, or a JSON array — as records keyed by the header. CSV, XLSX sheets and JSON Lines are streamed
 * (memory does not grow with the file); a JSON array is parsed whole, so its size is capped.
 */
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import yauzl from 'yauzl';

export const tableFormats = ['csv', 'xlsx', 'json'] as const;
export type TableFormat = (typeof tableFormats)[number];
/** The largest JSON array read whole. */
export const MAX_JSON_ARRAY_BYTES = 20 * 1024 * 1024;
export const MAX_COLUMNS = 200;
const MAX_CELL = 10_000;

export interface TableLine {
  /** 1-based, as the user sees it: the header is line 1 of a CSV or sheet, the first record of JSON is 1. */
  line: number;
  cells: Record<string, unknown>;
}

export class TableError extends Error {
  constructor(
    readonly reason: 'unreadable_file' | 'no_header' | 'too_many_columns' | 'file_too_large',
    message: string,
  ) {
    super(message);
  }
}

/** The format a file's name or content type says, or null. */
export function tableFormatOf(name: string, contentType = ''): TableFormat | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.xlsx') || contentType.includes('spreadsheetml')) return 'xlsx';
  if (lower.endsWith('.json') || lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || contentType.includes('json')) return 'json';
  if (lower.endsWith('.csv') || lower.endsWith('.txt') || contentType.includes('csv') || contentType.startsWith('text/')) return 'csv';
  return null;
}

/** The records of a file, with how far through it the reader is (bytes of the file, for progress). */
export async function* readTable(file: string, format: TableFormat, onBytes: (read: number) => void = () => {}): AsyncGenerator<TableLine> {
  if (format === 'csv') yield* readCsv(file, onBytes);
  else if (format === 'xlsx') yield* readXlsx(file, onBytes);
  else yield* readJson(file, onBytes);
}

// --- CSV --------------------------------------------------------------------------------------------

/** Rows of CSV text fed in chunks (RFC 4180 quotes, CRLF or LF); `end` flushes the last row. */
class CsvRows {
  private field = '';
  private row: string[] = [];
  private quoted = false;
  private afterQuote = false;
  private fieldStarted = false;
  constructor(private readonly delimiter: string) {}

  push(text: string, out: string[][]): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (this.quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            this.field += '"';
            i++;
          } else if (i + 1 === text.length) {
            // A quote at the end of a chunk: an escaped quote or the end, the next chunk says.
            this.quoted = false;
            this.afterQuote = true;
          } else this.quoted = false;
        } else if (this.field.length < MAX_CELL) this.field += ch;
        continue;
      }
      if (this.afterQuote && ch === '"') {
        this.field += '"';
        this.quoted = true;
        this.afterQuote = false;
        continue;
      }
      this.afterQuote = false;
      if (ch === '"' && !this.fieldStarted) {
        this.quoted = true;
        this.fieldStarted = true;
      } else if (ch === this.delimiter) this.endField();
      else if (ch === '\n') {
        this.endField();
        out.push(this.row);
        this.row = [];
      } else if (ch !== '\r') {
        this.fieldStarted = true;
        if (this.field.length < MAX_CELL) this.field += ch;
      }
    }
  }

  end(out: string[][]): void {
    if (this.fieldStarted || this.field !== '' || this.row.length > 0) {
      this.endField();
      out.push(this.row);
    }
  }

  private endField() {
    if (this.row.length <= MAX_COLUMNS) this.row.push(this.field);
    this.field = '';
    this.fieldStarted = false;
  }
}

/** UTF-8 unless the first bytes are not UTF-8 at all: then GB18030 (Chinese Excel's "CSV"). */
function encodingOf(head: Buffer): 'utf8' | 'gb18030' {
  try {
    // A multi-byte character cut at the end of the sample is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 4)));
    return 'utf8';
  } catch {
    return 'gb18030';
  }
}

async function* readCsv(file: string, onBytes: (read: number) => void): AsyncGenerator<TableLine> {
  const stream = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
  let decode: ((chunk: Buffer) => string) | null = null;
  let parser: CsvRows | null = null;
  let header: string[] | null = null;
  let line = 0;
  let read = 0;
  const rows: string[][] = [];
  const emit = function* (): Generator<TableLine> {
    for (const row of rows.splice(0)) {
      line++;
      if (!header) {
        header = row.map((h) => h.trim());
        if (header.length > MAX_COLUMNS) throw new TableError('too_many_columns', `At most ${MAX_COLUMNS} columns`);
        if (header.every((h) => h === '')) throw new TableError('no_header', 'The first line is empty: it should name the columns');
        continue;
      }
      if (row.every((c) => c.trim() === '')) continue;
      yield { line, cells: Object.fromEntries(header.map((h, i) => [h, row[i] ?? ''])) };
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    read += chunk.length;
    let text: string;
    if (!decode) {
      const bom = chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf;
      const body = bom ? chunk.subarray(3) : chunk;
      if (encodingOf(body) === 'utf8') {
        const d = new StringDecoder('utf8');
        decode = (c) => d.write(c);
      } else {
        const d = new TextDecoder('gb18030');
        decode = (c) => d.decode(c, { stream: true });
      }
      text = decode(body);
      const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
      const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length] as const).sort((a, b) => b[1] - a[1]);
      parser = new CsvRows(counts[0]![1] > 1 ? counts[0]![0] : ',');
    } else text = decode(chunk);
    parser!.push(text, rows);
    onBytes(read);
    yield* emit();
  }
  parser?.end(rows);
  yield* emit();
  if (!header) throw new TableError('no_header', 'The file is empty');
}

// --- XLSX -------------------------------------------------------------------------------------------

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : e === 'amp' ? '&' : String.fromCodePoint(e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1))),
  );
/** The text of every <t> in a piece of XML (a shared string's runs, an inline string). */
const textOf = (xml: string) => unescapeXml([...xml.matchAll(/<t(?:\s[^>]*)?>([^<]*)<\/t>/g)].map((m) => m[1]).join(''));

/** A1 → 0-based column index. */
function columnIndex(ref: string): number {
  let n = 0;
  for (const ch of ref.replace(/\d+$/, '')) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

type Entries = Map<string, yauzl.Entry>;

async function openZip(file: string): Promise<{ zip: yauzl.ZipFile; entries: Entries }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, z) => (err ? reject(new TableError('unreadable_file', `Not an XLSX workbook: ${err.message}`)) : resolve(z!))),
  );
  const entries: Entries = new Map();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entries.size < 1000) entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return { zip, entries };
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s!))));
}

/** Repeating elements of an XML stream (`<si>` or `<row>`), one at a time, without holding the document. */
async function* elements(stream: NodeJS.ReadableStream, tag: string, onChunk: (bytes: number) => void = () => {}): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  const open = new RegExp(`<${tag}[\\s>/]`);
  const close = `</${tag}>`;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    onChunk(chunk.length);
    buffer += decoder.write(chunk);
    for (;;) {
      const start = buffer.search(open);
      if (start < 0) {
        // Keep a tail that may hold the start of the next tag.
        buffer = buffer.slice(-tag.length - 2);
        break;
      }
      const selfClosing = buffer.indexOf('/>', start);
      const tagEnd = buffer.indexOf('>', start);
      if (tagEnd < 0) break;
      if (selfClosing >= 0 && selfClosing + 1 === tagEnd) {
        yield buffer.slice(start, tagEnd + 1);
        buffer = buffer.slice(tagEnd + 1);
        continue;
      }
      const end = buffer.indexOf(close, start);
      if (end < 0) {
        buffer = buffer.slice(start);
        if (buffer.length > 8 * 1024 * 1024) throw new TableError('unreadable_file', `A <${tag}> larger than 8 MB`);
        break;
      }
      yield buffer.slice(start, end + close.length);
      buffer = buffer.slice(end + close.length);
    }
  }
}

async function* readXlsx(file: string, onBytes: (read: number) => void): AsyncGenerator<TableLine> {
  const { zip, entries } = await openZip(file);
  try {
    const sheetName = [...entries.keys()].filter((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n)).sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))[0];
    if (!sheetName) throw new TableError('unreadable_file', 'The workbook has no sheet');
    // Shared strings are read first (a table of every distinct text, as Excel writes it); bounded by the upload size.
    const shared: string[] = [];
    const strings = entries.get('xl/sharedStrings.xml');
    if (strings) for await (const si of elements(await entryStream(zip, strings), 'si')) shared.push(textOf(si));
    const sheet = entries.get(sheetName)!;
    const total = sheet.uncompressedSize || 1;
    const fileSize = fs.statSync(file).size;
    let seen = 0;
    let header: string[] | null = null;
    for await (const row of elements(await entryStream(zip, sheet), 'row', (n) => {
      seen += n;
      onBytes(Math.min(fileSize, Math.round((seen / total) * fileSize)));
    })) {
      const line = Number(row.match(/<row[^>]*\sr="(\d+)"/)?.[1] ?? 0);
      const values: unknown[] = [];
      for (const c of row.matchAll(/<c\s([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
        const attrs = c[1]!;
        const inner = c[2] ?? '';
        const ref = attrs.match(/\br="([A-Z]+\d+)"/)?.[1];
        const type = attrs.match(/\bt="(\w+)"/)?.[1];
        const index = ref ? columnIndex(ref) : values.length;
        if (index >= MAX_COLUMNS) continue;
        const v = inner.match(/<v>([\s\S]*?)<\/v>/)?.[1];
        let value: unknown = '';
        if (type === 's') value = shared[Number(v)] ?? '';
        else if (type === 'inlineStr') value = textOf(inner);
        else if (type === 'str') value = unescapeXml(v ?? '');
        else if (type === 'b') value = v === '1';
        else if (v !== undefined && v !== '') value = Number(v);
        values[index] = value;
      }
      if (!header) {
        header = Array.from(values, (h) => String(h ?? '').trim());
        if (header.every((h) => h === '')) throw new TableError('no_header', 'The first row is empty: it should name the columns');
        continue;
      }
      if (values.every((v) => v === undefined || v === '')) continue;
      yield { line, cells: Object.fromEntries(header.map((h, i) => [h, values[i] ?? ''])) };
    }
    if (!header) throw new TableError('no_header', 'The sheet is empty');
  } finally {
    zip.close();
  }
}

/** An Excel date serial (days since 1899-12-30) as YYYY-MM-DD, and a day's fraction as HH:MM. */
export function excelDate(serial: number): string {
  return new Date(Math.round((serial - 25569) * 86_400_000)).toISOString().slice(0, 10);
}
export function excelTime(serial: number): string {
  const minutes = Math.round((serial % 1) * 1440) % 1440;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

// --- JSON -------------------------------------------------------------------------------------------

async function* readJson(file: string, onBytes: (read: number) => void): AsyncGenerator<TableLine> {
  const size = fs.statSync(file).size;
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(64);
  fs.readSync(fd, head, 0, 64, 0);
  fs.closeSync(fd);
  if (head.toString('utf8').trimStart().startsWith('[')) {
    if (size > MAX_JSON_ARRAY_BYTES) throw new TableError('file_too_large', `A JSON array of at most ${MAX_JSON_ARRAY_BYTES / 1024 / 1024} MB; send JSON Lines for more`);
    let records: unknown;
    try {
      records = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new TableError('unreadable_file', `Not JSON: ${(err as Error).message}`);
    }
    onBytes(size);
    let line = 0;
    for (const record of records as unknown[]) {
      line++;
      yield { line, cells: isRecord(record) ? record : { '': record } };
    }
    return;
  }
  // JSON Lines: one object a line.
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let line = 0;
  let read = 0;
  const parse = (text: string): TableLine | null => {
    line++;
    if (text.trim() === '') return null;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    return { line, cells: isRecord(record) ? record : { '': text.slice(0, 200) } };
  };
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    read += chunk.length;
    onBytes(read);
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop() ?? '';
    if (rest.length > MAX_CELL * MAX_COLUMNS) throw new TableError('unreadable_file', 'A JSON line is too long');
    for (const text of lines) {
      const parsed = parse(text);
      if (parsed) yield parsed;
    }
  }
  const last = parse(rest);
  if (last) yield last;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
