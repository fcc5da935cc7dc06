/**
 * Supervision e-forms, stated once: what a form definition is (versioned data: fields with types, units,
 * ranges, choices, repeating rows and cross-field rules, in zh-CN, en and ru) and how an entry is checked
 * against it. The server validates with `checkEntry`, the web app renders from the same definition and runs
 * the same check before sending. Imports nothing but zod.
 */
import { z } from 'zod';
import { isCalendarDay } from './local-time.ts';

export const FORM_LOCALES = ['zh-CN', 'en', 'ru'] as const;
export type FormLocale = (typeof FORM_LOCALES)[number];

/** A text in each of the three languages. */
export const localised = z.object({ 'zh-CN': z.string().trim().min(1).max(300), en: z.string().trim().min(1).max(300), ru: z.string().trim().min(1).max(300) }).strict();
export type Localised = z.infer<typeof localised>;

export const MAX_FIELDS = 60;
export const MAX_ROW_FIELDS = 20;
export const MAX_ROWS = 200;
export const MAX_RULES = 40;
export const MAX_OPTIONS = 60;
export const MAX_TEXT = 2000;

const fieldKey = z.string().regex(/^[a-z][a-zA-Z0-9]{0,39}$/, 'a camelCase name of at most 40 letters and digits');
const option = z.object({ value: z.string().regex(/^[a-z0-9_]{1,40}$/), label: localised }).strict();

const common = { key: fieldKey, label: localised, required: z.boolean().default(false), help: localised.optional() };

const textField = z.object({ ...common, type: z.literal('text'), maxLength: z.int().min(1).max(MAX_TEXT).default(200), multiline: z.boolean().default(false) }).strict();
const numberField = z
  .object({ ...common, type: z.literal('number'), min: z.number().finite().optional(), max: z.number().finite().optional(), integer: z.boolean().default(false), unit: localised.optional() })
  .strict();
const dateField = z.object({ ...common, type: z.literal('date') }).strict();
const timeField = z.object({ ...common, type: z.literal('time') }).strict();
const yesNoField = z.object({ ...common, type: z.literal('yesno') }).strict();
const choiceField = z.object({ ...common, type: z.literal('choice'), options: z.array(option).min(1).max(MAX_OPTIONS) }).strict();
const choicesField = z.object({ ...common, type: z.literal('choices'), options: z.array(option).min(1).max(MAX_OPTIONS) }).strict();

export const scalarField = z.discriminatedUnion('type', [textField, numberField, dateField, timeField, yesNoField, choiceField, choicesField]);
export type ScalarField = z.infer<typeof scalarField>;

/**
 * A rule across fields (of the form, or of one row of a repeating group): `atMost` — a number, date or time
 * not greater than another (deaths not more than the herd, end not before start); `requiredWhen` — a field
 * needed when another has a value (a reason when the answer is "no").
 */
export const formRule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('atMost'), field: fieldKey, than: fieldKey, message: localised }).strict(),
  z.object({ kind: z.literal('requiredWhen'), field: fieldKey, when: fieldKey, equals: z.union([z.string(), z.number(), z.boolean()]), message: localised }).strict(),
]);
export type FormRule = z.infer<typeof formRule>;

const rowsField = z
  .object({
    ...common,
    type: z.literal('rows'),
    fields: z.array(scalarField).min(1).max(MAX_ROW_FIELDS),
    minRows: z.int().min(0).max(MAX_ROWS).default(0),
    maxRows: z.int().min(1).max(MAX_ROWS).default(50),
    rules: z.array(formRule).max(MAX_RULES).default([]),
  })
  .strict();

export const formField = z.discriminatedUnion('type', [textField, numberField, dateField, timeField, yesNoField, choiceField, choicesField, rowsField]);
export type FormField = z.infer<typeof formField>;
export type RowsField = z.infer<typeof rowsField>;

/** Daily forms are due for every day; the others are filled in when something happens (an intake, a death). */
export const formCadences = ['daily', 'as_needed'] as const;
export type FormCadence = (typeof formCadences)[number];

