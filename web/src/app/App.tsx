/** The shell: providers, the header (navigation, language, logout) and the page for the current path. */
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { AuthProvider, homeOf, useAuth } from './auth.tsx';
import { Link, matchPath, RouterProvider, useRouter } from './router.tsx';
import { I18nProvider, LOCALE_NAMES, LOCALES, isLocale, useI18n, type MessageKey } from '../i18n/index.tsx';
import type { Role } from '../api/types.ts';
import { LoginPage } from '../pages/LoginPage.tsx';
import { Options } from '../components/common.tsx';
import { NotificationBell } from '../pages/notifications/NotificationBell.tsx';

// Each role loads only its own pages (the live pages bring mediasoup-client with them).
const EnterpriseHome = lazy(() => import('../pages/enterprise/EnterpriseHome.tsx').then((m) => ({ default: m.EnterpriseHome })));
const EnterpriseSession = lazy(() => import('../pages/enterprise/EnterpriseSession.tsx').then((m) => ({ default: m.EnterpriseSession })));
const OfficerHome = lazy(() => import('../pages/officer/OfficerHome.tsx').then((m) => ({ default: m.OfficerHome })));
const OfficerConsole = lazy(() => import('../pages/officer/OfficerConsole.tsx').then((m) => ({ default: m.OfficerConsole })));
const ArchivePage = lazy(() => import('../pages/supervisor/ArchivePage.tsx').then((m) => ({ default: m.ArchivePage })));
const SessionPlayer = lazy(() => import('../pages/supervisor/SessionPlayer.tsx').then((m) => ({ default: m.SessionPlayer })));
const CameraWall = lazy(() => import('../pages/supervision/CameraWall.tsx').then((m) => ({ default: m.CameraWall })));
const ReviewQueue = lazy(() => import('../pages/supervision/ReviewQueue.tsx').then((m) => ({ default: m.ReviewQueue })));
const LoadingRecordsPage = lazy(() => import('../pages/loading/LoadingRecordsPage.tsx').then((m) => ({ default: m.LoadingRecordsPage })));
const LoadingRecordPage = lazy(() => import('../pages/loading/LoadingRecordPage.tsx').then((m) => ({ default: m.LoadingRecordPage })));
const AccountPage = lazy(() => import('../pages/account/AccountPage.tsx').then((m) => ({ default: m.AccountPage })));
const FarmFormsPage = lazy(() => import('../pages/forms/FarmFormsPage.tsx').then((m) => ({ default: m.FarmFormsPage })));
const FormEntryPage = lazy(() => import('../pages/forms/FormEntryPage.tsx').then((m) => ({ default: m.FormEntryPage })));
const DeskPage = lazy(() => import('../pages/desk/DeskPage.tsx').then((m) => ({ default: m.DeskPage })));
const TicketPage = lazy(() => import('../pages/desk/TicketPage.tsx').then((m) => ({ default: m.TicketPage })));
const PlanPage = lazy(() => import('../pages/plan/PlanPage.tsx').then((m) => ({ default: m.PlanPage })));
const RecordPage = lazy(() => import('../pages/enterprise/RecordPage.tsx').then((m) => ({ default: m.RecordPage })));
const AdminPage = lazy(() => import('../pages/admin/AdminPage.tsx').then((m) => ({ default: m.AdminPage })));
const NotificationsPage = lazy(() => import('../pages/notifications/NotificationsPage.tsx').then((m) => ({ default: m.NotificationsPage })));

interface RouteDef {
  pattern: string;
  roles: readonly Role[];
  render: (params: Record<string, string>) => ReactNode;
}

