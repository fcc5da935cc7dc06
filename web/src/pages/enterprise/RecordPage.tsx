/**
 * The enterprise's own record with customs: registration and risk class (with its history), sites and
 * cameras, declarations, inspections with their outcomes, and the rectifications still open.
 */
import { api } from '../../api/client.ts';
import { useAuth } from '../../app/auth.tsx';
import { Link } from '../../app/router.tsx';
import { Empty, ErrorBanner, Loading, StatusBadge, useLoad, VerdictBadge } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

export function RecordPage() {
  const { t, tMaybe, dateTime } = useI18n();
  const { user } = useAuth();
  const enterpriseId = user?.enterpriseIds[0];
  const record = useLoad(() => (enterpriseId ? api.enterpriseRecord(enterpriseId) : Promise.resolve(null)), [enterpriseId]);
  if (record.error) return <ErrorBanner error={record.error} />;
  if (record.loading && !record.data) return <Loading />;
  const r = record.data;
  if (!r) return <Empty>{t('record.none')}</Empty>;
  return (
    <div className="page record-page" data-testid="record">
      <h1>{r.enterprise.name}</h1>
      <p className="form-meta">
        <span>{t('record.customsCode', { code: r.enterprise.customsCode })}</span> ·{' '}
        <span className={`badge risk-${r.enterprise.riskClass}`}>{t('record.riskClass', { riskClass: r.enterprise.riskClass })}</span> ·{' '}
        <span className="muted">{t('record.registered', { at: dateTime(r.enterprise.registeredAt) })}</span>
      </p>
      {r.riskHistory.length > 0 && (
        <p className="muted small">
          {t('record.riskHistory')}: {r.riskHistory.map((h) => `${h.riskClass} (${dateTime(h.at)})`).join(' ← ')}
        </p>
      )}

      <h2>{t('record.openRectifications')}</h2>
      {r.openRectifications.length === 0 ? (
        <Empty>{t('record.noRectifications')}</Empty>
      ) : (
        <ul className="cards">
          {r.openRectifications.map((o) => (
            <li key={o.bookingId} className="card" data-testid="open-rectification">
              <strong>{o.declarationNumber}</strong> <span className="muted small">{dateTime(o.decidedAt)}</span>
              <p>{o.findings}</p>
              {o.followUp && <p className="muted">{t('record.followUp', { text: o.followUp })}</p>}
            </li>
          ))}
        </ul>
      )}

      <h2>{t('record.inspections')}</h2>
      {r.inspections.length === 0 ? (
        <Empty>{t('record.noInspections')}</Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('booking.slot')}</th>
              <th>{t('booking.declaration')}</th>
              <th>{t('booking.type')}</th>
              <th>{t('booking.status')}</th>
              <th>{t('record.outcome')}</th>
            </tr>
          </thead>
          <tbody>
            {r.inspections.map((i) => (
              <tr key={i.bookingId}>
                <td>{dateTime(i.slotStart)}</td>
                <td>{i.sessionId ? <Link to={`/archive/session/${i.sessionId}`}>{i.declarationNumber}</Link> : i.declarationNumber}</td>
                <td>{tMaybe(`type.${i.type}`) ?? i.type}</td>
                <td>
                  <StatusBadge status={i.status} />
                </td>
                <td>
                  <VerdictBadge outcome={i.outcome} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>{t('record.sites')}</h2>
      {r.sites.length === 0 ? (
        <Empty>{t('record.noSites')}</Empty>
      ) : (
        <table className="table">
          <tbody>
            {r.sites.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{tMaybe(`siteKind.${s.kind}`) ?? s.kind}</td>
                <td>{s.portName ?? '—'}</td>
                <td>{t('record.cameras', { n: s.cameras })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>{t('record.declarations', { n: r.declarations.total })}</h2>
      <table className="table">
        <tbody>
          {r.declarations.latest.map((d) => (
            <tr key={d.id}>
              <td>{d.number}</td>
              <td>{d.goods}</td>
              <td>{d.portName}</td>
              <td>{dateTime(d.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
