/** One's own account: who one is, changing one's password (the current one is asked again), and how one is told of things. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { useAuth } from '../../app/auth.tsx';
import { ErrorBanner } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { NotificationSettingsCard } from '../notifications/NotificationSettingsCard.tsx';

export function AccountPage() {
  const { t } = useI18n();
  const { user } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const [changed, setChanged] = useState(false);
  const [mismatch, setMismatch] = useState(false);
  if (!user) return null;
  return (
    <div className="page phone-page">
      <h1>{t('account.title')}</h1>
      <p>
        {user.displayName} · <code>{user.username}</code> · {t(`role.${user.role}`)}
      </p>
      <form
        className="card form"
        data-testid="password-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const data = new FormData(form);
          const newPassword = String(data.get('newPassword'));
          setError(null);
          setChanged(false);
          setMismatch(newPassword !== String(data.get('repeatPassword')));
          if (newPassword !== String(data.get('repeatPassword'))) return;
          try {
            await api.changePassword({ currentPassword: String(data.get('currentPassword')), newPassword });
            form.reset();
            setChanged(true);
          } catch (err) {
            setError(err);
          }
        }}
      >
        <h2>{t('account.changePassword')}</h2>
        <ErrorBanner error={error} onClose={() => setError(null)} />
        {mismatch && (
          <p className="banner banner-error" role="alert">
            {t('account.passwordsDiffer')}
          </p>
        )}
        {changed && (
          <p className="banner banner-ok" role="status" data-testid="password-changed">
            {t('account.passwordChanged')}
          </p>
        )}
        <label>
          {t('account.currentPassword')}
          <input name="currentPassword" type="password" autoComplete="current-password" required />
        </label>
        <label>
          {t('account.newPassword')}
          <input name="newPassword" type="password" autoComplete="new-password" required minLength={10} />
        </label>
        <label>
          {t('account.repeatPassword')}
          <input name="repeatPassword" type="password" autoComplete="new-password" required minLength={10} />
        </label>
        <button type="submit">{t('account.save')}</button>
      </form>
      <NotificationSettingsCard />
    </div>
  );
}
