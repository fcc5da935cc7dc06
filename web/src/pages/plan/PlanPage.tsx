/**
 * The port's supervision plan: routine remote supervisions spread over its officers for the next weeks, by
 * the enterprises' risk classes; and, for the administrator, how often each class is supervised and the
 * port's working calendar.
 */
import { useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import type { PlanSettings, SupervisionPlan } from '../../api/types.ts';
import { useAuth } from '../../app/auth.tsx';
import { ActionButton, Empty, ErrorBanner, Loading, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { addDays, localDay } from '../../../../server/contracts/local-time.ts';

const CLASSES = ['A', 'B', 'C', 'D'] as const;
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

export function PlanPage() {
  const { t } = useI18n();
  const { user } = useAuth();
  const ports = useLoad(() => api.ports(), []);
  const [portId, setPortId] = useState(user?.portId ?? '');
  const [days, setDays] = useState(14);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!portId && ports.data?.[0]) setPortId(ports.data[0].id);
  }, [ports.data, portId]);
  const zone = ports.data?.find((p) => p.id === portId)?.timeZone ?? 'Asia/Shanghai';
  const today = localDay(new Date(), zone);
  const plan = useLoad(() => (portId ? api.supervisionPlan(portId, today, addDays(today, days - 1)) : Promise.resolve(null)), [portId, days, today]);
  return (
    <div className="page plan-page">
      <h1>{t('plan.title')}</h1>
      <ErrorBanner error={error ?? plan.error} onClose={() => setError(null)} />
      <div className="inline-form">
        <label>
          {t('notice.port')}
          <select value={portId} onChange={(e) => setPortId(e.target.value)} disabled={user?.role === 'officer'}>
            {ports.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('plan.days')}
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[7, 14, 31].map((n) => (
              <option key={n} value={n}>
                {t('plan.nextDays', { n })}
              </option>
            ))}
          </select>
        </label>
      </div>
      {plan.data ? <PlanTable plan={plan.data} /> : <Loading />}
      {user?.role === 'admin' && plan.data && <SettingsEditor portId={portId} settings={plan.data.settings} onSaved={plan.reload} onError={setError} />}
    </div>
  );
}

