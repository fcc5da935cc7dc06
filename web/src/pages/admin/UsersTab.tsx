import { useState } from 'react';
import { api } from '../../api/client.ts';
import { ROLES, type Enterprise, type User } from '../../api/types.ts';
import { ActionButton, ErrorBanner, Modal, Options, useLoad } from '../../components/common.tsx';
import { useAuth } from '../../app/auth.tsx';
import { LOCALES, LOCALE_NAMES, useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm, EnterpriseSelect, RowActions } from './admin-forms.tsx';

export function UsersTab({ enterprises }: { enterprises: Enterprise[] }) {
  const { t } = useI18n();
  const users = useLoad(() => api.users(), []);
  const ports = useLoad(() => api.ports(), []);
  const { user: me } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const [handOver, setHandOver] = useState<{ user: User; password: string } | null>(null);
  const nameOf = (id: string | null) => enterprises.find((e) => e.id === id)?.name ?? ports.data?.find((p) => p.id === id)?.name ?? '—';
  return (
    <section>
      <ErrorBanner error={error ?? users.error ?? ports.error} onClose={() => setError(null)} />
      <AdminTable
        rows={users.data}
        rowKey={(u) => u.id}
        rowClassName={(u) => (u.active ? undefined : 'disabled')}
        columns={[
          { title: 'auth.username', cell: (u) => u.username },
          { title: 'admin.name', cell: (u) => u.displayName },
          { title: 'admin.role', cell: (u) => t(`role.${u.role}`) },
          { title: 'admin.belongsTo', cell: (u) => nameOf(u.enterpriseId ?? u.portId) },
          { title: 'common.language', cell: (u) => LOCALE_NAMES[u.locale as keyof typeof LOCALE_NAMES] ?? u.locale },
          { title: 'admin.state', cell: (u) => (u.active ? t('admin.enabled') : t('admin.disabled')) },
          {
            // One's own account is neither disabled nor deleted from here (the last administrator would lock everyone out).
            cell: (u) => (
              <RowActions
                name={u.displayName}
                rename={(displayName) => api.updateUser(u.id, { displayName })}
                remove={u.id === me?.userId ? undefined : () => api.deleteUser(u.id)}
                done={users.reload}
                onError={setError}
              >
                {u.id !== me?.userId && (
                  <ActionButton className="secondary" data-action="toggle" action={() => api.updateUser(u.id, { active: !u.active }).then(users.reload)} onError={setError}>
                    {u.active ? t('admin.disable') : t('admin.enable')}
                  </ActionButton>
                )}
                <ActionButton
                  className="secondary"
                  data-action="reset-password"
                  action={async () => {
                    if (!window.confirm(t('admin.confirmReset', { name: u.displayName }))) return;
                    const { temporaryPassword } = await api.resetPassword(u.id);
                    setHandOver({ user: u, password: temporaryPassword });
                  }}
                  onError={setError}
                >
                  {t('admin.resetPassword')}
                </ActionButton>
              </RowActions>
            ),
          },
        ]}
      />
      {handOver && (
        <Modal title={t('admin.temporaryPasswordFor', { name: handOver.user.displayName })} onClose={() => setHandOver(null)}>
          <p>{t('admin.temporaryPasswordHint')}</p>
          <p>
            <code className="secret" data-testid="temporary-password">
              {handOver.password}
            </code>
          </p>
        </Modal>
      )}
      <CreateForm
        title="admin.newUser"
        submit={(f) =>
          api.createUser({ username: f.username, displayName: f.displayName, password: f.password, role: f.role, enterpriseId: f.enterpriseId || null, portId: f.portId || null, locale: f.locale })
        }
        done={users.reload}
      >
        <label>
          {t('auth.username')}
          <input name="username" required pattern="[A-Za-z0-9_.@\-]{3,64}" />
        </label>
        <label>
          {t('admin.name')}
          <input name="displayName" required maxLength={200} />
        </label>
        <label>
          {t('auth.password')}
          <input name="password" type="password" required minLength={10} autoComplete="new-password" />
        </label>
        <label>
          {t('admin.role')}
          <select name="role" defaultValue="enterprise_user">
            <Options items={ROLES} label={(r) => t(`role.${r}`)} />
          </select>
        </label>
        <EnterpriseSelect enterprises={enterprises} optional />
        <label>
          {t('admin.port')}
          <select name="portId" defaultValue="">
            <option value="">{t('common.none')}</option>
            <Options items={ports.data} label={(p) => p.name} value={(p) => p.id} />
          </select>
        </label>
        <label>
          {t('common.language')}
          <select name="locale" defaultValue="zh-CN">
            <Options items={LOCALES} label={(l) => LOCALE_NAMES[l]} />
          </select>
        </label>
      </CreateForm>
    </section>
  );
}
