/** The archive (supervisors all of it, officers their port's): search sessions by what they are known by, page through, export. */
import { useState } from 'react';
import { api, mediaUrl } from '../../api/client.ts';
import { INSPECTION_TYPES, VERDICT_OUTCOMES } from '../../api/types.ts';
import { Link, useRouter } from '../../app/router.tsx';
import { Empty, ErrorBanner, Loading, LocalDateInput, Options, useLoad, VerdictBadge } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

const PAGE = 20;
const FILTERS = ['text', 'declarationNumber', 'enterpriseId', 'siteId', 'officerId', 'from', 'to', 'type', 'verdict', 'hasAlarms'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

export function ArchivePage() {
  const { t, dateTime } = useI18n();
  const { path, search, navigate } = useRouter();
  // The search lives in the URL: a result list can be bookmarked and the back button returns to it.
  const applied: Filters = Object.fromEntries(FILTERS.map((f) => [f, search.get(f) ?? '']).filter(([, v]) => v));
  const offset = Number(search.get('offset') ?? 0) || 0;
  const [form, setForm] = useState<Filters>(applied);
  const enterprises = useLoad(() => api.enterprises(), []);
  const officers = useLoad(() => api.officers(), []);
  const sites = useLoad(() => api.visibleSites(), []);
  const key = JSON.stringify([applied, offset]);
  // The dates of the form are days in the user's time zone; the API takes instants.
  const query = {
    ...applied,
    from: applied.from ? new Date(applied.from).toISOString() : undefined,
    to: applied.to ? new Date(`${applied.to}T23:59:59`).toISOString() : undefined,
  };
  const results = useLoad(() => api.archive({ ...query, limit: PAGE, offset }), [key]);
  const go = (filters: Filters, nextOffset = 0) => {
    const qs = new URLSearchParams(Object.entries({ ...filters, offset: nextOffset ? String(nextOffset) : '' }).filter(([, v]) => v) as Array<[string, string]>);
    navigate(`${path}${qs.size ? `?${qs}` : ''}`);
  };
  const set = (f: keyof Filters) => (e: { target: { value: string } }) => setValue(f, e.target.value);
  const setValue = (f: keyof Filters, value: string) => setForm((s) => ({ ...s, [f]: value }));
  const total = results.data?.total ?? 0;

  return (
    <div className="page">
      <h1>{t('archive.title')}</h1>
      <form
        className="filters card"
        data-testid="archive-search"
        onSubmit={(e) => {
          e.preventDefault();
          go(form);
        }}
      >
        <label>
          {t('archive.text')}
          <input name="text" value={form.text ?? ''} onChange={set('text')} maxLength={100} />
        </label>
        <label>
          {t('archive.declarationNumber')}
          <input name="declarationNumber" value={form.declarationNumber ?? ''} onChange={set('declarationNumber')} maxLength={40} />
        </label>
        <label>
          {t('booking.enterprise')}
          <select name="enterpriseId" value={form.enterpriseId ?? ''} onChange={set('enterpriseId')}>
            <option value="">{t('common.any')}</option>
            <Options items={enterprises.data} label={(e) => e.name} value={(e) => e.id} />
          </select>
        </label>
        <label>
          {t('archive.site')}
          <select name="siteId" value={form.siteId ?? ''} onChange={set('siteId')}>
            <option value="">{t('common.any')}</option>
            <Options items={sites.data} label={(s) => s.name} value={(s) => s.id} />
          </select>
        </label>
        <label>
          {t('archive.officer')}
          <select name="officerId" value={form.officerId ?? ''} onChange={set('officerId')}>
            <option value="">{t('common.any')}</option>
            <Options items={officers.data} label={(o) => o.displayName} value={(o) => o.id} />
          </select>
        </label>
        <label>
          {t('archive.from')}
          <LocalDateInput type="date" name="from" value={form.from ?? ''} onChange={(v) => setValue('from', v)} />
        </label>
        <label>
          {t('archive.to')}
          <LocalDateInput type="date" name="to" value={form.to ?? ''} onChange={(v) => setValue('to', v)} />
        </label>
        <label>
          {t('booking.type')}
          <select name="type" value={form.type ?? ''} onChange={set('type')}>
            <option value="">{t('common.any')}</option>
            <Options items={INSPECTION_TYPES} label={(ty) => t(`type.${ty}`)} />
          </select>
        </label>
        <label>
          {t('archive.verdict')}
          <select name="verdict" value={form.verdict ?? ''} onChange={set('verdict')}>
            <option value="">{t('common.any')}</option>
            <Options items={VERDICT_OUTCOMES} label={(o) => t(`verdict.${o}`)} />
          </select>
        </label>
        <label>
          {t('archive.alarms')}
          <select name="hasAlarms" value={form.hasAlarms ?? ''} onChange={set('hasAlarms')}>
            <option value="">{t('common.any')}</option>
            <option value="true">{t('archive.withAlarms')}</option>
            <option value="false">{t('archive.withoutAlarms')}</option>
          </select>
        </label>
        <div className="actions">
          <button type="submit">{t('archive.search')}</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setForm({});
              go({});
            }}
          >
            {t('archive.clear')}
          </button>
        </div>
      </form>
      <ErrorBanner error={results.error ?? enterprises.error ?? officers.error ?? sites.error} />
      {results.loading && !results.data ? (
        <Loading />
      ) : total === 0 ? (
        <Empty>{Object.keys(applied).length === 0 ? t('archive.nothingYet') : t('archive.noResults')}</Empty>
      ) : (
        <>
          <p className="muted">
            {t('archive.resultCount', { from: offset + 1, to: Math.min(offset + PAGE, total), total })}{' '}
            <a href={mediaUrl.archiveCsv(query)} download data-testid="archive-csv">
              {t('archive.exportCsv')}
            </a>{' '}
            <a href={mediaUrl.archiveXlsx(query)} download data-testid="archive-xlsx">
              {t('archive.exportXlsx')}
            </a>
          </p>
          <table className="table" data-testid="archive-results">
            <thead>
              <tr>
                <th>{t('archive.started')}</th>
                <th>{t('booking.declaration')}</th>
                <th>{t('booking.enterprise')}</th>
                <th>{t('archive.site')}</th>
                <th>{t('archive.officer')}</th>
                <th>{t('booking.type')}</th>
                <th>{t('archive.verdict')}</th>
                <th>{t('archive.alarms')}</th>
                <th>{t('archive.sealed')}</th>
              </tr>
            </thead>
            <tbody>
              {results.data?.items.map((s) => (
                <tr key={s.sessionId} data-testid="archive-row">
                  <td>
                    <Link to={`/archive/session/${s.sessionId}`}>{dateTime(s.startedAt)}</Link>
                    {!s.endedAt && (
                      <>
                        {' '}
                        <Link to={`/officer/session/${s.sessionId}`} className="badge badge-in_progress">
                          {t('archive.watchLive')}
                        </Link>
                      </>
                    )}
                  </td>
                  <td>{s.declarationNumber}</td>
                  <td>{s.enterpriseName}</td>
                  <td>{s.siteName ?? '—'}</td>
                  <td>{s.officerName ?? '—'}</td>
                  <td>{t(`type.${s.type}`)}</td>
                  <td>
                    <VerdictBadge outcome={s.verdict} />
                  </td>
                  <td>{s.alarms > 0 ? <span className="alarm-badge">{s.alarms}</span> : '0'}</td>
                  <td>{s.sealed ? '✔' : '…'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            <button className="secondary" disabled={offset === 0} onClick={() => go(applied, Math.max(0, offset - PAGE))}>
              {t('common.previous')}
            </button>
            <button className="secondary" disabled={offset + PAGE >= total} onClick={() => go(applied, offset + PAGE)}>
              {t('common.next')}
            </button>
          </div>
        </>
      )}
    </div>
  );
}
