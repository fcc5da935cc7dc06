/**
 * The farm imports records from its ERP: a CSV, Excel or JSON file onto one form, tried first (a dry run) or
 * imported, with a progress bar while it runs and then every refused line by line, field and problem (the
 * whole report as a CSV). The columns each field is read from are shown and can be saved as the enterprise's
 * mapping for that form.
 */
import { useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import type { FormDefinition, FormImport, FormOverview } from '../../api/types.ts';
import { ActionButton, ErrorBanner } from '../../components/common.tsx';
import { useLocalised } from '../../components/FormFields.tsx';
import { useI18n } from '../../i18n/index.tsx';

export function ImportPanel({ siteId, forms, onImported }: { siteId: string; forms: FormOverview['forms']; onImported: () => void }) {
  const { t, tMaybe } = useI18n();
  const say = useLocalised();
  const [formKey, setFormKey] = useState(forms.find((f) => f.key === 'vehicle_entry')?.key ?? forms[0]?.key ?? '');
  const [file, setFile] = useState<File | null>(null);
  const [dryRun, setDryRun] = useState(true);
  const [current, setCurrent] = useState<FormImport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [definition, setDefinition] = useState<FormDefinition | null>(null);

  useEffect(() => {
    if (!formKey) return;
    api.formEntry(siteId, formKey, new Date().toISOString().slice(0, 10)).then(
      (r) => setDefinition(r.definition),
      () => setDefinition(null),
    );
  }, [siteId, formKey]);

  // While it runs, the import is asked for its progress.
  useEffect(() => {
    if (!current || current.status !== 'running') return;
    const timer = setTimeout(async () => {
      try {
        const next = await api.formImport(current.id);
        setCurrent(next);
        if (next.status !== 'running' && !next.dryRun) onImported();
      } catch (err) {
        setError(err);
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [current, onImported]);

  const label = (path: string) => {
    if (!definition) return path;
    const [outer, inner] = path.split('.');
    const field = definition.fields.find((f) => f.key === outer);
    if (field?.type === 'rows' && inner) return say(field.fields.find((f) => f.key === inner)?.label);
    return field ? say(field.label) : path;
  };
  const problemText = (code: string, params?: Record<string, string | number>) => tMaybe(`formError.${code}`, params) ?? code;

  return (
    <section className="import-panel" data-testid="import-panel">
      <h2>{t('import.title')}</h2>
      <p className="muted">{t('import.help')}</p>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <div className="inline-form">
        <label>
          {t('forms.form')}
          <select value={formKey} onChange={(e) => setFormKey(e.target.value)} data-testid="import-form">
            {forms.map((f) => (
              <option key={f.key} value={f.key}>
                {say(f.title)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('import.file')}
          <input type="file" accept=".csv,.txt,.xlsx,.json,.jsonl,.ndjson" onChange={(e) => setFile(e.target.files?.[0] ?? null)} data-testid="import-file" />
        </label>
        <label className="check">
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} data-testid="import-dry-run" /> {t('import.dryRun')}
        </label>
        <ActionButton
          disabled={!file || current?.status === 'running'}
          action={async () => {
            setError(null);
            setCurrent(await api.startImport(siteId, formKey, file!, dryRun));
          }}
          onError={setError}
          data-testid="import-start"
        >
          {dryRun ? t('import.try') : t('import.start')}
        </ActionButton>
      </div>
      {current && (
        <div className="import-result" data-testid="import-result" data-status={current.status}>
          <progress max={100} value={current.progress} aria-label={t('import.progress')} />
          <p>
            {current.status === 'running'
              ? t('import.running', { progress: current.progress, lines: current.lines })
              : current.status === 'failed'
                ? (tMaybe(`import.failure.${current.failure}`) ?? t('import.failure.internal_error'))
                : t(current.dryRun ? 'import.summaryDry' : 'import.summary', { lines: current.lines, imported: current.imported, unchanged: current.unchanged, refused: current.refused })}
          </p>
          {current.status !== 'running' && current.refused > 0 && (
            <>
              <table className="table">
                <thead>
                  <tr>
                    <th>{t('import.line')}</th>
                    <th>{t('import.field')}</th>
                    <th>{t('import.problem')}</th>
                  </tr>
                </thead>
                <tbody>
                  {current.problems.map((p) => (
                    <tr key={`${p.line}/${p.field}/${p.code}`} data-testid="import-problem">
                      <td>{p.line}</td>
                      <td>{label(p.field)}</td>
                      <td>{p.code === 'rule' && p.message ? say(p.message) : problemText(p.code, p.params)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <a className="button secondary" href={`/api/imports/${current.id}/report`} download data-testid="import-report">
                {t('import.report')}
              </a>
            </>
          )}
          {current.status !== 'running' && <ColumnMapping siteId={siteId} formKey={current.formKey} columns={current.columns} label={label} onError={setError} />}
        </div>
      )}
    </section>
  );
}

/** Which column each field was read from; an edited list is saved as the enterprise's mapping for the form. */
function ColumnMapping({
  siteId,
  formKey,
  columns,
  label,
  onError,
}: {
  siteId: string;
  formKey: string;
  columns: Record<string, string | null>;
  label: (path: string) => string;
  onError: (err: unknown) => void;
}) {
  const { t } = useI18n();
  const { '@day': dayColumn, '@farm': farmColumn, ...fieldColumns } = columns;
  const [edited, setEdited] = useState<Record<string, string>>({});
  const [day, setDay] = useState(dayColumn ?? '');
  const [farm, setFarm] = useState(farmColumn ?? '');
  const [saved, setSaved] = useState(false);
  return (
    <details className="column-mapping">
      <summary>{t('import.columns')}</summary>
      <table className="table">
        <tbody>
          <tr>
            <td>{t('forms.day')}</td>
            <td>
              <input value={day} placeholder={t('import.dayColumn')} onChange={(e) => setDay(e.target.value)} />
            </td>
          </tr>
          <tr>
            <td>{t('forms.farm')}</td>
            <td>
              <input value={farm} placeholder={t('import.farmColumn')} onChange={(e) => setFarm(e.target.value)} />
            </td>
          </tr>
          {Object.entries(fieldColumns).map(([path, column]) => (
            <tr key={path}>
              <td>{label(path)}</td>
              <td>
                <input value={edited[path] ?? column ?? ''} placeholder={t('import.notFound')} onChange={(e) => setEdited({ ...edited, [path]: e.target.value })} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ActionButton
        className="secondary"
        disabled={day.trim() === ''}
        action={async () => {
          const fields = Object.fromEntries(
            Object.entries(fieldColumns)
              .map(([path, column]) => [path, (edited[path] ?? column ?? '').trim()])
              .filter(([, column]) => column !== ''),
          );
          await api.saveImportMapping(siteId, formKey, { day: day.trim(), ...(farm.trim() ? { site: farm.trim() } : {}), fields });
          setSaved(true);
        }}
        onError={onError}
      >
        {t('import.saveMapping')}
      </ActionButton>
      {saved && <span className="muted"> {t('import.mappingSaved')}</span>}
    </details>
  );
}
