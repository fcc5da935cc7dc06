import { useState } from 'react';
import { api } from '../../api/client.ts';
import { RISK_CLASSES, type Enterprise } from '../../api/types.ts';
import { ErrorBanner, Options } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm, RowActions } from './admin-forms.tsx';

export function EnterprisesTab({ list, reload }: { list: Enterprise[]; reload: () => void }) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  return (
    <section>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <AdminTable
        rows={list}
        rowKey={(e) => e.id}
        columns={[
          { title: 'admin.name', cell: (e) => e.name },
          { title: 'admin.customsCode', cell: (e) => e.customsCode },
          {
            title: 'admin.riskClass',
            cell: (e) => (
              <select aria-label={t('admin.riskClass')} value={e.riskClass} onChange={(ev) => api.setRiskClass(e.id, ev.target.value).then(reload, setError)}>
                <Options items={RISK_CLASSES} label={(r) => t(`risk.${r}`)} />
              </select>
            ),
          },
          {
            cell: (e) => (
              <RowActions name={e.name} rename={(name) => api.updateEntity('enterprises', e.id, { name })} remove={() => api.deleteEntity('enterprises', e.id)} done={reload} onError={setError} />
            ),
          },
        ]}
      />
      <CreateForm title="admin.newEnterprise" submit={(f) => api.createEnterprise({ name: f.name!, customsCode: f.customsCode!.toUpperCase(), riskClass: f.riskClass! })} done={reload}>
        <label>
          {t('admin.name')}
          <input name="name" required maxLength={200} />
        </label>
        <label>
          {t('admin.customsCode')}
          <input name="customsCode" required pattern="[0-9A-Za-z]{10}" title={t('admin.customsCodeHint')} />
        </label>
        <label>
          {t('admin.riskClass')}
          <select name="riskClass" defaultValue="B">
            <Options items={RISK_CLASSES} label={(r) => t(`risk.${r}`)} />
          </select>
        </label>
      </CreateForm>
    </section>
  );
}
