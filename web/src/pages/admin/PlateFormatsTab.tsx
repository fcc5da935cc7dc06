/**
 * Licence plate formats: the ports' own (Macau, a neighbouring country) before the built-in ones. A pattern
 * is a regular expression over the plate without spaces or separators; an example of it is required.
 */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { ErrorBanner, Options, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm, RowActions } from './admin-forms.tsx';

export function PlateFormatsTab() {
  const { t } = useI18n();
  const formats = useLoad(() => api.plateFormats(), []);
  const ports = useLoad(() => api.ports(), []);
  const [error, setError] = useState<unknown>(null);
  const portName = (id: string | null) => (id ? (ports.data?.find((p) => p.id === id)?.name ?? id) : t('plates.everyPort'));
  return (
    <section>
      <ErrorBanner error={error ?? formats.error ?? ports.error} onClose={() => setError(null)} />
      <p className="muted small">{t('plates.hint')}</p>
      <AdminTable
        rows={formats.data?.formats}
        rowKey={(f) => f.id}
        columns={[
          { title: 'admin.name', cell: (f) => f.name },
          { title: 'admin.port', cell: (f) => portName(f.portId) },
          { title: 'plates.pattern', cell: (f) => <code>{f.pattern}</code> },
          { title: 'plates.example', cell: (f) => f.example, className: 'plate' },
          { title: 'plates.correction', cell: (f) => (f.correctAnywhere ? t('plates.correctAnywhere') : t('plates.correctInContext')) },
          {
            cell: (f) => <RowActions name={f.name} remove={() => api.deletePlateFormat(f.id)} done={formats.reload} onError={setError} />,
          },
        ]}
      />
      <CreateForm
        title="plates.new"
        submit={(f, all) => api.createPlateFormat({ name: f.name!, pattern: f.pattern!, example: f.example!, portId: f.portId || null, correctAnywhere: all.has('correctAnywhere') })}
        done={formats.reload}
      >
        <label>
          {t('admin.name')}
          <input name="name" required maxLength={60} placeholder="Macau" />
        </label>
        <label>
          {t('plates.pattern')}
          <input name="pattern" required maxLength={200} placeholder="M[A-Z][0-9]{4}" />
        </label>
        <label>
          {t('plates.example')}
          <input name="example" required maxLength={20} placeholder="MA-12-34" />
        </label>
        <label>
          {t('admin.port')}
          <select name="portId" defaultValue="">
            <option value="">{t('plates.everyPort')}</option>
            <Options items={ports.data} label={(p) => p.name} value={(p) => p.id} />
          </select>
        </label>
        <label className="check">
          <input type="checkbox" name="correctAnywhere" value="on" /> {t('plates.correctAnywhereHint')}
        </label>
      </CreateForm>
      <h2>{t('plates.builtIn')}</h2>
      <AdminTable
        rows={formats.data?.builtIn.map((f, i) => ({ ...f, key: `${f.name}-${i}` }))}
        rowKey={(f) => f.key}
        columns={[
          { title: 'admin.name', cell: (f) => t(`plates.format.${f.name}` as never) },
          { title: 'plates.pattern', cell: (f) => <code>{f.pattern}</code> },
          { title: 'plates.correction', cell: (f) => (f.correctAnywhere ? t('plates.correctAnywhere') : t('plates.correctInContext')) },
        ]}
      />
    </section>
  );
}
