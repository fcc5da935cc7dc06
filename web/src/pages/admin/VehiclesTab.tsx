import { api } from '../../api/client.ts';
import type { Enterprise } from '../../api/types.ts';
import { ErrorBanner, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable, CreateForm, EnterpriseSelect } from './admin-forms.tsx';

export function VehiclesTab({ enterprises }: { enterprises: Enterprise[] }) {
  const { t } = useI18n();
  const vehicles = useLoad(() => api.vehicles(), []);
  return (
    <section>
      <ErrorBanner error={vehicles.error} />
      <AdminTable
        rows={vehicles.data}
        rowKey={(v) => v.id}
        columns={[
          { title: 'admin.plate', cell: (v) => v.plate, className: 'plate' },
          { title: 'booking.enterprise', cell: (v) => enterprises.find((e) => e.id === v.enterpriseId)?.name },
          { title: 'admin.description', cell: (v) => v.description },
        ]}
      />
      <CreateForm title="admin.newVehicle" submit={(f) => api.createVehicle({ enterpriseId: f.enterpriseId!, plate: f.plate!, description: f.description || undefined })} done={vehicles.reload}>
        <EnterpriseSelect enterprises={enterprises} />
        <label>
          {t('admin.plate')}
          <input name="plate" required maxLength={20} placeholder="粤Z·A123港" />
        </label>
        <label>
          {t('admin.description')}
          <input name="description" maxLength={200} />
        </label>
      </CreateForm>
    </section>
  );
}