/** Problems a definition may not have, beyond its shape: each becomes a zod issue at its path. */
function definitionProblems(fields: FormField[], rules: FormRule[], where: (string | number)[]): Array<{ path: (string | number)[]; message: string }> {
  const problems: Array<{ path: (string | number)[]; message: string }> = [];
  const byKey = new Map<string, FormField>();
  fields.forEach((f, i) => {
    if (byKey.has(f.key)) problems.push({ path: [...where, 'fields', i, 'key'], message: `field ${f.key} appears twice` });
    byKey.set(f.key, f);
    if (f.type === 'number' && f.min !== undefined && f.max !== undefined && f.min > f.max) problems.push({ path: [...where, 'fields', i, 'min'], message: 'min is above max' });
    if ((f.type === 'choice' || f.type === 'choices') && new Set(f.options.map((o) => o.value)).size !== f.options.length) {
      problems.push({ path: [...where, 'fields', i, 'options'], message: 'two options share a value' });
    }
    if (f.type === 'rows') {
      if (f.minRows > f.maxRows) problems.push({ path: [...where, 'fields', i, 'minRows'], message: 'minRows is above maxRows' });
      problems.push(...definitionProblems(f.fields, f.rules, [...where, 'fields', i]));
    }
  });
  rules.forEach((r, i) => {
    const named = r.kind === 'atMost' ? [r.field, r.than] : [r.field, r.when];
    for (const key of named) {
      const f = byKey.get(key);
      if (!f || f.type === 'rows') problems.push({ path: [...where, 'rules', i], message: `rule names ${key}, not a field beside it` });
    }
    if (r.kind === 'atMost') {
      const [a, b] = [byKey.get(r.field)?.type, byKey.get(r.than)?.type];
      if (a !== b || !['number', 'date', 'time'].includes(a ?? '')) problems.push({ path: [...where, 'rules', i], message: 'atMost compares two numbers, dates or times' });
    }
  });
  return problems;
}

export const formDefinition = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/),
    version: z.int().min(1).max(10_000),
    title: localised,
    description: localised.optional(),
    cadence: z.enum(formCadences),
    fields: z.array(formField).min(1).max(MAX_FIELDS),
    rules: z.array(formRule).max(MAX_RULES).default([]),
  })
  .strict()
  .superRefine((def, ctx) => {
    for (const p of definitionProblems(def.fields, def.rules, [])) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  });
export type FormDefinition = z.infer<typeof formDefinition>;
/** What an author writes: defaults (required, maxLength, rules, ...) may be left out. */
export type FormDefinitionInput = z.input<typeof formDefinition>;

/** Why a value was refused: the web app says it in the reader's language (`formError.<code>`). */
export const entryErrorCodes = [
  'required',
  'unknown_field',
  'not_text',
  'too_long',
  'not_a_number',
  'not_an_integer',
  'below_min',
  'above_max',
  'not_a_date',
  'not_a_time',
  'not_yes_no',
  'not_a_choice',
  'not_a_list',
  'too_few_rows',
  'too_many_rows',
  'rule',
] as const;
export type EntryErrorCode = (typeof entryErrorCodes)[number];

export interface EntryError {
  /** The field, as a dotted path: `doses.2.vaccine` is the vaccine of the third row of doses. */
  path: string;
  code: EntryErrorCode;
  params?: Record<string, string | number>;
  /** For `rule`: the definition's own message. */
  message?: Localised;
}

export type ScalarValue = string | number | boolean | string[];
export type EntryValues = Record<string, ScalarValue | Array<Record<string, ScalarValue>>>;

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);

