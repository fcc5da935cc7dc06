import { useMemo, useState } from 'react';
import { DEFAULT_TIME_ZONE } from '../../../../server/contracts/schedule.ts';
import { api } from '../../api/client.ts';
import { ErrorBanner, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm, RowActions } from './admin-forms.tsx';

/** Customs ports: officers, sites and declarations belong to one. */
export function PortsTab() {
  const { t } = useI18n();
  const ports = useLoad(() => api.ports(), []);
  const [error, setError] = useState<unknown>(null);
  const zones = useMemo(() => {
    const known: string[] = Intl.supportedValuesOf?.('timeZone') ?? [];
    return known.includes(DEFAULT_TIME_ZONE) ? known : [DEFAULT_TIME_ZONE, ...known];
  }, []);
  const zoneOptions = (current: string) => (zones.includes(current) ? zones : [current, ...zones]).map((z) => <option key={z}>{z}</option>);
  return (
    <section>
      <ErrorBanner error={error ?? ports.error} onClose={() => setError(null)} />
      <AdminTable
        rows={ports.data}
        rowKey={(p) => p.id}
        columns={[
          { title: 'admin.portCode', cell: (p) => <code>{p.code}</code> },
          { title: 'admin.name', cell: (p) => p.name },
          {
            title: 'admin.timeZone',
            cell: (p) => (
              <select
                aria-label={t('admin.timeZone')}
                data-action="time-zone"
                value={p.timeZone}
                onChange={(e) => void api.updateEntity('ports', p.id, { timeZone: e.target.value }).then(ports.reload).catch(setError)}
              >
                {zoneOptions(p.timeZone)}
              </select>
            ),
          },
          {
            cell: (p) => (
              <RowActions name={p.name} rename={(name) => api.updateEntity('ports', p.id, { name })} remove={() => api.deleteEntity('ports', p.id)} done={ports.reload} onError={setError} />
            ),
          },
        ]}
      />
      <CreateForm title="admin.newPort" submit={(f) => api.createPort({ code: f.code!.toUpperCase(), name: f.name!, timeZone: f.timeZone ?? DEFAULT_TIME_ZONE })} done={ports.reload}>
        <label>
          {t('admin.portCode')}
          <input name="code" required pattern="[0-9A-Za-z]{2,10}" title={t('admin.portCodeHint')} />
        </label>
        <label>
          {t('admin.name')}
          <input name="name" required maxLength={200} />
        </label>
        <label>
          {t('admin.timeZone')}
          <select name="timeZone" defaultValue={DEFAULT_TIME_ZONE}>
            {zoneOptions(DEFAULT_TIME_ZONE)}
          </select>
          <span className="muted small">{t('admin.timeZoneHint')}</span>
        </label>
      </CreateForm>
    </section>
  );
}
