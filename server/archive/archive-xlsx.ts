/**
 * Archive search results as an Excel workbook (Office Open XML): one sheet, the same columns as the CSV,
 * numbers as numbers, text as inline strings (no shared-string table needed for a one-off export).
 */
import yazl from 'yazl';
import type { ArchiveEntry } from '../contracts/records.ts';
import { ARCHIVE_COLUMNS, type CellValue } from './archive-csv.ts';

/** Tab, newline and carriage return are the only control characters XML 1.0 carries: the others are dropped. */
const dropControls = (s: string) => [...s].filter((ch) => ch.charCodeAt(0) >= 0x20 || ch === '\t' || ch === '\n' || ch === '\r').join('');

const xml = (s: string) => dropControls(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A1-style column letters: 0 → A, 25 → Z, 26 → AA. */
function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

function cell(ref: string, value: CellValue, shared: Map<string, number> | null): string {
  if (value === null || value === '') return '';
  if (typeof value === 'number' && Number.isFinite(value)) return `<c r="${ref}"><v>${value}</v></c>`;
  if (typeof value === 'boolean') return `<c r="${ref}" t="b"><v>${value ? 1 : 0}</v></c>`;
  if (shared) {
    const text = String(value);
    if (!shared.has(text)) shared.set(text, shared.size);
    return `<c r="${ref}" t="s"><v>${shared.get(text)}</v></c>`;
  }
  return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${xml(String(value))}</t></is></c>`;
}

function sheet(rows: CellValue[][], shared: Map<string, number> | null): string {
  const body = rows.map((row, r) => `<row r="${r + 1}">${row.map((v, c) => cell(`${columnName(c)}${r + 1}`, v, shared)).join('')}</row>`).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${body}</sheetData></worksheet>`;
}

function sharedStringsPart(shared: Map<string, number>): string {
  const items = [...shared.keys()].map((text) => `<si><t xml:space="preserve">${xml(text)}</t></si>`).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${shared.size}" uniqueCount="${shared.size}">${items}</sst>`;
}

const PARTS: Record<string, string> = {
  '[Content_Types].xml':
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
  '_rels/.rels':
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
  'xl/workbook.xml':
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Archive" sheetId="1" r:id="rId1"/></sheets></workbook>',
  'xl/_rels/workbook.xml.rels':
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
};

/** The workbook's bytes. */
export function archiveXlsx(entries: ArchiveEntry[]): Promise<Buffer> {
  return xlsxWorkbook([ARCHIVE_COLUMNS.map(([name]) => name), ...entries.map((e) => ARCHIVE_COLUMNS.map(([, get]) => get(e)))]);
}

/**
 * A one-sheet workbook of rows. `sharedStrings` writes texts the way Excel itself does (a table of strings the
 * cells point into) instead of inline: the import reads both, and its tests and samples use both.
 */
export function xlsxWorkbook(rows: CellValue[][], options: { sharedStrings?: boolean } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const mtime = new Date();
  const shared = options.sharedStrings ? new Map<string, number>() : null;
  const parts = { ...PARTS };
  if (shared) {
    parts['[Content_Types].xml'] = parts['[Content_Types].xml']!.replace(
      '</Types>',
      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    );
    parts['xl/_rels/workbook.xml.rels'] = parts['xl/_rels/workbook.xml.rels']!.replace(
      '</Relationships>',
      '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    );
  }
  for (const [name, text] of Object.entries(parts)) zip.addBuffer(Buffer.from(text), name, { mtime });
  zip.addBuffer(Buffer.from(sheet(rows, shared)), 'xl/worksheets/sheet1.xml', { mtime });
  if (shared) zip.addBuffer(Buffer.from(sharedStringsPart(shared)), 'xl/sharedStrings.xml', { mtime });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}