/** One scalar value checked and normalised (numbers may arrive as text, from an import). */
function checkScalar(field: ScalarField, raw: unknown, path: string, errors: EntryError[]): ScalarValue | undefined {
  switch (field.type) {
    case 'text': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return void errors.push({ path, code: 'not_text' });
      const text = String(raw).trim();
      if (text.length > field.maxLength) return void errors.push({ path, code: 'too_long', params: { max: field.maxLength } });
      return text;
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
      if (!Number.isFinite(n)) return void errors.push({ path, code: 'not_a_number' });
      if (field.integer && !Number.isInteger(n)) return void errors.push({ path, code: 'not_an_integer' });
      if (field.min !== undefined && n < field.min) return void errors.push({ path, code: 'below_min', params: { min: field.min } });
      if (field.max !== undefined && n > field.max) return void errors.push({ path, code: 'above_max', params: { max: field.max } });
      return n;
    }
    case 'date':
      if (typeof raw !== 'string' || !isCalendarDay(raw.trim())) return void errors.push({ path, code: 'not_a_date' });
      return raw.trim();
    case 'time':
      if (typeof raw !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(raw.trim())) return void errors.push({ path, code: 'not_a_time' });
      return raw.trim();
    case 'yesno':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'yes' || raw === 'true') return true;
      if (raw === 'no' || raw === 'false') return false;
      return void errors.push({ path, code: 'not_yes_no' });
    case 'choice':
      if (typeof raw !== 'string' || !field.options.some((o) => o.value === raw)) return void errors.push({ path, code: 'not_a_choice' });
      return raw;
    case 'choices': {
      if (!Array.isArray(raw) || raw.length > field.options.length) return void errors.push({ path, code: 'not_a_list' });
      const picked = [...new Set(raw)];
      if (picked.some((v) => typeof v !== 'string' || !field.options.some((o) => o.value === v))) return void errors.push({ path, code: 'not_a_choice' });
      return picked as string[];
    }
  }
}

function checkRules(rules: FormRule[], values: Record<string, ScalarValue>, prefix: string, errors: EntryError[]) {
  for (const rule of rules) {
    const path = `${prefix}${rule.field}`;
    if (errors.some((e) => e.path === path)) continue;
    if (rule.kind === 'atMost') {
      const [a, b] = [values[rule.field], values[rule.than]];
      if (a !== undefined && b !== undefined && a > b) errors.push({ path, code: 'rule', message: rule.message });
    } else if (values[rule.when] === rule.equals && isBlank(values[rule.field])) {
      errors.push({ path, code: 'rule', message: rule.message });
    }
  }
}

/** The fields of one level (the form, or one row) checked into `out`; returns whether it is all blank. */
function checkLevel(fields: FormField[], rules: FormRule[], input: unknown, prefix: string, draft: boolean, errors: EntryError[], out: Record<string, unknown>) {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    errors.push({ path: prefix.replace(/\.$/, '') || '(entry)', code: 'not_a_list' });
    return;
  }
  const given = input as Record<string, unknown>;
  const known = new Set(fields.map((f) => f.key));
  for (const key of Object.keys(given).slice(0, MAX_FIELDS + 1)) if (!known.has(key)) errors.push({ path: `${prefix}${key}`, code: 'unknown_field' });
  for (const field of fields) {
    const path = `${prefix}${field.key}`;
    const raw = given[field.key];
    if (field.type === 'rows') {
      const rows = isBlank(raw) ? [] : raw;
      if (!Array.isArray(rows)) {
        errors.push({ path, code: 'not_a_list' });
        continue;
      }
      if (rows.length > field.maxRows) {
        errors.push({ path, code: 'too_many_rows', params: { max: field.maxRows } });
        continue;
      }
      if (!draft && rows.length < Math.max(field.minRows, field.required ? 1 : 0)) errors.push({ path, code: field.minRows > 1 ? 'too_few_rows' : 'required', params: { min: field.minRows } });
      const checked: Array<Record<string, ScalarValue>> = [];
      rows.forEach((row, i) => {
        const value: Record<string, unknown> = {};
        checkLevel(field.fields, field.rules, row, `${path}.${i}.`, draft, errors, value);
        checked.push(value as Record<string, ScalarValue>);
      });
      if (checked.length > 0) out[field.key] = checked;
      continue;
    }
    if (isBlank(raw)) {
      if (field.required && !draft) errors.push({ path, code: 'required' });
      continue;
    }
    const value = checkScalar(field, raw, path, errors);
    if (value !== undefined) out[field.key] = value;
  }
  if (!draft) checkRules(rules, out as Record<string, ScalarValue>, prefix, errors);
}