function PlanTable({ plan }: { plan: SupervisionPlan }) {
  const { t, locale } = useI18n();
  const time = (iso: string) => new Intl.DateTimeFormat(locale, { timeZone: plan.port.timeZone, hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
  return (
    <>
      <p className="muted">{t('plan.explain', { zone: plan.port.timeZone })}</p>
      {plan.visits.length === 0 ? (
        <Empty>{t('plan.none')}</Empty>
      ) : (
        <table className="table" data-testid="plan-table">
          <thead>
            <tr>
              <th>{t('forms.day')}</th>
              <th>{t('plan.time')}</th>
              <th>{t('booking.enterprise')}</th>
              <th>{t('plan.class')}</th>
              <th>{t('plan.officer')}</th>
              <th>{t('plan.due')}</th>
            </tr>
          </thead>
          <tbody>
            {plan.visits.map((v) => (
              <tr key={`${v.enterpriseId}/${v.dueDay}`} data-testid="plan-visit">
                <td>{v.day}</td>
                <td>
                  {time(v.slotStart)}–{time(v.slotEnd)}
                </td>
                <td>{v.enterpriseName}</td>
                <td>
                  <span className={`badge risk-${v.riskClass}`}>{v.riskClass}</span>
                </td>
                <td>{v.officerName}</td>
                <td className={v.day !== v.dueDay ? 'muted' : ''}>{v.dueDay}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {plan.unplaced.length > 0 && (
        <div className="banner banner-warn" data-testid="plan-unplaced">
          {t('plan.unplaced', { n: plan.unplaced.length })} {plan.unplaced.map((u) => `${u.enterpriseName} (${u.dueDay})`).join(', ')}
        </div>
      )}
    </>
  );
}

function SettingsEditor({ portId, settings, onSaved, onError }: { portId: string; settings: PlanSettings; onSaved: () => void; onError: (e: unknown) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<PlanSettings>(settings);
  const [holidays, setHolidays] = useState(settings.calendar.holidays.join(', '));
  useEffect(() => {
    setDraft(settings);
    setHolidays(settings.calendar.holidays.join(', '));
  }, [settings]);
  const setFrequency = (c: (typeof CLASSES)[number], key: keyof PlanSettings['frequencies']['A'], value: number | boolean) =>
    setDraft({ ...draft, frequencies: { ...draft.frequencies, [c]: { ...draft.frequencies[c], [key]: value } } });
  const calendar = draft.calendar;
  const setCalendar = (next: Partial<PlanSettings['calendar']>) => setDraft({ ...draft, calendar: { ...calendar, ...next } });
  return (
    <details className="plan-settings" data-testid="plan-settings">
      <summary>{t('plan.settings')}</summary>
      <table className="table">
        <thead>
          <tr>
            <th>{t('plan.class')}</th>
            <th>{t('plan.remoteEveryDays')}</th>
            <th>{t('plan.dailyFormReview')}</th>
            <th>{t('plan.onSiteEveryMonths')}</th>
            <th>{t('plan.liveLoadingPercent')}</th>
          </tr>
        </thead>
        <tbody>
          {CLASSES.map((c) => (
            <tr key={c}>
              <td>{c}</td>
              <td>
                <input type="number" min={1} max={365} value={draft.frequencies[c].remoteEveryDays} onChange={(e) => setFrequency(c, 'remoteEveryDays', Number(e.target.value))} />
              </td>
              <td>
                <input type="checkbox" checked={draft.frequencies[c].dailyFormReview} onChange={(e) => setFrequency(c, 'dailyFormReview', e.target.checked)} />
              </td>
              <td>
                <input type="number" min={1} max={60} value={draft.frequencies[c].onSiteEveryMonths} onChange={(e) => setFrequency(c, 'onSiteEveryMonths', Number(e.target.value))} />
              </td>
              <td>
                <input type="number" min={0} max={100} value={draft.frequencies[c].liveLoadingPercent} onChange={(e) => setFrequency(c, 'liveLoadingPercent', Number(e.target.value))} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="inline-form">
        <fieldset>
          <legend>{t('plan.workingDays')}</legend>
          {WEEKDAYS.map((d) => (
            <label key={d} className="check">
              <input
                type="checkbox"
                checked={calendar.workingDays.includes(d)}
                onChange={(e) => setCalendar({ workingDays: e.target.checked ? [...calendar.workingDays, d] : calendar.workingDays.filter((x) => x !== d) })}
              />{' '}
              {t(`weekday.${d}` as 'weekday.1')}
            </label>
          ))}
        </fieldset>
        <label>
          {t('plan.dayStart')}
          <input type="time" value={calendar.dayStart} onChange={(e) => setCalendar({ dayStart: e.target.value })} />
        </label>
        <label>
          {t('plan.dayEnd')}
          <input type="time" value={calendar.dayEnd} onChange={(e) => setCalendar({ dayEnd: e.target.value })} />
        </label>
        <label>
          {t('plan.slotMinutes')}
          <input type="number" min={15} max={480} value={calendar.slotMinutes} onChange={(e) => setCalendar({ slotMinutes: Number(e.target.value) })} />
        </label>
        <label>
          {t('plan.perOfficerDay')}
          <input type="number" min={1} max={20} value={calendar.perOfficerDay} onChange={(e) => setCalendar({ perOfficerDay: Number(e.target.value) })} />
        </label>
      </div>
      <label>
        {t('plan.holidays')}
        <input value={holidays} onChange={(e) => setHolidays(e.target.value)} placeholder="2027-01-01, 2027-02-17" />
      </label>
      <ActionButton
        action={async () => {
          await api.savePlanSettings(portId, { ...draft, calendar: { ...calendar, holidays: holidays.split(/[,\s]+/).filter(Boolean) } });
          onSaved();
        }}
        onError={onError}
      >
        {t('plan.save')}
      </ActionButton>
    </details>
  );
}
