/**
 * ERP files imported into a farm's forms. The file (CSV, XLSX, JSON) is read a line at a time; each line is
 * mapped onto the form (the enterprise's saved column mapping, else columns named as the fields or their
 * labels in any language), checked, and grouped by farm and day; groups are merged into the forms a few
 * thousand lines at a time (FarmFormService.importDay), so memory stays bounded whatever the file's size.
 * Every refused line is written to the import's report (line, field, problem) and counted; progress is kept
 * on the import's row for the page to show. Importing the same lines again changes nothing. A dry run does
 * everything but write. An import a restart cut short is marked interrupted (running it again is safe).
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { formImports, importMappings } from '../db/schema.ts';
import { AppError, notFound } from '../errors.ts';
import { checkEntry, importRowsField, type FormDefinition, type FormField, type ImportItem, type ImportMapping, type ImportProblem, type ScalarField } from '../contracts/forms.ts';
import { excelDate, excelTime, readTable, TableError, tableFormatOf, type TableFormat } from '../forms/table-reader.ts';
import { isCalendarDay } from '../contracts/local-time.ts';
import { hashFile } from '../../media/files.ts';
import { mayRead, type Principal } from './access.ts';
import { appendAudit } from './audit.service.ts';
import type { FarmFormService, FarmSite } from './farm-forms.service.ts';

/** Thrown when the platform stops mid-import. */
const STOPPED = new Error('stopping');

/** Lines held before they are merged into the forms. */
const FLUSH_LINES = 2000;
/** Problems kept on the import's row (all of them are in the report file). */
const PROBLEMS_KEPT = 100;
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

export type ImportView = Omit<typeof formImports.$inferSelect, 'createdAt' | 'finishedAt'> & { createdAt: string; finishedAt: string | null; progress: number };

const toView = (row: typeof formImports.$inferSelect): ImportView => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  finishedAt: row.finishedAt?.toISOString() ?? null,
  progress: row.bytesTotal > 0 ? Math.min(100, Math.round((row.bytesRead / row.bytesTotal) * 100)) : 0,
});

const YES = new Set(['yes', 'y', 'true', '1', '是', 'да', 'д', '√', '✓']);
const NO = new Set(['no', 'n', 'false', '0', '否', 'нет', 'н', '×', '✗']);

/** A cell as the field takes it: Excel's date and time numbers, yes/no words in three languages. */
function cellValue(field: ScalarField, raw: unknown): unknown {
  if (raw === '' || raw === null || raw === undefined) return undefined;
  if (field.type === 'date' && typeof raw === 'number') return excelDate(raw);
  if (field.type === 'time' && typeof raw === 'number') return excelTime(raw);
  if (field.type === 'time' && typeof raw === 'string' && /^\d:\d\d$/.test(raw.trim())) return `0${raw.trim()}`;
  if (field.type === 'yesno' && typeof raw === 'string') {
    const word = raw.trim().toLowerCase();
    return YES.has(word) ? true : NO.has(word) ? false : raw;
  }
  if (field.type === 'choices' && typeof raw === 'string')
    return raw
      .split(/[,;，；]/)
      .map((v) => v.trim())
      .filter(Boolean);
  if (field.type === 'text' && typeof raw === 'number') return String(raw);
  return raw;
}

/** A day written as ISO, as 2026/12/03, or as an Excel date number. */
function dayOf(raw: unknown): string | null {
  if (typeof raw === 'number') return excelDate(raw);
  if (typeof raw !== 'string') return null;
  const m = raw.trim().match(/^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})/);
  if (!m) return null;
  const day = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  return isCalendarDay(day) ? day : null;
}

/** The names a column may have for a field: its key (or `rows.key`), and its label in each language. */
function namesOf(field: FormField, prefix = ''): string[] {
  return [`${prefix}${field.key}`, field.key, ...Object.values(field.label)].map((n) => n.trim().toLowerCase());
}

/** Each field's column: the saved mapping's where the file has that column, else a column named as the field. */
export function resolveColumns(def: FormDefinition, headers: string[], saved: ImportMapping | null): { day: string | null; site: string | null; fields: Record<string, string | null> } {
  const lower = new Map(headers.map((h) => [h.trim().toLowerCase(), h]));
  const find = (names: string[]) => names.map((n) => lower.get(n)).find((h) => h !== undefined) ?? null;
  const pick = (column: string | undefined, names: string[]) => (column !== undefined ? lower.get(column.trim().toLowerCase()) : undefined) ?? find(names);
  const rowsField = importRowsField(def);
  const fields: Record<string, string | null> = {};
  for (const f of def.fields) {
    if (f.type === 'rows') {
      if (f !== rowsField) continue;
      for (const inner of f.fields) fields[`${f.key}.${inner.key}`] = pick(saved?.fields[`${f.key}.${inner.key}`], namesOf(inner, `${f.key}.`));
    } else fields[f.key] = pick(saved?.fields[f.key], namesOf(f));
  }
  return {
    day: pick(saved?.day, ['day', 'date', '日期', 'дата', '记录日期']),
    site: pick(saved?.site, ['farm', 'site', '农场', '场名', 'хозяйство', 'ферма']),
    fields,
  };
}

