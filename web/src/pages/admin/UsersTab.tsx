import { api } from '../../api/client.ts';
import { ROLES, type Enterprise } from '../../api/types.ts';
import { ErrorBanner, Options, useLoad } from '../../components/common.tsx';
import { LOCALES, LOCALE_NAMES, useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm, EnterpriseSelect } from './admin-forms.tsx';

export function UsersTab({ enterprises }: { enterprises: Enterprise[] }) {
  const { t } = useI18n();
  const users = useLoad(() => api.users(), []);
  const ports = useLoad(() => api.ports(), []);
  const nameOf = (id: string | null) => enterprises.find((e) => e.id === id)?.name ?? ports.data?.find((p) => p.id === id)?.name ?? '—';
  return (
    <section>
      <ErrorBanner error={users.error ?? ports.error} />
      <AdminTable
        rows={users.data}
        rowKey={(u) => u.id}
        columns={[
          { title: 'auth.username', cell: (u) => u.username },
          { title: 'admin.name', cell: (u) => u.displayName },
          { title: 'admin.role', cell: (u) => t(`role.${u.role}`) },
          { title: 'admin.belongsTo', cell: (u) => nameOf(u.enterpriseId ?? u.portId) },
          { title: 'common.language', cell: (u) => LOCALE_NAMES[u.locale as keyof typeof LOCALE_NAMES] ?? u.locale },
        ]}
      />
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
