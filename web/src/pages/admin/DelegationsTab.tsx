import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { Enterprise } from '../../api/types.ts';
import { ActionButton, Empty, ErrorBanner, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm, EnterpriseSelect } from './admin-forms.tsx';

export function DelegationsTab({ enterprises }: { enterprises: Enterprise[] }) {
  const { t, dateTime } = useI18n();
  const delegations = useLoad(() => api.delegations(), []);
  const users = useLoad(() => api.users(), []);
  const [error, setError] = useState<unknown>(null);
  return (
    <section>
      <ErrorBanner error={error ?? delegations.error ?? users.error} onClose={() => setError(null)} />
      {delegations.data?.length === 0 && <Empty>{t('admin.noDelegations')}</Empty>}
      <AdminTable
        rows={delegations.data}
        rowKey={(d) => `${d.brokerId}:${d.enterpriseId}`}
        rowClassName={(d) => (d.revokedAt ? 'muted' : undefined)}
        columns={[
          { title: 'role.broker', cell: (d) => d.brokerName },
          { title: 'booking.enterprise', cell: (d) => d.enterpriseName },
          { title: 'booking.status', cell: (d) => (d.revokedAt ? t('admin.revokedAt', { at: dateTime(d.revokedAt) }) : t('admin.grantedAt', { at: dateTime(d.grantedAt) })) },
          {
            cell: (d) =>
              !d.revokedAt && (
                <ActionButton className="secondary danger" action={() => api.revokeDelegation({ brokerId: d.brokerId, enterpriseId: d.enterpriseId }).then(delegations.reload)} onError={setError}>
                  {t('admin.revoke')}
                </ActionButton>
              ),
          },
        ]}
      />
      <CreateForm title="admin.newDelegation" submit={(f) => api.grantDelegation({ brokerId: f.brokerId!, enterpriseId: f.enterpriseId! })} done={delegations.reload}>
        <label>
          {t('role.broker')}
          <select name="brokerId" required defaultValue="">
            <option value="">{t('common.choose')}</option>
            {users.data
              ?.filter((u) => u.role === 'broker')
              .map((u) => (
                <option key={u.id} value={u.id}>
                  {u.displayName}
                </option>
              ))}
          </select>
        </label>
        <EnterpriseSelect enterprises={enterprises} />
      </CreateForm>
    </section>
  );
}