const ENTERPRISE: Role[] = ['enterprise_user', 'broker'];
const routes: RouteDef[] = [
  { pattern: '/enterprise', roles: ENTERPRISE, render: () => <EnterpriseHome /> },
  { pattern: '/enterprise/session/:id', roles: ENTERPRISE, render: (p) => <EnterpriseSession sessionId={p.id!} /> },
  { pattern: '/officer', roles: ['officer'], render: () => <OfficerHome /> },
  { pattern: '/officer/session/:id', roles: ['officer', 'supervisor'], render: (p) => <OfficerConsole sessionId={p.id!} view="console" /> },
  { pattern: '/officer/session/:id/wall', roles: ['officer', 'supervisor'], render: (p) => <OfficerConsole sessionId={p.id!} view="wall" /> },
  { pattern: '/supervisor', roles: ['supervisor', 'admin'], render: () => <ArchivePage /> },
  // Officers' history: their own and their port's sessions, as the access rule lets them read.
  { pattern: '/archive', roles: ['officer', 'supervisor', 'admin'], render: () => <ArchivePage /> },
  { pattern: '/farms', roles: ['officer', 'supervisor', 'admin', 'enterprise_user', 'broker'], render: () => <CameraWall /> },
  { pattern: '/loading', roles: ['officer', 'supervisor', 'admin', 'enterprise_user', 'broker'], render: () => <LoadingRecordsPage /> },
  { pattern: '/loading/:id', roles: ['officer', 'supervisor', 'admin', 'enterprise_user', 'broker'], render: (p) => <LoadingRecordPage recordId={p.id!} /> },
  { pattern: '/forms', roles: ['officer', 'supervisor', 'admin', 'enterprise_user', 'broker'], render: () => <FarmFormsPage /> },
  {
    pattern: '/forms/:siteId/:key/:day',
    roles: ['officer', 'supervisor', 'admin', 'enterprise_user', 'broker'],
    render: (p) => <FormEntryPage siteId={p.siteId!} formKey={p.key!} day={p.day!} />,
  },
  { pattern: '/desk', roles: ['officer', 'supervisor', 'admin', 'enterprise_user', 'broker'], render: () => <DeskPage /> },
  { pattern: '/desk/tickets/:id', roles: ['officer', 'supervisor', 'admin', 'enterprise_user', 'broker'], render: (p) => <TicketPage ticketId={p.id!} /> },
  { pattern: '/plan', roles: ['officer', 'supervisor', 'admin'], render: () => <PlanPage /> },
  { pattern: '/record', roles: ENTERPRISE, render: () => <RecordPage /> },
  { pattern: '/review', roles: ['officer', 'supervisor', 'admin'], render: () => <ReviewQueue /> },
  { pattern: '/account', roles: ['enterprise_user', 'broker', 'officer', 'supervisor', 'admin'], render: () => <AccountPage /> },
  { pattern: '/notifications', roles: ['enterprise_user', 'broker', 'officer', 'supervisor', 'admin'], render: () => <NotificationsPage /> },
  { pattern: '/archive/session/:id', roles: ['supervisor', 'admin', 'officer', 'enterprise_user', 'broker'], render: (p) => <SessionPlayer sessionId={p.id!} /> },
  { pattern: '/admin', roles: ['admin'], render: () => <AdminPage /> },
];

