import { api } from '../../api/client.ts';
import { SITE_KINDS, type Enterprise } from '../../api/types.ts';
import { useState } from 'react';
import { ErrorBanner, Options, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm, EnterpriseSelect, RowActions } from './admin-forms.tsx';

export function SitesTab({ enterprises }: { enterprises: Enterprise[] }) {
  const { t } = useI18n();
  const sites = useLoad(() => api.sites(), []);
  const [error, setError] = useState<unknown>(null);
  return (
    <section>
      <ErrorBanner error={error ?? sites.error} onClose={() => setError(null)} />
      <AdminTable
        rows={sites.data}
        rowKey={(s) => s.id}
        columns={[
          { title: 'admin.name', cell: (s) => s.name },
          { title: 'admin.siteKind', cell: (s) => t(`siteKind.${s.kind}`) },
          { title: 'booking.enterprise', cell: (s) => enterprises.find((e) => e.id === s.enterpriseId)?.name },
          { title: 'admin.address', cell: (s) => s.address },
          {
            cell: (s) => (
              <RowActions name={s.name} rename={(name) => api.updateEntity('sites', s.id, { name })} remove={() => api.deleteEntity('sites', s.id)} done={sites.reload} onError={setError} />
            ),
          },
        ]}
      />
      <CreateForm title="admin.newSite" submit={(f) => api.createSite({ enterpriseId: f.enterpriseId!, name: f.name!, kind: f.kind!, address: f.address ?? '' })} done={sites.reload}>
        <EnterpriseSelect enterprises={enterprises} />
        <label>
          {t('admin.name')}
          <input name="name" required maxLength={200} />
        </label>
        <label>
          {t('admin.siteKind')}
          <select name="kind" defaultValue="farm">
            <Options items={SITE_KINDS} label={(k) => t(`siteKind.${k}`)} />
          </select>
        </label>
        <label>
          {t('admin.address')}
          <input name="address" maxLength={500} />
        </label>
      </CreateForm>
    </section>
  );
}
