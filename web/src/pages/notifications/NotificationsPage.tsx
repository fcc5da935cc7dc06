/** The notification centre: what the platform told the user, newest first, each opening the page it is about. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { NotificationList } from '../../api/types.ts';
import { useLiveEvent } from '../../app/live-events.ts';
import { Link, useRouter } from '../../app/router.tsx';
import { ActionButton, Empty, ErrorBanner, Loading, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

export function NotificationsPage() {
  const { t, locale, dateTime } = useI18n();
  const { navigate } = useRouter();
  const [older, setOlder] = useState<NotificationList['items']>([]);
  const [error, setError] = useState<unknown>(null);
  const list = useLoad(() => api.notifications({ locale }), [locale]);
  useLiveEvent('notification', () => list.reload());
  if (list.error) return <ErrorBanner error={list.error} />;
  if (!list.data) return <Loading />;
  const items = [...list.data.items, ...older.filter((o) => !list.data!.items.some((i) => i.id === o.id))];
  const open = async (item: NotificationList['items'][number]) => {
    if (!item.readAt) await api.markNotificationsRead([item.id]).catch(setError);
    navigate(item.link);
  };
  return (
    <div className="page phone-page" data-testid="notifications">
      <h1>
        {t('notifications.title')} <span className="count">{list.data.unread}</span>
      </h1>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <div className="actions">
        <ActionButton
          className="secondary"
          disabled={list.data.unread === 0}
          onError={setError}
          action={async () => {
            await api.markNotificationsRead('all');
            list.reload();
          }}
        >
          {t('notifications.markAllRead')}
        </ActionButton>
        <Link to="/account">{t('notifications.settings')}</Link>
      </div>
      {items.length === 0 ? (
        <Empty>{t('notifications.none')}</Empty>
      ) : (
        <ul className="cards">
          {items.map((n) => (
            <li key={n.id} className={n.readAt ? 'card' : 'card unread'} data-testid="notification">
              <button type="button" className="link-button" onClick={() => open(n)}>
                <strong>{n.title}</strong>
              </button>
              <p className="small">{n.body}</p>
              <p className="muted small">{dateTime(n.createdAt)}</p>
            </li>
          ))}
        </ul>
      )}
      {list.data.items.length >= 100 && (
        <ActionButton
          className="secondary"
          onError={setError}
          action={async () => {
            const before = items.at(-1)?.id;
            const more = await api.notifications({ locale, before });
            setOlder((o) => [...o, ...more.items]);
          }}
        >
          {t('notifications.older')}
        </ActionButton>
      )}
    </div>
  );
}
