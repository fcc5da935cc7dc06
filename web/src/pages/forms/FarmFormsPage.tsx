/**
 * A farm's supervision records: the forms of a day (daily ones first) with what each is in, and the week at a
 * glance. The farm fills them in from here (on a phone too); officers of the port see what is missing or
 * overdue and open any form.
 */
import { api } from '../../api/client.ts';
import type { FormOverview } from '../../api/types.ts';
import { Link, useRouter } from '../../app/router.tsx';
import { Empty, ErrorBanner, Loading, useLoad } from '../../components/common.tsx';
import { useLocalised } from '../../components/FormFields.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useAuth } from '../../app/auth.tsx';
import { ImportPanel } from './ImportPanel.tsx';
import { addDays, localDay } from '../../../../server/contracts/local-time.ts';

const WEEK = 7;

export function FormStateBadge({ state }: { state: string }) {
  const { t, tMaybe } = useI18n();
  return <span className={`badge form-state-${state}`}>{tMaybe(`forms.state.${state}`) ?? t('forms.state.missing')}</span>;
}

export function FarmFormsPage() {
  const { t, locale } = useI18n();
  const say = useLocalised();
  const { user } = useAuth();
  const { search, navigate } = useRouter();
  const farms = useLoad(async () => (await api.visibleSites()).filter((s) => s.kind === 'farm'), []);
  const siteId = search.get('farm') ?? farms.data?.[0]?.id ?? null;
  // The farm's own "today" comes from the server (its port's zone); ask for a day past the browser's to be sure.
  const end = search.get('end') ?? addDays(localDay(new Date(), Intl.DateTimeFormat().resolvedOptions().timeZone), 1);
  const overview = useLoad(() => (siteId ? api.formOverview(siteId, addDays(end, -WEEK), end) : Promise.resolve(null)), [siteId, end]);
  const data = overview.data;
  const day = search.get('day') ?? data?.today ?? null;
  const go = (next: { farm?: string; day?: string; end?: string }) => {
    const qs = new URLSearchParams({ ...(siteId ? { farm: siteId } : {}), ...(day ? { day } : {}), ...(search.get('end') ? { end } : {}), ...next });
    navigate(`/forms?${qs}`, { replace: true });
  };

  if (farms.error) return <ErrorBanner error={farms.error} />;
  if (!farms.data) return <Loading />;
  if (farms.data.length === 0)
    return (
      <div className="page">
        <h1>{t('forms.title')}</h1>
        <Empty>{t('forms.noFarms')}</Empty>
      </div>
    );
  const dayRow = data?.days.find((d) => d.day === day);
  const ordered = data ? [...data.forms].sort((a, b) => Number(b.cadence === 'daily') - Number(a.cadence === 'daily')) : [];

  return (
    <div className="page forms-page">
      <h1>{t('forms.title')}</h1>
      <ErrorBanner error={overview.error} />
      {farms.data.length > 1 && (
        <label className="inline">
          {t('forms.farm')}
          <select value={siteId ?? ''} onChange={(e) => go({ farm: e.target.value })} data-testid="forms-farm">
            {farms.data.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {!data ? (
        <Loading />
      ) : (
        <>
          <div className="day-picker">
            <button type="button" className="secondary" onClick={() => day && go({ day: addDays(day, -1), end: daysAfter(addDays(day, -1), data) })} aria-label={t('forms.previousDay')}>
              ‹
            </button>
            <input type="date" value={day ?? ''} max={data.today} onChange={(e) => e.target.value && go({ day: e.target.value, end: daysAfter(e.target.value, data) })} aria-label={t('forms.day')} />
            <button
              type="button"
              className="secondary"
              disabled={!day || day >= data.today}
              onClick={() => day && go({ day: addDays(day, 1), end: daysAfter(addDays(day, 1), data) })}
              aria-label={t('forms.nextDay')}
            >
              ›
            </button>
            {day !== data.today && (
              <button type="button" className="secondary" onClick={() => navigate(`/forms?farm=${siteId}`, { replace: true })}>
                {t('forms.today')}
              </button>
            )}
          </div>
          {dayRow && (
            <p className="muted">
              {t('forms.dueBy', { time: farmTime(dayRow.dueAt, data.site.timeZone, locale) })} · {data.site.name} · {data.site.enterpriseName}
            </p>
          )}
          <ul className="form-list" data-testid="form-list">
            {ordered.map((form) => {
              const state = dayRow?.forms.find((f) => f.key === form.key)?.state ?? 'missing';
              return (
                <li key={form.key} className={`form-list-item form-state-${state}`}>
                  <Link to={`/forms/${siteId}/${form.key}/${day}`} data-testid={`form-${form.key}`}>
                    <span className="form-title">{say(form.title)}</span>
                    <span className="muted small">{t(form.cadence === 'daily' ? 'forms.daily' : 'forms.asNeeded')}</span>
                    <FormStateBadge state={state} />
                  </Link>
                </li>
              );
            })}
          </ul>
          <WeekGrid data={data} siteId={siteId!} ordered={ordered} />
          {(user?.role === 'enterprise_user' || user?.role === 'broker') && <ImportPanel siteId={siteId!} forms={ordered} onImported={overview.reload} />}
        </>
      )}
    </div>
  );
}

/** An instant on the farm's clock (its port's zone, named when it is not the reader's). */
export function farmTime(iso: string, timeZone: string, locale: string): string {
  const text = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
  return timeZone === Intl.DateTimeFormat().resolvedOptions().timeZone ? text : `${text} (${timeZone})`;
}

/** The range's end that keeps `day` in view. */
function daysAfter(day: string, data: FormOverview): string {
  const last = addDays(day, WEEK - 1);
  return last > data.today ? addDays(data.today, 1) : last;
}

function WeekGrid({ data, siteId, ordered }: { data: FormOverview; siteId: string; ordered: FormOverview['forms'] }) {
  const { t, tMaybe } = useI18n();
  const say = useLocalised();
  return (
    <>
      <h2>{t('forms.week')}</h2>
      <div className="table-scroll">
        <table className="form-grid" data-testid="form-grid">
          <thead>
            <tr>
              <th>{t('forms.form')}</th>
              {data.days.map((d) => (
                <th key={d.day}>{d.day.slice(5)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {ordered.map((form) => (
              <tr key={form.key}>
                <th>{say(form.title)}</th>
                {data.days.map((d) => {
                  const state = d.forms.find((f) => f.key === form.key)?.state ?? 'missing';
                  return (
                    <td key={d.day} className={`form-state-${state}`} title={tMaybe(`forms.state.${state}`) ?? state}>
                      <Link to={`/forms/${siteId}/${form.key}/${d.day}`} aria-label={`${say(form.title)} ${d.day}`}>
                        {STATE_MARK[state] ?? ''}
                      </Link>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

const STATE_MARK: Record<string, string> = { submitted: '✓', draft: '…', returned: '↩', overdue: '!', missing: '·' };
