/**
 * Loading records (全链条监管): officers open one for a declaration loaded at its farm, and everyone who may
 * read them finds them here by declaration number, plate or farm, state and day (the archive of loadings).
 */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { LOADING_RECORD_STATUSES, type LoadingRecord } from '../../api/types.ts';
import { useAuth } from '../../app/auth.tsx';
import { useLiveEvent } from '../../app/live-events.ts';
import { Link, useRouter } from '../../app/router.tsx';
import { ActionButton, Empty, ErrorBanner, Loading, LocalDateInput, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

const PAGE = 30;

export function LoadingRecordsPage() {
  const { t, dateTime } = useI18n();
  const { user: principal } = useAuth();
  const { search, navigate, path } = useRouter();
  const filter = { q: search.get('q') ?? '', status: search.get('status') ?? '', day: search.get('day') ?? '' };
  const offset = Number(search.get('offset') ?? 0) || 0;
  const dayStart = filter.day ? new Date(`${filter.day}T00:00`) : null;
  const records = useLoad(
    () =>
      api.loadingRecords({
        q: filter.q || undefined,
        status: filter.status || undefined,
        from: dayStart?.toISOString(),
        to: dayStart ? new Date(dayStart.getTime() + 86_400_000 - 1).toISOString() : undefined,
        limit: PAGE,
        offset,
      }),
    [JSON.stringify([filter, offset])],
  );
  useLiveEvent('loading:event', () => records.reload());
  const [q, setQ] = useState(filter.q);
  const set = (next: Partial<typeof filter> & { offset?: number }) => {
    const merged = { ...filter, ...next };
    const qs = new URLSearchParams(Object.entries(merged).filter(([, v]) => v !== '' && v !== undefined && v !== 0) as Array<[string, string]>);
    navigate(`${path}?${qs}`);
  };
  const total = records.data?.total ?? 0;

  return (
    <div className="page">
      <h1>{t('loading.title')}</h1>
      {principal?.role === 'officer' && <OpenRecord onOpened={(r) => navigate(`/loading/${r.id}`)} />}
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          set({ q, offset: 0 });
        }}
      >
        <label>
          {t('loading.search')}
          <input name="q" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <label>
          {t('loading.state')}
          <select name="status" value={filter.status} onChange={(e) => set({ status: e.target.value, offset: 0 })}>
            <option value="">{t('common.any')}</option>
            {LOADING_RECORD_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`loading.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('loading.day')}
          <LocalDateInput type="date" name="day" value={filter.day} onChange={(day) => set({ day, offset: 0 })} />
        </label>
        <button type="submit">{t('loading.find')}</button>
      </form>
      <ErrorBanner error={records.error} />
      {records.loading && !records.data ? <Loading /> : total === 0 ? <Empty>{t('loading.none')}</Empty> : null}
      {total > 0 && (
        <table className="table" data-testid="loading-records">
          <thead>
            <tr>
              <th>{t('loading.openedAt')}</th>
              <th>{t('loading.declaration')}</th>
              <th>{t('loading.farm')}</th>
              <th>{t('loading.vehicle')}</th>
              <th>{t('loading.counted')}</th>
              <th>{t('loading.state')}</th>
            </tr>
          </thead>
          <tbody>
            {records.data!.items.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/loading/${r.id}`}>{dateTime(r.openedAt)}</Link>
                </td>
                <td>{r.declarationNumber}</td>
                <td>
                  {r.siteName} <span className="muted small">{r.enterpriseName}</span>
                </td>
                <td>{r.matchedPlate ?? r.expectedPlate ?? '—'}</td>
                <td>
                  {r.counted} / {r.declaredQuantity}
                </td>
                <td>
                  <span className={`status status-${r.status}`}>{t(`loading.status.${r.status}`)}</span> {r.sealed && <span className="muted small">{t('loading.sealed')}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {total > PAGE && (
        <div className="pager">
          <button type="button" className="secondary" disabled={offset === 0} onClick={() => set({ offset: Math.max(0, offset - PAGE) })}>
            {t('common.previous')}
          </button>
          <button type="button" className="secondary" disabled={offset + PAGE >= total} onClick={() => set({ offset: offset + PAGE })}>
            {t('common.next')}
          </button>
        </div>
      )}
    </div>
  );
}

/** An officer opens a record for a declaration of the port that names its farm. */
function OpenRecord({ onOpened }: { onOpened: (record: LoadingRecord) => void }) {
  const { t } = useI18n();
  const declarations = useLoad(() => api.declarations({ limit: 100 }), []);
  const [declarationId, setDeclarationId] = useState('');
  const [plate, setPlate] = useState('');
  const [error, setError] = useState<unknown>(null);
  const loadable = (declarations.data?.items ?? []).filter((d) => d.siteId);
  return (
    <section className="card">
      <h2>{t('loading.open')}</h2>
      <ErrorBanner error={error ?? declarations.error} onClose={() => setError(null)} />
      <div className="form-row">
        <label>
          {t('loading.declaration')}
          <select name="declarationId" value={declarationId} onChange={(e) => setDeclarationId(e.target.value)}>
            <option value="">—</option>
            {loadable.map((d) => (
              <option key={d.id} value={d.id}>
                {d.number} · {d.goodsDescription}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('loading.expectedPlate')}
          <input name="vehiclePlate" value={plate} onChange={(e) => setPlate(e.target.value)} placeholder={t('loading.expectedPlateHint')} />
        </label>
        <ActionButton disabled={!declarationId} onError={setError} action={async () => onOpened(await api.openLoadingRecord({ declarationId, vehiclePlate: plate.trim() || undefined }))}>
          {t('loading.openButton')}
        </ActionButton>
      </div>
    </section>
  );
}
