/** Archive search results for spreadsheets: the columns, and CSV with a byte-order mark so Excel reads UTF-8 (Chinese names), RFC 4180 quoting. */
import type { ArchiveEntry } from '../contracts/records.ts';

export const ARCHIVE_CSV_ROWS = 10_000;

export type CellValue = string | number | boolean | null;

export const ARCHIVE_COLUMNS: Array<[string, (e: ArchiveEntry) => CellValue]> = [
  ['session_id', (e) => e.sessionId],
  ['declaration_number', (e) => e.declarationNumber],
  ['enterprise', (e) => e.enterpriseName],
  ['site', (e) => e.siteName],
  ['officer', (e) => e.officerName],
  ['inspection_type', (e) => e.type],
  ['started_at', (e) => e.startedAt],
  ['ended_at', (e) => e.endedAt],
  ['verdict', (e) => e.verdict],
  ['alarms', (e) => e.alarms],
  ['sealed', (e) => e.sealed],
];

export function archiveCsv(entries: ArchiveEntry[]): string {
  const cell = (value: CellValue) => {
    const text = value === null ? '' : String(value);
    // Quoted when needed; a leading = + - @ is made inert so a spreadsheet does not run it as a formula.
    const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = [ARCHIVE_COLUMNS.map(([name]) => name).join(','), ...entries.map((e) => ARCHIVE_COLUMNS.map(([, get]) => cell(get(e))).join(','))];
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