/**
 * An entry checked against its definition: the normalised values, or every problem with its field. A draft is
 * checked for what is there (types, ranges, lengths), not for what is missing or for the rules.
 */
export function checkEntry(def: FormDefinition, input: unknown, options: { draft?: boolean } = {}): { ok: true; values: EntryValues } | { ok: false; errors: EntryError[] } {
  const errors: EntryError[] = [];
  const values: Record<string, unknown> = {};
  checkLevel(def.fields, def.rules, input, '', options.draft ?? false, errors, values);
  // Bounded: a hostile entry with thousands of bad values gets the first hundred.
  return errors.length > 0 ? { ok: false, errors: errors.slice(0, 100) } : { ok: true, values: values as EntryValues };
}

// --- What the API answers -------------------------------------------------------------------------------

export const farmFormStatuses = ['draft', 'submitted', 'returned'] as const;
export type FarmFormStatus = (typeof farmFormStatuses)[number];
/** What a day's form is in, seen from the officer's side: not started and past due is overdue. */
export const formDayStates = ['missing', 'draft', 'submitted', 'returned', 'overdue'] as const;
export type FormDayState = (typeof formDayStates)[number];

export const calendarDay = z.string().refine(isCalendarDay, 'a calendar day, YYYY-MM-DD');

export const formEntryInput = z.object({ values: z.record(z.string(), z.unknown()) }).strict();
export const formCorrectionInput = z.object({ values: z.record(z.string(), z.unknown()), reason: z.string().trim().min(3).max(500) }).strict();
export const formNoteInput = z.object({ text: z.string().trim().min(1).max(2000), returnForCorrection: z.boolean().default(false) }).strict();

// --- Importing records (ERP files, pushed records) --------------------------------------------------------

/** Which column holds each field (`rows.field` for a field of repeating rows), the day, and the farm. */
export const importMapping = z
  .object({
    day: z.string().trim().min(1).max(100),
    site: z.string().trim().min(1).max(100).optional(),
    fields: z.record(z.string().regex(/^[a-z][a-zA-Z0-9]{0,39}(\.[a-z][a-zA-Z0-9]{0,39})?$/), z.string().trim().min(1).max(100)),
  })
  .strict()
  .meta({ id: 'ImportMapping' });
export type ImportMapping = z.infer<typeof importMapping>;

/** Why a line of an import was not imported, beyond a field's own problem (entryErrorCodes). */
export const importProblemCodes = [...entryErrorCodes, 'unknown_farm', 'day_in_future', 'day_too_old', 'day_already_submitted', 'conflicting_value', 'not_a_record'] as const;
export type ImportProblemCode = (typeof importProblemCodes)[number];
export interface ImportProblem {
  line: number;
  field: string;
  code: ImportProblemCode;
  params?: Record<string, string | number>;
  /** For `rule`: the definition's own message. */
  message?: Localised;
}

/** A line of an import for one day of one farm: the form's own fields, and for a form of rows, its row. */
export interface ImportItem {
  line: number;
  top: Record<string, unknown>;
  row?: Record<string, unknown>;
}

/** The repeating-rows field a form's import lines fill (one line, one row), or null: one line is a whole day. */
export function importRowsField(def: FormDefinition): RowsField | null {
  const rows = def.fields.filter((f): f is RowsField => f.type === 'rows');
  return rows.length === 1 ? rows[0]! : null;
}

/** Pushed records: a day and its values (a form of rows takes its rows as a list, as the form does). */
export const pushedRecords = z
  .object({
    records: z
      .array(z.object({ day: calendarDay, values: z.record(z.string(), z.unknown()) }).strict())
      .min(1)
      .max(1000),
  })
  .strict();
