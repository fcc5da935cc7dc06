/** The header's bell: how many notifications are unread (kept current by the live push), opening the list. */
import { api } from '../../api/client.ts';
import { useLiveEvent } from '../../app/live-events.ts';
import { Link } from '../../app/router.tsx';
import { useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

export function NotificationBell() {
  const { t, locale } = useI18n();
  const unread = useLoad(() => api.notifications({ unread: true, locale }), [locale]);
  useLiveEvent('notification', () => unread.reload());
  const n = unread.data?.unread ?? 0;
  return (
    <Link to="/notifications" className="bell" title={t('notifications.title')} data-testid="notification-bell">
      <svg aria-hidden width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
        <path d="M13.7 21a2 2 0 0 1-3.4 0" />
      </svg>
      {n > 0 && (
        <span className="count alarm-badge" data-testid="unread-count">
          {n > 99 ? '99+' : n}
        </span>
      )}
      <span className="visually-hidden">{t('notifications.unread', { n })}</span>
    </Link>
  );
}
