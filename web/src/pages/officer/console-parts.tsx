/** The officer console's panels: the command bar, the alarms, a camera's loading batch and the verdict form. */
import { useState } from 'react';
import { api, mediaUrl } from '../../api/client.ts';
import { VERDICT_OUTCOMES, type Alarm, type LoadingBatch } from '../../api/types.ts';
import { ActionButton, LocalDateInput } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import type { ProducerInfo } from '../../media/inspection-client.ts';
import { cameraIdOf, type CountingLines, type LiveAlarm } from './console-state.ts';

export function CommandBar({
  presets,
  send,
  onError,
  pending,
}: {
  presets: string[];
  send: (preset?: string, params?: Record<string, string | number>, text?: string) => Promise<unknown>;
  onError: (e: unknown) => void;
  pending: number;
}) {
  const { t, tMaybe } = useI18n();
  const [carton, setCarton] = useState(1);
  const [text, setText] = useState('');
  return (
    <section className="panel command-bar" data-testid="command-bar">
      <h2>
        {t('console.commands')} {pending > 0 && <span className="muted">{t('console.awaitingAck', { n: pending })}</span>}
      </h2>
      <div className="command-buttons">
        {presets.map((preset) =>
          preset === 'open_carton' ? (
            <span key={preset} className="inline">
              <ActionButton action={() => send(preset, { n: carton })} onError={onError} data-preset={preset}>
                {tMaybe(`command.${preset}`, { n: carton }) ?? preset}
              </ActionButton>
              <input type="number" min={1} max={9999} value={carton} onChange={(e) => setCarton(Math.max(1, Number(e.target.value)))} aria-label={t('console.cartonNumber')} />
            </span>
          ) : (
            <ActionButton key={preset} action={() => send(preset)} onError={onError} data-preset={preset}>
              {tMaybe(`command.${preset}`) ?? preset}
            </ActionButton>
          ),
        )}
      </div>
      <form
        className="inline"
        onSubmit={async (e) => {
          e.preventDefault();
          if (!text.trim()) return;
          try {
            await send(undefined, undefined, text.trim());
            setText('');
          } catch (err) {
            onError(err);
          }
        }}
      >
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder={t('console.freeCommand')} maxLength={500} />
        <button type="submit">{t('console.send')}</button>
      </form>
    </section>
  );
}

