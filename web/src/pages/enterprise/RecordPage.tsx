/**
 * The enterprise's own record with customs: registration and risk class (with its history), sites and
 * cameras, declarations, inspections with their outcomes, the rectifications still open (reported done
 * from here) and the annual report (filed from here).
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/client.ts';
import type { AnnualReportContents, EnterpriseRecord } from '../../api/types.ts';
import { useAuth } from '../../app/auth.tsx';
import { Link } from '../../app/router.tsx';
import { Empty, ErrorBanner, Loading, RectificationBadge, StatusBadge, useLoad, VerdictBadge } from '../../components/common.tsx';
import { EnterpriseChooser } from '../../components/EnterpriseChooser.tsx';
import { useI18n } from '../../i18n/index.tsx';

export function RecordPage() {
  const { t, tMaybe, dateTime } = useI18n();
  const { user } = useAuth();
  // A broker acts for several enterprises: one record at a time, chosen here.
  const [chosen, setChosen] = useState('');
  const mine = user?.enterpriseIds ?? [];
  const enterpriseId = mine.includes(chosen) ? chosen : mine[0];
  const record = useLoad(() => (enterpriseId ? api.enterpriseRecord(enterpriseId) : Promise.resolve(null)), [enterpriseId]);
  if (record.error) return <ErrorBanner error={record.error} />;
  if (record.loading && !record.data) return <Loading />;
  const r = record.data;
  if (!r) return <Empty>{t('record.none')}</Empty>;
  return (
    <div className="page record-page" data-testid="record">
      {mine.length > 1 && (
        <div className="inline-form">
          <EnterpriseChooser value={enterpriseId ?? ''} onChange={setChosen} testId="record-enterprise" />
        </div>
      )}
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
            <OpenRectification key={o.id} item={o} onChanged={record.reload} />
          ))}
        </ul>
      )}

      <AnnualReport key={r.enterprise.id} enterpriseId={r.enterprise.id} />

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

/** A rectification still to do or waiting for customs: what to put right, by when, its steps, and the report. */
function OpenRectification({ item, onChanged }: { item: EnterpriseRecord['openRectifications'][number]; onChanged: () => void }) {
  const { t, dateOnly, dateTime } = useI18n();
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const detail = useLoad(() => api.rectification(item.id), [item.id, item.status]);
  const returned = detail.data?.steps.filter((s) => s.kind === 'returned').at(-1);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api.reportRectification(item.id, text);
      setText('');
      onChanged();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <li className="card" data-testid="open-rectification">
      <strong>{item.declarationNumber}</strong> <RectificationBadge status={item.status} overdue={item.overdue} />
      <p>{item.required}</p>
      <p className="muted small">{t('rectification.dueOn', { day: dateOnly(`${item.dueOn}T00:00`) })}</p>
      {returned && item.status === 'open' && <p className="small">{t('rectification.returnedNote', { note: returned.text, at: dateTime(returned.at) })}</p>}
      <ErrorBanner error={error} onClose={() => setError(null)} />
      {item.status === 'open' ? (
        <form onSubmit={submit}>
          <label>
            {t('rectification.whatWasDone')}
            <textarea name="report" value={text} onChange={(e) => setText(e.target.value)} maxLength={5000} required />
          </label>
          <button type="submit">{t('rectification.report')}</button>
        </form>
      ) : (
        <p className="muted small">{t('rectification.waitingForCustoms')}</p>
      )}
    </li>
  );
}

const EMPTY_REPORT: AnnualReportContents = { contactName: '', contactPhone: '', address: '', employees: 0, exportValue: 0, importValue: 0, changes: '' };

/** The annual report for last year: due by a day of this year; filed (and corrected until then) here. */
function AnnualReport({ enterpriseId }: { enterpriseId: string }) {
  const { t, dateOnly, dateTime } = useI18n();
  const status = useLoad(() => api.annualReport(enterpriseId), [enterpriseId]);
  const [draft, setDraft] = useState<AnnualReportContents | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!status.data) return status.error ? <ErrorBanner error={status.error} /> : null;
  const s = status.data;
  const filed = s.submitted;
  const editing = draft ?? filed?.contents ?? { ...EMPTY_REPORT, ...s.past[0]?.contents, changes: '' };
  const set = (key: keyof AnnualReportContents, value: string | number) => setDraft({ ...editing, [key]: value });
  const text = (key: 'contactName' | 'contactPhone' | 'address', max: number) => (
    <label>
      {t(`annualReport.${key}`)}
      <input name={key} value={editing[key]} onChange={(e) => set(key, e.target.value)} maxLength={max} required />
    </label>
  );
  const number = (key: 'employees' | 'exportValue' | 'importValue', step: string) => (
    <label>
      {t(`annualReport.${key}`)}
      <input name={key} type="number" min={0} step={step} value={editing[key]} onChange={(e) => set(key, Number(e.target.value))} required />
    </label>
  );
  return (
    <section data-testid="annual-report">
      <h2>
        {t('annualReport.title', { year: s.year })}{' '}
        <span className={`badge ${filed ? 'annual-filed' : s.overdue ? 'rectification-overdue' : 'annual-due'}`}>
          {filed ? t('annualReport.filed', { at: dateTime(filed.submittedAt) }) : s.overdue ? t('annualReport.overdue') : t('annualReport.dueOn', { day: dateOnly(`${s.dueOn}T00:00`) })}
        </span>
      </h2>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <form
        className="form-grid"
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            await api.fileAnnualReport(enterpriseId, s.year, editing);
            setDraft(null);
            status.reload();
          } catch (err) {
            setError(err);
          }
        }}
      >
        {text('contactName', 100)}
        {text('contactPhone', 30)}
        {text('address', 300)}
        {number('employees', '1')}
        {number('exportValue', '0.01')}
        {number('importValue', '0.01')}
        <label>
          {t('annualReport.changes')}
          <textarea name="changes" value={editing.changes ?? ''} onChange={(e) => set('changes', e.target.value)} maxLength={2000} />
        </label>
        <button type="submit">{filed ? t('annualReport.correct') : t('annualReport.file')}</button>
      </form>
      {s.past.length > 0 && (
        <p className="muted small">
          {t('annualReport.past')}: {s.past.map((p) => `${p.year}${p.late ? ` (${t('annualReport.late')})` : ''}`).join(', ')}
        </p>
      )}
    </section>
  );
}
