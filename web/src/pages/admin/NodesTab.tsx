/**
 * The platform's nodes as the registry sees them now (refreshed every few seconds): each one's media
 * workers and load (what sessions are placed by, drawn as a bar), the sessions and supervised cameras it
 * holds, and whether it is stopping. One node is what `npm start` runs alone.
 */
import { useEffect } from 'react';
import { api } from '../../api/client.ts';
import { ErrorBanner, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { AdminTable } from './admin-forms.tsx';

const REFRESH_MS = 5000;
/** A worker with this many routers is drawn full: the bar compares nodes, it is no limit. */
const FULL_LOAD = 20;

export function NodesTab() {
  const { t, dateTime } = useI18n();
  const nodes = useLoad(() => api.nodes(), []);
  const { reload } = nodes;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  return (
    <section data-testid="nodes">
      <ErrorBanner error={nodes.error} />
      <p className="muted small">{t('nodes.hint', { n: nodes.data?.length ?? 0 })}</p>
      <AdminTable
        rows={nodes.data}
        rowKey={(n) => n.id}
        rowClassName={(n) => (n.self ? 'active-row' : undefined)}
        columns={[
          {
            title: 'nodes.node',
            cell: (n) => (
              <>
                <code>{n.id}</code> {n.self && <span className="muted small">{t('nodes.thisNode')}</span>}
                {n.role === 'inference' && <span className="badge">{t('nodes.inferenceRole')}</span>}
                <div className="muted small">{n.url}</div>
              </>
            ),
          },
          { title: 'nodes.workers', cell: (n) => n.workers },
          {
            title: 'nodes.load',
            cell: (n) => (
              <div className="meter" title={t('nodes.loadTitle', { routers: n.routers, load: n.load })}>
                <div className="meter-fill" style={{ width: `${Math.min(100, (n.load / FULL_LOAD) * 100)}%` }} />
              </div>
            ),
          },
          { title: 'nodes.sessions', cell: (n) => n.sessions },
          { title: 'nodes.cameras', cell: (n) => n.cameras },
          { title: 'nodes.state', cell: (n) => (n.draining ? <strong>{t('nodes.draining')}</strong> : t('nodes.running')) },
          { title: 'nodes.started', cell: (n) => <span className="small">{dateTime(n.startedAt)}</span> },
        ]}
      />
    </section>
  );
}