export function AlarmPanel({
  sessionId,
  alarms,
  canAcknowledge,
  onError,
  onChanged,
}: {
  sessionId: string;
  alarms: LiveAlarm[];
  canAcknowledge: boolean;
  onError: (e: unknown) => void;
  onChanged: (alarm: LiveAlarm) => void;
}) {
  const { t, tMaybe, time } = useI18n();
  // Mutes set from this console: camera and rule -> until.
  const [muted, setMuted] = useState<Record<string, string>>({});
  const openIds = alarms.filter((a) => a.status === 'open').map((a) => a.id);
  return (
    <section className={`panel alarm-panel${openIds.length ? ' has-open' : ''}`} data-testid="alarms">
      <h2>
        {t('console.alarms')} <span className="count">{openIds.length}</span>
        {canAcknowledge && openIds.length > 1 && (
          <ActionButton className="small" action={() => api.acknowledgeAlarms(openIds)} onError={onError} data-testid="acknowledge-all">
            {t('console.acknowledgeAll', { n: openIds.length })}
          </ActionButton>
        )}
      </h2>
      {alarms.length === 0 && <p className="muted">{t('console.noAlarms')}</p>}
      <ul>
        {alarms.slice(0, 50).map((a) => {
          const muteKey = `${a.cameraId}|${a.rule}`;
          return (
            <li key={a.id} className={`alarm alarm-${a.status}`} data-alarm-status={a.status} data-occurrences={a.occurrences}>
              {a.hasEvidence && <img className="thumb" src={mediaUrl.alarmEvidence(a.id)} alt="" loading="lazy" />}
              <div>
                <strong>{tMaybe(`rule.${a.rule}`) ?? a.rule}</strong> <time>{time(a.frameAt)}</time>
                <p className="small">{alarmDetails(a, t)}</p>
                {a.occurrences > 1 && <p className="small occurrences">{t('console.occurrences', { n: a.occurrences, time: time(a.lastSeenAt) })}</p>}
                {a.status === 'open' && canAcknowledge ? (
                  <span className="alarm-actions">
                    <ActionButton className="small" action={async () => onChanged(await api.acknowledgeAlarm(a.id))} onError={onError}>
                      {t('console.acknowledge')}
                    </ActionButton>
                    {a.cameraId &&
                      (muted[muteKey] ? (
                        <span className="badge">{t('console.mutedUntil', { time: time(muted[muteKey]) })}</span>
                      ) : (
                        <ActionButton
                          className="small secondary"
                          action={async () => {
                            const mute = await api.muteAlarms(sessionId, { cameraId: a.cameraId!, rule: a.rule, minutes: 60, reason: t('console.muteReason') });
                            setMuted((m) => ({ ...m, [muteKey]: mute.until }));
                          }}
                          onError={onError}
                        >
                          {t('console.muteAlarm')}
                        </ActionButton>
                      ))}
                  </span>
                ) : a.status === 'acknowledged' ? (
                  <span className="badge">{t('console.acknowledged')}</span>
                ) : (
                  a.status === 'cleared' && <span className="badge">{t('console.cleared')}</span>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Over a camera's tile: offline or frozen since when (its open incidents say so), and how many alarms are open. */
export function CameraState({ alarms }: { alarms: LiveAlarm[] }) {
  const { t, clock } = useI18n();
  const offline = alarms.find((a) => a.rule === 'camera_offline');
  const frozen = alarms.find((a) => a.rule === 'camera_frozen');
  return (
    <>
      {offline ? (
        <span className="camera-state camera-offline" data-testid="camera-state" data-state="offline">
          {t('camera.offlineSince', { time: clock(offline.createdAt) })}
        </span>
      ) : (
        frozen && (
          <span className="camera-state camera-frozen" data-testid="camera-state" data-state="frozen">
            {t('camera.frozenSince', { time: clock(frozen.createdAt) })}
          </span>
        )
      )}
      {alarms.length > 0 && <span className="alarm-badge">{t('console.alarmsBadge', { n: alarms.length })}</span>}
    </>
  );
}

/** The values an alarm compared, in words. */
function alarmDetails(a: LiveAlarm, t: ReturnType<typeof useI18n>['t']): string {
  const d = a.details as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v ?? ''));
  switch (a.rule) {
    case 'plate_not_registered':
    case 'plate_not_booked':
      return t('alarm.plate', { plate: String(d.plate ?? ''), expected: list(d.booked ?? d.registered) || '—' });
    case 'seal_mismatch':
      return t('alarm.seal', { read: String(d.read ?? ''), declared: list(d.declared) });
    case 'count_mismatch':
      return t('alarm.count', { counted: Number(d.counted ?? 0), declared: Number(d.declared ?? 0) });
    case 'camera_frozen':
      return t('alarm.frozen', { camera: String(d.camera ?? ''), seconds: Math.round(Number(d.unchangedMs ?? 0) / 1000) });
    case 'camera_offline':
      return t('alarm.offline', { camera: String(d.camera ?? '') });
    case 'animals_in_isolation':
      return t('alarm.isolation', { zone: String(d.zone ?? ''), n: Number(d.animals ?? 0) });
    case 'vehicle_without_loading_record':
      return t('alarm.bay', { plate: String(d.plate ?? ''), zone: String(d.zone ?? '') });
    default:
      return '';
  }
}

export function BatchControl({
  sessionId,
  camera,
  batches,
  totals,
  lines,
  onChanged,
  onError,
}: {
  sessionId: string;
  camera: ProducerInfo;
  batches: LoadingBatch[];
  totals: Record<string, { net: number }>;
  lines: CountingLines;
  onChanged: () => void;
  onError: (e: unknown) => void;
}) {
  const { t } = useI18n();
  const cameraId = cameraIdOf(camera)!;
  const open = batches.find((b) => b.cameraId === cameraId && !b.closedAt);
  const lastClosed = batches.filter((b) => b.cameraId === cameraId && b.closedAt && b.counted).at(-1);
  if (!open) {
    // Animals are counted as they cross the line drawn on the picture (the dashed red line on the tile):
    // the officer places it where the animals walk (the loading ramp), else it lies across the picture.
    return (
      <span className="inline batch" data-testid="batch-control">
        {lines.drawing === cameraId ? (
          <>
            <span className="muted" data-testid="drawing-hint">
              {t('console.drawLineHint', { camera: camera.label })}
            </span>
            <button type="button" className="secondary" onClick={() => lines.stopDrawing()}>
              {t('common.cancel')}
            </button>
          </>
        ) : (
          <button type="button" className="secondary" data-testid="draw-line" onClick={() => lines.startDrawing(cameraId)}>
            {t('console.drawLine')}
          </button>
        )}
        <ActionButton className="secondary" action={() => api.openBatch(sessionId, { cameraId, line: lines.of(cameraId) }).then(onChanged)} onError={onError}>
          {t('console.startBatch', { camera: camera.label })}
        </ActionButton>
        {lastClosed && <BatchTotal key={lastClosed.id} sessionId={sessionId} batch={lastClosed} onError={onError} />}
      </span>
    );
  }
  return (
    <span className="inline batch">
      <span>{t('console.batchCount', { camera: camera.label, n: totals[open.id]?.net ?? 0, expected: open.expected ?? '—' })}</span>
      <ActionButton action={() => api.closeBatch(sessionId, open.id).then(onChanged)} onError={onError}>
        {t('console.closeBatch')}
      </ActionButton>
    </span>
  );
}

/** After a batch: the officer, who watched it, says how many truly crossed (a labelled sample of the line counter). */
function BatchTotal({ sessionId, batch, onError }: { sessionId: string; batch: LoadingBatch; onError: (e: unknown) => void }) {
  const { t } = useI18n();
  const [total, setTotal] = useState(String(batch.counted?.net ?? ''));
  const [confirmed, setConfirmed] = useState<number | null>(batch.confirmedTotal);
  if (confirmed !== null)
    return (
      <span className="muted" data-testid="batch-total-confirmed">
        {t('console.batchTotalConfirmed', { n: confirmed })}
      </span>
    );
  const n = total.trim() === '' ? Number.NaN : Number(total);
  return (
    <span className="inline" data-testid="batch-total">
      <label>
        {t('console.batchTrueTotal', { counted: batch.counted?.net ?? 0 })}{' '}
        <input type="number" min={0} max={100000} value={total} onChange={(e) => setTotal(e.target.value)} style={{ width: '6em' }} />
      </label>
      <ActionButton className="secondary" disabled={!Number.isInteger(n) || n < 0} action={() => api.confirmBatchTotal(sessionId, batch.id, n).then(() => setConfirmed(n))} onError={onError}>
        {t('console.confirmTotal')}
      </ActionButton>
    </span>
  );
}

export function VerdictForm({ sessionId, onDone, onError }: { sessionId: string; onDone: () => void; onError: (e: unknown) => void }) {
  const { t } = useI18n();
  const [outcome, setOutcome] = useState<string>('pass');
  const [findings, setFindings] = useState('');
  const [followUp, setFollowUp] = useState('');
  // Empty: the platform's default number of days.
  const [rectifyBy, setRectifyBy] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="panel verdict-form"
      data-testid="verdict-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!window.confirm(t('verdict.confirmClose'))) return;
        setBusy(true);
        try {
          await api.recordVerdict(sessionId, { outcome, findings, followUp: followUp || undefined, rectifyBy: outcome === 'rectify' && rectifyBy ? rectifyBy : undefined });
          onDone();
        } catch (err) {
          onError(err);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>{t('verdict.title')}</h2>
      <div className="radio-row">
        {VERDICT_OUTCOMES.map((o) => (
          <label key={o} className={`radio verdict-${o}`}>
            <input type="radio" name="outcome" value={o} checked={outcome === o} onChange={() => setOutcome(o)} /> {t(`verdict.${o}`)}
          </label>
        ))}
      </div>
      <label>
        {t('verdict.findings')}
        <textarea name="findings" value={findings} onChange={(e) => setFindings(e.target.value)} maxLength={5000} />
      </label>
      <label>
        {t('verdict.followUp')}
        <input name="followUp" value={followUp} onChange={(e) => setFollowUp(e.target.value)} maxLength={2000} />
      </label>
      {outcome === 'rectify' && (
        <label>
          {t('verdict.rectifyBy')}
          <LocalDateInput name="rectifyBy" type="date" value={rectifyBy} onChange={setRectifyBy} />
          <span className="muted small">{t('verdict.rectifyByHint')}</span>
        </label>
      )}
      <button type="submit" disabled={busy}>
        {t('verdict.record')}
      </button>
    </form>
  );
}
