/** Administration: ports, enterprises (risk class), users and roles, broker delegations, sites, cameras, vehicles, plate formats, model versions, storage, webhooks and the delivery log, service accounts, the platform's nodes. */
import { api } from '../../api/client.ts';
import { useRouter } from '../../app/router.tsx';
import { ErrorBanner, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { CamerasTab } from './CamerasTab.tsx';
import { DelegationsTab } from './DelegationsTab.tsx';
import { EnterprisesTab } from './EnterprisesTab.tsx';
import { PortsTab } from './PortsTab.tsx';
import { SitesTab } from './SitesTab.tsx';
import { StorageTab } from './StorageTab.tsx';
import { UsersTab } from './UsersTab.tsx';
import { VehiclesTab } from './VehiclesTab.tsx';
import { PlateFormatsTab } from './PlateFormatsTab.tsx';
import { ModelsTab } from './ModelsTab.tsx';
import { WebhooksTab } from './WebhooksTab.tsx';
import { ServiceAccountsTab } from './ServiceAccountsTab.tsx';
import { NodesTab } from './NodesTab.tsx';

const TABS = ['enterprises', 'ports', 'users', 'delegations', 'sites', 'cameras', 'vehicles', 'plates', 'models', 'storage', 'webhooks', 'integration', 'nodes'] as const;
type Tab = (typeof TABS)[number];

export function AdminPage() {
  const { t } = useI18n();
  const { search, navigate } = useRouter();
  const tab = (TABS as readonly string[]).includes(search.get('tab') ?? '') ? (search.get('tab') as Tab) : 'enterprises';
  const enterprises = useLoad(() => api.enterprises(), []);
  return (
    <div className="page">
      <h1>{t('admin.title')}</h1>
      <nav className="tabs" role="tablist">
        {TABS.map((name) => (
          <button key={name} role="tab" aria-selected={tab === name} className={tab === name ? 'active' : 'secondary'} onClick={() => navigate(`/admin?tab=${name}`)} data-tab={name}>
            {t(`admin.tab.${name}`)}
          </button>
        ))}
      </nav>
      <ErrorBanner error={enterprises.error} />
      {tab === 'enterprises' && <EnterprisesTab list={enterprises.data ?? []} reload={enterprises.reload} />}
      {tab === 'ports' && <PortsTab />}
      {tab === 'users' && <UsersTab enterprises={enterprises.data ?? []} />}
      {tab === 'delegations' && <DelegationsTab enterprises={enterprises.data ?? []} />}
      {tab === 'sites' && <SitesTab enterprises={enterprises.data ?? []} />}
      {tab === 'cameras' && <CamerasTab />}
      {tab === 'vehicles' && <VehiclesTab enterprises={enterprises.data ?? []} />}
      {tab === 'plates' && <PlateFormatsTab />}
      {tab === 'models' && <ModelsTab />}
      {tab === 'storage' && <StorageTab />}
      {tab === 'webhooks' && <WebhooksTab />}
      {tab === 'integration' && <ServiceAccountsTab />}
      {tab === 'nodes' && <NodesTab />}
    </div>
  );
}
