/**
 * Which of the enterprises they act for a broker means: shown only to a user with several (the server lists
 * an enterprise-side user's own enterprises only).
 */
import { api } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { Options, useLoad } from './common.tsx';

export function EnterpriseChooser({ value, onChange, none, testId }: { value: string; onChange: (enterpriseId: string) => void; none?: string; testId: string }) {
  const { t } = useI18n();
  const enterprises = useLoad(() => api.enterprises(), []);
  return (
    <label>
      {t('booking.enterprise')}
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {none !== undefined && <option value="">{none}</option>}
        <Options items={enterprises.data} label={(e) => e.name} value={(e) => e.id} />
      </select>
    </label>
  );
}
