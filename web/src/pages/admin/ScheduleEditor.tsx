/**
 * A supervised camera's schedule: weekly windows (days, from, to) in its port's time zone. Outside them the
 * camera is not supervised; "always" removes the schedule. The server checks the same contract.
 */
import { useMemo, useState } from 'react';
import { api } from '../../api/client.ts';
import type { Camera, CameraSchedule } from '../../api/types.ts';
import { ActionButton, ErrorBanner, Modal } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

type Window = CameraSchedule['windows'][number];
const DAYS = [1, 2, 3, 4, 5, 6, 7] as const;
const MAX_WINDOWS = 14;
const WORKING_HOURS: Window = { days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' };

/** Short weekday names in the reader's language, Monday first (ISO day numbers 1-7). */
export function useDayNames(): Record<number, string> {
  const { locale } = useI18n();
  return useMemo(() => {
    const format = new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' });
    // 2024-01-01 was a Monday.
    return Object.fromEntries(DAYS.map((d) => [d, format.format(new Date(Date.UTC(2024, 0, d)))]));
  }, [locale]);
}

/** "Mon Tue 08:00–18:00; Sat 09:00–12:00", or null without a schedule. */
export function describeSchedule(schedule: CameraSchedule | null, dayNames: Record<number, string>): string | null {
  if (!schedule) return null;
  return schedule.windows
    .map(
      (w) =>
        `${[...w.days]
          .sort()
          .map((d) => dayNames[d])
          .join(' ')} ${w.from}–${w.to}`,
    )
    .join('; ');
}

export function ScheduleEditor({ camera, timeZone, onClose, onSaved }: { camera: Camera; timeZone: string; onClose: () => void; onSaved: () => void }) {
  const { t } = useI18n();
  const dayNames = useDayNames();
  const [windows, setWindows] = useState<Window[]>(camera.schedule?.windows ?? [WORKING_HOURS]);
  const [error, setError] = useState<unknown>(null);
  const change = (i: number, next: Partial<Window>) => setWindows((all) => all.map((w, j) => (j === i ? { ...w, ...next } : w)));
  const toggleDay = (i: number, day: number) => {
    const days = windows[i]!.days;
    change(i, { days: days.includes(day) ? days.filter((d) => d !== day) : [...days, day].sort() });
  };
  const save = (schedule: CameraSchedule | null) => async () => {
    await api.updateEntity('cameras', camera.id, { schedule });
    onSaved();
    onClose();
  };
  return (
    <Modal title={t('schedule.title', { name: camera.name })} onClose={onClose} wide>
      <ErrorBanner error={error} onClose={() => setError(null)} />
      <p className="muted small">{t('schedule.hint', { zone: timeZone })}</p>
      <div className="schedule-windows" data-testid="schedule-windows">
        {windows.map((w, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: windows have no identity but their place
          <fieldset key={i} className="schedule-window" data-testid="schedule-window">
            <div className="schedule-days">
              {DAYS.map((d) => (
                <label key={d} className="check">
                  <input type="checkbox" checked={w.days.includes(d)} onChange={() => toggleDay(i, d)} data-day={d} /> {dayNames[d]}
                </label>
              ))}
            </div>
            <label>
              {t('schedule.from')}
              <input type="time" value={w.from} required onChange={(e) => change(i, { from: e.target.value })} data-field="from" />
            </label>
            <label>
              {t('schedule.to')}
              <input type="time" value={w.to} required onChange={(e) => change(i, { to: e.target.value })} data-field="to" />
            </label>
            {windows.length > 1 && (
              <button type="button" className="secondary" onClick={() => setWindows((all) => all.filter((_, j) => j !== i))}>
                {t('schedule.removeWindow')}
              </button>
            )}
          </fieldset>
        ))}
      </div>
      <div className="actions">
        {windows.length < MAX_WINDOWS && (
          <button type="button" className="secondary" onClick={() => setWindows((all) => [...all, WORKING_HOURS])} data-testid="schedule-add">
            {t('schedule.addWindow')}
          </button>
        )}
        <ActionButton action={save({ windows })} onError={setError} data-testid="schedule-save">
          {t('schedule.save')}
        </ActionButton>
        <ActionButton className="secondary" action={save(null)} onError={setError} data-testid="schedule-always">
          {t('schedule.always')}
        </ActionButton>
      </div>
    </Modal>
  );
}