export class FormImportService {
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly deps: { db: Db; forms: FarmFormService; dataDir: string }) {}

  private dir(): string {
    const dir = path.join(this.deps.dataDir, 'imports');
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  reportPath(id: string): string {
    return path.join(this.dir(), `${id}-report.csv`);
  }

  /** Imports a restart cut short: marked interrupted (what they wrote stays; running the file again is safe). */
  async markInterrupted(): Promise<number> {
    const rows = await this.deps.db.update(formImports).set({ status: 'interrupted', finishedAt: new Date() }).where(eq(formImports.status, 'running')).returning({ id: formImports.id });
    return rows.length;
  }

  async mapping(p: Principal, siteId: string, formKey: string): Promise<ImportMapping | null> {
    const site = await this.deps.forms.farmFor(p, siteId);
    const [row] = await this.deps.db
      .select()
      .from(importMappings)
      .where(and(eq(importMappings.enterpriseId, site.enterpriseId), eq(importMappings.formKey, formKey)));
    return row?.mapping ?? null;
  }

  async saveMapping(p: Principal, siteId: string, formKey: string, mapping: ImportMapping): Promise<ImportMapping> {
    const site = await this.deps.forms.farmFor(p, siteId);
    const def = await this.deps.forms.newestDefinition(formKey);
    const known = new Set(Object.keys(resolveColumns(def, [], null).fields));
    const unknown = Object.keys(mapping.fields).filter((k) => !known.has(k));
    if (unknown.length > 0)
      throw new AppError('validation_failed', `Not fields of ${formKey}: ${unknown.join(', ')}`, {
        reason: 'form_invalid',
        params: { count: unknown.length },
        details: unknown.map((k) => ({ path: k, code: 'unknown_field' })),
      });
    const now = new Date();
    await this.deps.db.transaction(async (tx) => {
      await tx
        .insert(importMappings)
        .values({ enterpriseId: site.enterpriseId, formKey, mapping, updatedBy: p.userId, updatedAt: now })
        .onConflictDoUpdate({ target: [importMappings.enterpriseId, importMappings.formKey], set: { mapping, updatedBy: p.userId, updatedAt: now } });
      await appendAudit(tx, { actorId: p.userId, action: 'import_mapping.save', entityType: 'import_mapping', entityId: `${site.enterpriseId}/${formKey}`, details: { ...mapping } }, now);
    });
    return mapping;
  }

  /**
   * Starts importing an uploaded file (moved into the data directory): answers at once with the import, which
   * runs on and is followed by `get`. `wait` (tests, scripts) answers when it has finished.
   */
  async start(p: Principal, input: { siteId: string; formKey: string; dryRun: boolean; file: string; fileName: string; contentType?: string }, wait = false): Promise<ImportView> {
    const site = await this.deps.forms.farmFor(p, input.siteId);
    const def = await this.deps.forms.newestDefinition(input.formKey);
    const format = tableFormatOf(input.fileName, input.contentType);
    if (!format) throw new AppError('unsupported_media_type', 'Send a .csv, .xlsx, .json or .jsonl file', { reason: 'import_format' });
    const { sha256, sizeBytes: size } = await hashFile(input.file);
    const [row] = await this.deps.db
      .insert(formImports)
      .values({
        enterpriseId: site.enterpriseId,
        siteId: site.id,
        formKey: def.key,
        fileName: input.fileName.slice(0, 200),
        fileSha256: sha256,
        format,
        dryRun: input.dryRun,
        status: 'running',
        bytesTotal: size,
        createdBy: p.userId,
      })
      .returning();
    const upload = path.join(this.dir(), `${row!.id}.upload`);
    fs.renameSync(input.file, upload);
    const run = this.run(p, row!.id, site, def, upload, format, row!.fileName, input.dryRun).finally(() => {
      fs.rmSync(upload, { force: true });
      this.running.delete(run);
    });
    this.running.add(run);
    if (wait) await run;
    return this.view(row!.id);
  }

  private stopping = false;

  /** The platform stops: running imports end at their next line (marked interrupted), and are waited for. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running]);
  }

  private async view(id: string): Promise<ImportView> {
    const [row] = await this.deps.db.select().from(formImports).where(eq(formImports.id, id));
    if (!row) throw notFound('Import');
    return toView(row);
  }

  async get(p: Principal, id: string): Promise<ImportView> {
    const view = await this.view(id);
    if (!mayRead(p, { enterpriseId: view.enterpriseId, portId: null })) throw notFound('Import');
    return view;
  }

  async list(p: Principal, siteId: string): Promise<ImportView[]> {
    const site = await this.deps.forms.farmFor(p, siteId);
    const rows = await this.deps.db.select().from(formImports).where(eq(formImports.enterpriseId, site.enterpriseId)).orderBy(desc(formImports.createdAt)).limit(20);
    return rows.map(toView);
  }

  private async run(p: Principal, id: string, site: FarmSite, def: FormDefinition, file: string, format: TableFormat, fileName: string, dryRun: boolean): Promise<void> {
    const report = fs.createWriteStream(this.reportPath(id));
    report.write('\uFEFFline,field,problem,detail\n');
    const counts = { lines: 0, imported: 0, unchanged: 0, refused: 0 };
    const problems: ImportProblem[] = [];
    let bytesRead = 0;
    let lastProgress = 0;
    const farms = new Map<string, FarmSite>();
    for (const f of await this.deps.forms.farmsOf(site.enterpriseId)) {
      farms.set(f.id, f);
      farms.set(f.name.trim().toLowerCase(), f);
    }
    const saved = await this.deps.db
      .select()
      .from(importMappings)
      .where(and(eq(importMappings.enterpriseId, site.enterpriseId), eq(importMappings.formKey, def.key)));
    const rowsField = importRowsField(def);
    const scalarFields = def.fields.filter((f): f is ScalarField => f.type !== 'rows');
    // A line of a form of rows is checked as a form holding that one row (its own fields' rules apply).
    const rowForm: FormDefinition | null = rowsField ? { ...def, fields: [{ ...rowsField, required: true, minRows: 1 }], rules: [] } : null;
    const topForm: FormDefinition = { ...def, fields: scalarFields, rules: rowsField ? [] : def.rules };
    let columns: ReturnType<typeof resolveColumns> | null = null;
    const groups = new Map<string, { site: FarmSite; day: string; items: ImportItem[] }>();
    let held = 0;

    /** Where each field was read from, with the day's column (`@day`) and the farm's (`@farm`). */
    const columnsSeen = () => (columns ? { '@day': columns.day, '@farm': columns.site, ...columns.fields } : {});
    /** A problem into the report; `newLine` counts its line as refused (a line with several problems counts once). */
    const refuse = (problem: ImportProblem, newLine = true) => {
      if (newLine) counts.refused++;
      if (problems.length < PROBLEMS_KEPT) problems.push(problem);
      const detail = (problem.message?.en ?? (problem.params ? JSON.stringify(problem.params) : '')).replace(/"/g, '""');
      report.write(`${problem.line},${problem.field},${problem.code},"${detail}"\n`);
    };
    const progress = async (force = false) => {
      if (!force && Date.now() - lastProgress < 500) return;
      lastProgress = Date.now();
      await this.deps.db
        .update(formImports)
        .set({ bytesRead, ...counts, problems: problems.slice(), columns: columnsSeen() })
        .where(eq(formImports.id, id));
    };
    const flush = async () => {
      for (const group of groups.values()) {
        const outcome = await this.deps.forms.importDay(p, group.site, def.key, group.day, group.items, fileName, dryRun);
        counts.imported += outcome.imported.length;
        counts.unchanged += outcome.unchanged.length;
        for (const problem of outcome.refused) refuse(problem);
      }
      groups.clear();
      held = 0;
      await progress(true);
    };

    try {
      for await (const { line, cells } of readTable(file, format, (n) => void (bytesRead = n))) {
        if (this.stopping) throw STOPPED;
        counts.lines++;
        if (!columns) {
          columns = resolveColumns(def, Object.keys(cells), saved[0]?.mapping ?? null);
          if (!columns.day) throw new AppError('validation_failed', 'No column holds the day', { reason: 'import_no_day_column' });
        }
        if (Object.keys(cells).length === 1 && '' in cells) {
          refuse({ line, field: '', code: 'not_a_record' });
          continue;
        }
        const siteCell = columns.site ? String(cells[columns.site] ?? '').trim() : '';
        const target = siteCell ? (farms.get(siteCell) ?? farms.get(siteCell.toLowerCase())) : site;
        if (!target) {
          refuse({ line, field: columns.site!, code: 'unknown_farm' });
          continue;
        }
        const day = dayOf(cells[columns.day!]);
        if (!day) {
          refuse({ line, field: columns.day!, code: 'not_a_date' });
          continue;
        }
        const dayProblem = this.deps.forms.dayProblem(target, day);
        if (dayProblem) {
          refuse({ line, field: columns.day!, code: dayProblem });
          continue;
        }
        const top: Record<string, unknown> = {};
        for (const f of scalarFields) {
          const column = columns.fields[f.key];
          const value = column ? cellValue(f, cells[column]) : undefined;
          if (value !== undefined) top[f.key] = value;
        }
        // The line's own problems: a whole-day form checked whole; a line of rows as one row, its day's fields for type.
        const topChecked = checkEntry(topForm, top, { draft: rowsField !== null });
        let row: Record<string, unknown> | undefined;
        let bad = !topChecked.ok ? topChecked.errors.map((e) => ({ line, field: e.path, code: e.code, params: e.params, message: e.message })) : [];
        if (rowsField && rowForm) {
          const raw: Record<string, unknown> = {};
          for (const inner of rowsField.fields) {
            const column = columns.fields[`${rowsField.key}.${inner.key}`];
            const value = column ? cellValue(inner, cells[column]) : undefined;
            if (value !== undefined) raw[inner.key] = value;
          }
          const rowChecked = checkEntry(rowForm, { [rowsField.key]: [raw] });
          if (rowChecked.ok) row = (rowChecked.values[rowsField.key] as Array<Record<string, unknown>>)[0];
          else bad = [...bad, ...rowChecked.errors.map((e) => ({ line, field: e.path.replace(/^(\w+)\.0\./, '$1.'), code: e.code, params: e.params, message: e.message }))];
        }
        if (bad.length > 0) {
          bad.forEach((problem, i) => refuse(problem, i === 0));
          continue;
        }
        const values = topChecked.ok ? topChecked.values : top;
        const key = `${target.id}/${day}`;
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { site: target, day, items: [] }));
        group.items.push({ line, top: values, row });
        if (++held >= FLUSH_LINES) await flush();
        else await progress();
      }
      await flush();
      await new Promise<void>((resolve) => report.end(resolve));
      await this.deps.db
        .update(formImports)
        .set({ status: 'done', bytesRead: fs.statSync(file).size, ...counts, problems, columns: columnsSeen(), finishedAt: new Date() })
        .where(eq(formImports.id, id));
      await this.deps.db.transaction((tx) =>
        appendAudit(tx, { actorId: p.userId, action: 'farm_form.import_file', entityType: 'form_import', entityId: id, details: { form: def.key, file: fileName, dryRun, ...counts } }),
      );
    } catch (err) {
      await new Promise<void>((resolve) => report.end(resolve));
      if (err === STOPPED) {
        await this.deps.db
          .update(formImports)
          .set({ status: 'interrupted', bytesRead, ...counts, problems, finishedAt: new Date() })
          .where(eq(formImports.id, id));
        return;
      }
      const failure = err instanceof TableError || err instanceof AppError ? (err instanceof AppError ? (err.reason ?? err.code) : err.reason) : 'internal_error';
      await this.deps.db
        .update(formImports)
        .set({ status: 'failed', failure, bytesRead, ...counts, problems, finishedAt: new Date() })
        .where(eq(formImports.id, id));
      if (!(err instanceof TableError || err instanceof AppError)) throw err;
    }
  }

  /** Records an ERP pushes (JSON, up to a thousand): merged as an import's lines are, answered at once. */
  async push(p: Principal, siteId: string, formKey: string, records: Array<{ day: string; values: Record<string, unknown> }>) {
    const site = await this.deps.forms.farmFor(p, siteId);
    const def = await this.deps.forms.newestDefinition(formKey);
    const rowsField = importRowsField(def);
    const result = { imported: 0, unchanged: 0, refused: [] as ImportProblem[] };
    const groups = new Map<string, ImportItem[]>();
    records.forEach((record, i) => {
      const line = i + 1;
      const dayProblem = this.deps.forms.dayProblem(site, record.day);
      if (dayProblem) return void result.refused.push({ line, field: 'day', code: dayProblem });
      const top = Object.fromEntries(Object.entries(record.values).filter(([k]) => k !== rowsField?.key));
      const rows = rowsField ? record.values[rowsField.key] : undefined;
      const checked = checkEntry(def, rowsField ? { ...top, [rowsField.key]: rows ?? [] } : top);
      if (!checked.ok) {
        for (const e of checked.errors) result.refused.push({ line, field: e.path, code: e.code, params: e.params, message: e.message });
        return;
      }
      const normalised = checked.values;
      const list = groups.get(record.day) ?? [];
      if (rowsField) {
        const topValues = Object.fromEntries(Object.entries(normalised).filter(([k]) => k !== rowsField.key));
        for (const row of (normalised[rowsField.key] as Array<Record<string, unknown>> | undefined) ?? []) list.push({ line, top: topValues, row });
      } else list.push({ line, top: normalised });
      groups.set(record.day, list);
    });
    for (const [day, items] of groups) {
      const outcome = await this.deps.forms.importDay(p, site, formKey, day, items, 'the ERP API', false);
      result.imported += outcome.imported.length;
      result.unchanged += outcome.unchanged.length;
      result.refused.push(...outcome.refused);
    }
    return result;
  }
}
