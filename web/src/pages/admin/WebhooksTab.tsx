/**
 * Other systems told of events: webhook endpoints (the secret shown once when made or rotated, paused ones
 * resumed), and the delivery log of everything that left the platform (email, SMS, IM, webhooks), each
 * attempt with its answer, resent from here.
 */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { WebhookEndpointWithSecret } from '../../api/types.ts';
import { ActionButton, Empty, ErrorBanner, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm } from './admin-forms.tsx';

const STATUSES = ['', 'pending', 'sent', 'failed'] as const;

export function WebhooksTab() {
  const { t, dateTime } = useI18n();
  const endpoints = useLoad(() => api.webhooks(), []);
  const [status, setStatus] = useState<(typeof STATUSES)[number]>('');
  const log = useLoad(() => api.deliveries({ status: status || undefined }), [status]);
  const [secret, setSecret] = useState<WebhookEndpointWithSecret | null>(null);
  const [error, setError] = useState<unknown>(null);
  const changed = () => {
    endpoints.reload();
    log.reload();
  };
  return (
    <section data-testid="webhooks">
      <ErrorBanner error={error ?? endpoints.error ?? log.error} onClose={() => setError(null)} />
      {secret && (
        <p className="banner banner-ok" role="status" data-testid="webhook-secret">
          {t('webhooks.secretOnce', { url: secret.url })} <code>{secret.secret}</code>
        </p>
      )}
      <AdminTable
        rows={endpoints.data}
        rowKey={(e) => e.id}
        columns={[
          { title: 'webhooks.url', cell: (e) => <code>{e.url}</code> },
          { title: 'admin.description', cell: (e) => e.description },
          { title: 'webhooks.events', cell: (e) => (e.events.length === 0 ? t('webhooks.allEvents') : e.events.join(', ')) },
          {
            title: 'webhooks.state',
            cell: (e) =>
              e.pausedAt ? (
                <span className="badge rectification-overdue">{t('webhooks.paused', { at: dateTime(e.pausedAt) })}</span>
              ) : (
                <span className="badge annual-filed">{t('webhooks.active')}</span>
              ),
          },
          { title: 'webhooks.pending', cell: (e) => e.pending },
          {
            cell: (e) => (
              <span className="actions">
                {e.pausedAt && (
                  <ActionButton onError={setError} action={async () => (await api.resumeWebhook(e.id), changed())}>
                    {t('webhooks.resume')}
                  </ActionButton>
                )}
                <ActionButton className="secondary" onError={setError} action={async () => setSecret(await api.rotateWebhookSecret(e.id))}>
                  {t('webhooks.rotate')}
                </ActionButton>
                <ActionButton className="secondary" onError={setError} action={async () => window.confirm(t('webhooks.confirmRemove')) && (await api.removeWebhook(e.id), changed())}>
                  {t('webhooks.remove')}
                </ActionButton>
              </span>
            ),
          },
        ]}
      />
      <CreateForm
        title="webhooks.new"
        submit={async (f) => {
          const events = (f.events ?? '')
            .split(/[,\s]+/)
            .map((s) => s.trim())
            .filter(Boolean);
          setSecret(await api.createWebhook({ url: f.url!, description: f.description ?? '', events }));
        }}
        done={changed}
      >
        <label>
          {t('webhooks.url')}
          <input name="url" type="url" required maxLength={2000} placeholder="https://erp.example/watchpost-events" />
        </label>
        <label>
          {t('admin.description')}
          <input name="description" maxLength={500} />
        </label>
        <label>
          {t('webhooks.eventsHint')}
          <input name="events" placeholder="verdict.recorded, booking.confirmed" />
        </label>
      </CreateForm>

      <h2>{t('webhooks.log')}</h2>
      <label className="filter-label">
        {t('booking.status')}{' '}
        <select value={status} onChange={(e) => setStatus(e.target.value as (typeof STATUSES)[number])} data-testid="delivery-status">
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s ? t(`webhooks.status.${s}`) : t('webhooks.any')}
            </option>
          ))}
        </select>
      </label>
      {log.data?.length === 0 ? (
        <Empty>{t('webhooks.noDeliveries')}</Empty>
      ) : (
        <AdminTable
          rows={log.data}
          rowKey={(d) => d.id}
          columns={[
            { title: 'webhooks.when', cell: (d) => dateTime(d.createdAt) },
            { title: 'webhooks.channel', cell: (d) => t(`notifications.channel.${d.channel}`) },
            { title: 'webhooks.to', cell: (d) => d.to },
            { title: 'notifications.kind', cell: (d) => <code>{d.kind}</code> },
            { title: 'webhooks.state', cell: (d) => <span className={`badge delivery-${d.status}`}>{t(`webhooks.status.${d.status}`)}</span> },
            {
              title: 'webhooks.attempts',
              cell: (d) => (
                <details>
                  <summary>{d.attempts}</summary>
                  <ul className="small">
                    {d.log.map((a) => (
                      <li key={a.at}>
                        {dateTime(a.at)} {a.ok ? '✓' : '✗'} {a.response} ({a.durationMs} ms)
                      </li>
                    ))}
                  </ul>
                </details>
              ),
            },
            {
              cell: (d) =>
                d.status !== 'pending' && (
                  <ActionButton className="secondary" onError={setError} action={async () => (await api.resendDelivery(d.id), log.reload())}>
                    {t('webhooks.resend')}
                  </ActionButton>
                ),
            },
          ]}
        />
      )}
    </section>
  );
}
