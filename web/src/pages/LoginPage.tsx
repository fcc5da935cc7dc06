import { useState } from 'react';
import { useAuth, homeOf } from '../app/auth.tsx';
import { useRouter } from '../app/router.tsx';
import { useI18n } from '../i18n/index.tsx';
import { ErrorBanner } from '../components/common.tsx';

export function LoginPage() {
  const { t } = useI18n();
  const { login } = useAuth();
  const { path, search, navigate } = useRouter();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div className="login">
      <form
        className="card login-card"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            const me = await login(username.trim(), password);
            // Back to the page that asked for a login (a link to a session), or the role's home.
            const next = search.get('next') ?? (path !== '/' && path !== '/login' ? `${path}${window.location.search}` : homeOf(me.role));
            navigate(next, { replace: true });
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>{t('auth.title')}</h1>
        <p className="muted">{t('app.tagline')}</p>
        <ErrorBanner error={error} />
        <label>
          {t('auth.username')}
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label>
          {t('auth.password')}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? t('common.working') : t('auth.login')}
        </button>
      </form>
    </div>
  );
}
