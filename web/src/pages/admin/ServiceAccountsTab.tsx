/** Other systems calling the API: service accounts with their scopes and rate limits; a key shown once when made or rotated. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { ServiceAccountWithKey } from '../../api/types.ts';
import { ActionButton, ErrorBanner, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm } from './admin-forms.tsx';

const SCOPES = ['declarations:write', 'enterprises:write', 'vehicles:write', 'archive:read'] as const;

export function ServiceAccountsTab() {
  const { t, dateTime } = useI18n();
  const accounts = useLoad(() => api.serviceAccounts(), []);
  const [shown, setShown] = useState<ServiceAccountWithKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <section data-testid="service-accounts">
      <ErrorBanner error={error ?? accounts.error} onClose={() => setError(null)} />
      {shown && (
        <p className="banner banner-ok" role="status" data-testid="service-key">
          {t('integration.keyOnce', { name: shown.name })} <code>{shown.key}</code>
        </p>
      )}
      <p className="muted small">{t('integration.hint')}</p>
      <AdminTable
        rows={accounts.data}
        rowKey={(a) => a.id}
        columns={[
          { title: 'integration.name', cell: (a) => a.name },
          { title: 'integration.scopes', cell: (a) => <code>{a.scopes.join(' ')}</code> },
          { title: 'integration.rate', cell: (a) => a.ratePerMinute },
          { title: 'integration.lastUsed', cell: (a) => (a.lastUsedAt ? dateTime(a.lastUsedAt) : '—') },
          {
            title: 'webhooks.state',
            cell: (a) => <span className={`badge ${a.active ? 'annual-filed' : 'rectification-overdue'}`}>{a.active ? t('webhooks.active') : t('integration.revoked')}</span>,
          },
          {
            cell: (a) =>
              a.active && (
                <span className="actions">
                  <ActionButton className="secondary" onError={setError} action={async () => setShown(await api.rotateServiceKey(a.id))}>
                    {t('integration.rotate')}
                  </ActionButton>
                  <ActionButton
                    className="secondary"
                    onError={setError}
                    action={async () => window.confirm(t('integration.confirmRevoke')) && (await api.revokeServiceAccount(a.id), accounts.reload())}
                  >
                    {t('integration.revoke')}
                  </ActionButton>
                </span>
              ),
          },
        ]}
      />
      <CreateForm
        title="integration.new"
        submit={async (f, all) => setShown(await api.createServiceAccount({ name: f.name!, scopes: all.getAll('scopes').map(String), ratePerMinute: Number(f.ratePerMinute || 120) }))}
        done={accounts.reload}
      >
        <label>
          {t('integration.name')}
          <input name="name" required minLength={2} maxLength={100} placeholder="Customs single window" />
        </label>
        <fieldset>
          <legend>{t('integration.scopes')}</legend>
          {SCOPES.map((s) => (
            <label key={s} className="checkbox">
              <input type="checkbox" name="scopes" value={s} /> <code>{s}</code>
            </label>
          ))}
        </fieldset>
        <label>
          {t('integration.rate')}
          <input name="ratePerMinute" type="number" min={1} max={10000} defaultValue={120} />
        </label>
      </CreateForm>
    </section>
  );
}
