/**
 * A supervision e-form drawn from its definition (server/contracts/forms.ts): each field in the reader's
 * language with its unit, repeating rows with add and remove, and each problem under its field. Values stay as
 * typed (a number as its text) until checked: the same check the server runs, run here first.
 */
import type { ReactNode } from 'react';
import type { EntryError, FormDefinition, FormField, Localised, ScalarField } from '../api/types.ts';
import { useI18n } from '../i18n/index.tsx';

export type FormValues = Record<string, unknown>;
type Row = Record<string, unknown>;

export function useLocalised(): (text: Localised | undefined) => string {
  const { locale } = useI18n();
  return (text) => (text ? (text[locale] ?? text.en) : '');
}

/** One problem in the reader's language: the definition's own words for a rule, else the code's message. */
export function useEntryErrorText(): (error: EntryError) => string {
  const { t, tMaybe } = useI18n();
  const say = useLocalised();
  return (error) => (error.code === 'rule' && error.message ? say(error.message) : (tMaybe(`formError.${error.code}`, error.params) ?? t('formError.invalid')));
}

export function FormFields({
  definition,
  values,
  onChange,
  errors,
  readOnly = false,
}: {
  definition: FormDefinition;
  values: FormValues;
  onChange?: (values: FormValues) => void;
  errors: EntryError[];
  readOnly?: boolean;
}) {
  const set = (key: string, value: unknown) => onChange?.({ ...values, [key]: value });
  return (
    <div className="form-fields" data-testid="form-fields">
      {definition.fields.map((field) =>
        field.type === 'rows' ? (
          <RowsInput key={field.key} field={field} rows={(values[field.key] as Row[] | undefined) ?? []} onChange={(rows) => set(field.key, rows)} errors={errors} readOnly={readOnly} />
        ) : (
          <FieldInput key={field.key} field={field} path={field.key} value={values[field.key]} onChange={(v) => set(field.key, v)} errors={errors} readOnly={readOnly} />
        ),
      )}
    </div>
  );
}

function RowsInput({
  field,
  rows,
  onChange,
  errors,
  readOnly,
}: {
  field: Extract<FormField, { type: 'rows' }>;
  rows: Row[];
  onChange: (rows: Row[]) => void;
  errors: EntryError[];
  readOnly: boolean;
}) {
  const { t } = useI18n();
  const say = useLocalised();
  const errorText = useEntryErrorText();
  const own = errors.filter((e) => e.path === field.key);
  return (
    <fieldset className="form-rows" data-field={field.key}>
      <legend>
        {say(field.label)}
        {field.required && <span className="required"> *</span>}
      </legend>
      {field.help && <p className="muted">{say(field.help)}</p>}
      {rows.length === 0 && <p className="muted">{t('forms.noRows')}</p>}
      {rows.map((row, i) => (
        <div className="form-row" key={i} data-row={i}>
          <div className="form-row-head">
            <strong>{t('forms.row', { n: i + 1 })}</strong>
            {!readOnly && (
              <button type="button" className="secondary small" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                {t('forms.removeRow')}
              </button>
            )}
          </div>
          {field.fields.map((inner) => (
            <FieldInput
              key={inner.key}
              field={inner}
              path={`${field.key}.${i}.${inner.key}`}
              value={row[inner.key]}
              onChange={(v) => onChange(rows.map((r, j) => (j === i ? { ...r, [inner.key]: v } : r)))}
              errors={errors}
              readOnly={readOnly}
            />
          ))}
        </div>
      ))}
      {!readOnly && rows.length < field.maxRows && (
        <button type="button" className="secondary" onClick={() => onChange([...rows, {}])} data-testid={`add-row-${field.key}`}>
          {t('forms.addRow')}
        </button>
      )}
      {own.map((e) => (
        <p key={e.code} className="field-error" role="alert">
          {errorText(e)}
        </p>
      ))}
    </fieldset>
  );
}

function FieldInput({
  field,
  path,
  value,
  onChange,
  errors,
  readOnly,
}: {
  field: ScalarField;
  path: string;
  value: unknown;
  onChange: (value: unknown) => void;
  errors: EntryError[];
  readOnly: boolean;
}) {
  const { t } = useI18n();
  const say = useLocalised();
  const errorText = useEntryErrorText();
  const own = errors.filter((e) => e.path === path);
  const id = `f-${path.replace(/\./g, '-')}`;
  const text = value === undefined || value === null ? '' : String(value);
  let input: ReactNode;
  switch (field.type) {
    case 'text':
      input = field.multiline ? (
        <textarea id={id} name={path} value={text} maxLength={field.maxLength} disabled={readOnly} onChange={(e) => onChange(e.target.value)} rows={3} />
      ) : (
        <input id={id} name={path} value={text} maxLength={field.maxLength} disabled={readOnly} onChange={(e) => onChange(e.target.value)} />
      );
      break;
    case 'number':
      input = (
        <span className="with-unit">
          <input
            id={id}
            name={path}
            type="number"
            inputMode="decimal"
            step={field.integer ? 1 : 'any'}
            min={field.min}
            max={field.max}
            value={text}
            disabled={readOnly}
            onChange={(e) => onChange(e.target.value)}
          />
          {field.unit && <span className="unit">{say(field.unit)}</span>}
        </span>
      );
      break;
    case 'date':
    case 'time':
      input = <input id={id} name={path} type={field.type} value={text} disabled={readOnly} onChange={(e) => onChange(e.target.value)} />;
      break;
    case 'yesno':
      input = (
        <span className="yesno" role="radiogroup" aria-labelledby={`${id}-label`}>
          {[true, false].map((answer) => (
            <label key={String(answer)}>
              <input type="radio" name={path} checked={value === answer} disabled={readOnly} onChange={() => onChange(answer)} />
              {answer ? t('forms.yes') : t('forms.no')}
            </label>
          ))}
        </span>
      );
      break;
    case 'choice':
      input = (
        <select id={id} name={path} value={text} disabled={readOnly} onChange={(e) => onChange(e.target.value)}>
          <option value="">{t('forms.choose')}</option>
          {field.options.map((o) => (
            <option key={o.value} value={o.value}>
              {say(o.label)}
            </option>
          ))}
        </select>
      );
      break;
    case 'choices': {
      const picked = Array.isArray(value) ? (value as string[]) : [];
      input = (
        <span className="choices">
          {field.options.map((o) => (
            <label key={o.value}>
              <input
                type="checkbox"
                name={path}
                checked={picked.includes(o.value)}
                disabled={readOnly}
                onChange={(e) => onChange(e.target.checked ? [...picked, o.value] : picked.filter((v) => v !== o.value))}
              />
              {say(o.label)}
            </label>
          ))}
        </span>
      );
      break;
    }
  }
  return (
    <div className={`form-field${own.length > 0 ? ' has-error' : ''}`}>
      <label htmlFor={id} id={`${id}-label`}>
        {say(field.label)}
        {field.required && <span className="required"> *</span>}
      </label>
      {input}
      {field.help && <small className="muted">{say(field.help)}</small>}
      {own.map((e) => (
        <p key={e.code} className="field-error" role="alert">
          {errorText(e)}
        </p>
      ))}
    </div>
  );
}