const NAV: Record<Role, Array<{ to: string; label: MessageKey }>> = {
  enterprise_user: [
    { to: '/enterprise', label: 'nav.myInspections' },
    { to: '/farms', label: 'nav.myCameras' },
    { to: '/forms', label: 'nav.forms' },
    { to: '/loading', label: 'nav.loading' },
    { to: '/desk', label: 'nav.desk' },
    { to: '/record', label: 'nav.record' },
  ],
  broker: [
    { to: '/enterprise', label: 'nav.myInspections' },
    { to: '/farms', label: 'nav.myCameras' },
    { to: '/forms', label: 'nav.forms' },
    { to: '/loading', label: 'nav.loading' },
    { to: '/desk', label: 'nav.desk' },
    { to: '/record', label: 'nav.record' },
  ],
  officer: [
    { to: '/officer', label: 'nav.today' },
    { to: '/farms', label: 'nav.farms' },
    { to: '/forms', label: 'nav.forms' },
    { to: '/loading', label: 'nav.loading' },
    { to: '/review', label: 'nav.review' },
    { to: '/desk', label: 'nav.desk' },
    { to: '/plan', label: 'nav.plan' },
    { to: '/archive', label: 'nav.archive' },
  ],
  supervisor: [
    { to: '/supervisor', label: 'nav.archive' },
    { to: '/farms', label: 'nav.farms' },
    { to: '/forms', label: 'nav.forms' },
    { to: '/loading', label: 'nav.loading' },
    { to: '/review', label: 'nav.review' },
    { to: '/desk', label: 'nav.desk' },
    { to: '/plan', label: 'nav.plan' },
  ],
  admin: [
    { to: '/admin', label: 'nav.administration' },
    { to: '/plan', label: 'nav.plan' },
    { to: '/supervisor', label: 'nav.archive' },
    { to: '/farms', label: 'nav.farms' },
  ],
};

export function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <RouterProvider>
          <Shell />
        </RouterProvider>
      </AuthProvider>
    </I18nProvider>
  );
}

function Shell() {
  const { user, checked, logout } = useAuth();
  const { path, navigate } = useRouter();
  const { t, locale, setLocale } = useI18n();

  // A user's saved language applies until they pick another here.
  useEffect(() => {
    if (user && !localStorage.getItem('watchpost.locale') && isLocale(user.locale)) setLocale(user.locale);
  }, [user, setLocale]);

  let page: ReactNode = null;
  if (!checked) page = <p className="muted">{t('common.loading')}</p>;
  else if (!user) page = <LoginPage />;
  else if (path === '/' || path === '/login') {
    page = <Redirect to={homeOf(user.role)} />;
  } else {
    for (const route of routes) {
      const params = matchPath(route.pattern, path);
      if (!params) continue;
      page = route.roles.includes(user.role) ? route.render(params) : <NotAllowed />;
      break;
    }
    page ??= <NotFound />;
  }

  return (
    <div className="app">
      <header className="topbar">
        <Link to={user ? homeOf(user.role) : '/'} className="brand">
          <span className="brand-mark" aria-hidden>
            ◉
          </span>
          {t('app.name')}
        </Link>
        {user && (
          <nav>
            {NAV[user.role].map((item) => (
              <Link key={item.to} to={item.to} className={path.startsWith(item.to) ? 'active' : undefined}>
                {t(item.label)}
              </Link>
            ))}
          </nav>
        )}
        <div className="topbar-right">
          <select aria-label={t('common.language')} value={locale} onChange={(e) => isLocale(e.target.value) && setLocale(e.target.value)} data-testid="language">
            <Options items={LOCALES} label={(l) => LOCALE_NAMES[l]} />
          </select>
          {user && (
            <>
              <NotificationBell />
              <Link to="/account" className="who" title={`${user.displayName} · ${t(`role.${user.role}`)} — ${t('account.title')}`} data-testid="account-link">
                {user.displayName}
              </Link>
              <button
                className="secondary"
                onClick={async () => {
                  await logout();
                  navigate('/', { replace: true });
                }}
              >
                {t('auth.logout')}
              </button>
            </>
          )}
        </div>
      </header>
      <main>
        <Suspense fallback={<p className="muted">{t('common.loading')}</p>}>{page}</Suspense>
      </main>
    </div>
  );
}

function Redirect({ to }: { to: string }) {
  const { navigate } = useRouter();
  useEffect(() => navigate(to, { replace: true }), [to, navigate]);
  return null;
}

function NotFound() {
  const { t } = useI18n();
  return <p className="banner banner-error">{t('error.page_not_found')}</p>;
}

function NotAllowed() {
  const { t } = useI18n();
  return <p className="banner banner-error">{t('error.forbidden')}</p>;
}
