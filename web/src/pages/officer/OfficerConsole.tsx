/**
 * The officer's live console: the enterprise's video large with the site cameras beside it (detections
 * drawn over them), alarms to acknowledge, one-click commands, snapshots, the timeline as it happens, and
 * the verdict that closes the session. The camera wall shows every site camera in a grid.
 * Supervisors open the same page as silent viewers.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, mediaUrl } from '../../api/client.ts';
import type { Alarm, LoadingBatch, TimelineEvent } from '../../api/types.ts';
import { Link, useRouter } from '../../app/router.tsx';
import { ActionButton, ErrorBanner, Modal, describeEvent } from '../../components/common.tsx';
import { TrackCache, VideoTile, type VisionResult } from '../../components/VideoTile.tsx';
import { useI18n } from '../../i18n/index.tsx';
import type { ProducerInfo } from '../../media/inspection-client.ts';
import { pendingCommands, useInspection } from '../../media/use-inspection.ts';
import { VERDICT_OUTCOMES } from '../../api/types.ts';

interface LiveAlarm extends Alarm {
  frameJpeg?: string | null;
}

const cameraIdOf = (info: ProducerInfo) => (info.source.startsWith('camera:') ? info.source.slice('camera:'.length) : null);
/** The counting line of a loading batch, in picture fractions: across the picture, a little below the middle. */
const BATCH_LINE = { a: [0.05, 0.6] as [number, number], b: [0.95, 0.6] as [number, number] };

export function OfficerConsole({ sessionId, view }: { sessionId: string; view: 'console' | 'wall' }) {
  const { t, tMaybe, time } = useI18n();
  const { navigate } = useRouter();
  const inspection = useInspection(sessionId);
  const { client, status, timeline, producers, joined, generation } = inspection;
  const role = joined?.role;
  const [error, setError] = useState<unknown>(null);
  const [vision, setVision] = useState<Record<string, VisionResult[]>>({});
  const [alarms, setAlarms] = useState<LiveAlarm[]>([]);
  const [focus, setFocus] = useState<string | null>(null);
  const [enlarged, setEnlarged] = useState<ProducerInfo | null>(null);
  const [muted, setMuted] = useState(false);
  const [batches, setBatches] = useState<LoadingBatch[]>([]);
  const [batchTotals, setBatchTotals] = useState<Record<string, { forward: number; backward: number; net: number }>>({});
  const micProducer = useRef<string | null>(null);

  const cache = useMemo(() => (client && status === 'live' ? new TrackCache(client, generation) : null), [client, status, generation]);
  const onError = useCallback((err: unknown) => setError(err), []);

  // Live detections, alarms and batch counts (officers and supervisors of the session only).
  useEffect(() => {
    if (!client) return;
    const offs = [
      client.on<VisionResult>('vision:result', (r) =>
        setVision((v) => ({ ...v, [r.cameraId]: [...(v[r.cameraId] ?? []).filter((x) => x.task !== r.task), r] })),
      ),
      client.on<{ alarmId: string; rule: string; details: Record<string, unknown>; frameAt: string; cameraId: string | null; frameJpeg: string | null }>('alarm:raised', (a) =>
        setAlarms((list) => [
          { id: a.alarmId, rule: a.rule, details: a.details, frameAt: a.frameAt, cameraId: a.cameraId, status: 'open', createdAt: new Date().toISOString(), hasEvidence: !!a.frameJpeg, frameJpeg: a.frameJpeg },
          ...list.filter((x) => x.id !== a.alarmId),
        ]),
      ),
      client.on<{ alarmId: string }>('alarm:acknowledged', ({ alarmId }) => setAlarms((list) => list.map((a) => (a.id === alarmId ? { ...a, status: 'acknowledged' } : a)))),
      client.on<{ batchId: string; forward: number; backward: number; net: number }>('vision:batch', (b) => setBatchTotals((totals) => ({ ...totals, [b.batchId]: b }))),
    ];
    return () => offs.forEach((off) => off());
  }, [client]);

  // What happened before this page was opened.
  useEffect(() => {
    if (status !== 'live') return;
    api.alarms(sessionId).then((list) => setAlarms((live) => [...live.filter((a) => !list.some((x) => x.id === a.id)), ...list.reverse()]), onError);
    api.loadingBatches(sessionId).then(setBatches, onError);
  }, [sessionId, status, generation, onError]);

  // The officer talks to the enterprise.
  useEffect(() => {
    if (!client || status !== 'live' || role !== 'officer') return;
    let stopped = false;
    let media: MediaStream | null = null;
    navigator.mediaDevices
      .getUserMedia({ audio: true })
      .then(async (m) => {
        media = m;
        if (stopped) return m.getTracks().forEach((tr) => tr.stop());
        const [producer] = await client.publish(m.getAudioTracks());
        micProducer.current = producer?.id ?? null;
      })
      .catch(onError);
    return () => {
      stopped = true;
      media?.getTracks().forEach((tr) => tr.stop());
    };
  }, [client, status, role, generation, onError]);

  // The enterprise's voice.
  const audioRef = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    if (!cache || !client) return;
    const mine = new Set(client.producers.keys());
    const voices = producers.filter((p) => p.kind === 'audio' && !mine.has(p.producerId));
    Promise.all(voices.map((v) => cache.track(v)))
      .then((tracks) => {
        if (audioRef.current && tracks.length) {
          audioRef.current.srcObject = new MediaStream(tracks);
          void audioRef.current.play().catch(() => {});
        }
      })
      .catch(onError);
  }, [cache, client, producers, onError]);

  const mine = new Set(client ? [...client.producers.keys()] : []);
  const videos = producers.filter((p) => p.kind === 'video' && !mine.has(p.producerId));
  const enterpriseVideos = videos.filter((p) => !cameraIdOf(p));
  const cameras = videos.filter((p) => cameraIdOf(p));
  const main = videos.find((p) => p.producerId === focus) ?? enterpriseVideos[0] ?? cameras[0];
  const side = videos.filter((p) => p !== main);
  const openAlarms = alarms.filter((a) => a.status === 'open');
  const alarmsOf = (cameraId: string | null) => openAlarms.filter((a) => a.cameraId === cameraId).length;
  const labelOf = (p: ProducerInfo) => (cameraIdOf(p) ? p.label : t('console.enterpriseVideo', { name: p.displayName }));
  const verdictRecorded = status === 'closed' || timeline.some((e) => e.kind === 'verdict');

  const tile = (p: ProducerInfo, large: boolean, onClick?: () => void) =>
    cache && (
      <VideoTile
        key={`${p.producerId}:${large}`}
        cache={cache}
        info={p}
        large={large}
        label={labelOf(p)}
        vision={vision[cameraIdOf(p) ?? '']}
        onClick={onClick}
        onError={onError}
        testId={cameraIdOf(p) ? 'camera-tile' : 'enterprise-video'}
        badges={alarmsOf(cameraIdOf(p)) > 0 && cameraIdOf(p) ? <span className="alarm-badge">{t('console.alarmsBadge', { n: alarmsOf(cameraIdOf(p)) })}</span> : null}
      />
    );

  return (
    <div className={`page console${view === 'wall' ? ' wall' : ''}`}>
      <header className="console-head">
        <h1>{view === 'wall' ? t('console.wallTitle') : t('console.title')}</h1>
        <span className={`status-line status-${status}`} data-testid="status" data-status={status}>
          {t(`session.status.${status}`)}
        </span>
        <nav className="tabs">
          <Link to={`/officer/session/${sessionId}`} className={view === 'console' ? 'active' : undefined}>
            {t('console.title')}
          </Link>
          <Link to={`/officer/session/${sessionId}/wall`} className={view === 'wall' ? 'active' : undefined} data-testid="wall-link">
            {t('console.wallTitle')}
          </Link>
        </nav>
        {role === 'officer' && status === 'live' && (
          <button
            className="secondary"
            onClick={async () => {
              if (!micProducer.current || !client) return;
              await client.request('media:setProducerPaused', { producerId: micProducer.current, paused: !muted }).then(() => setMuted(!muted), onError);
            }}
          >
            {muted ? t('console.unmute') : t('console.mute')}
          </button>
        )}
      </header>
      <ErrorBanner error={error ?? inspection.error} onClose={() => setError(null)} />
      <audio ref={audioRef} autoPlay />

      {verdictRecorded && (
        <div className="banner banner-ok" data-testid="session-closed">
          {t('console.closed')} <Link to={`/archive/session/${sessionId}`}>{t('console.openArchive')}</Link>
        </div>
      )}

      {view === 'wall' ? (
        <div className="camera-wall" data-testid="camera-wall">
          {cameras.length === 0 && <p className="muted">{t('console.noCameras')}</p>}
          {cameras.map((p) => tile(p, false, () => setEnlarged(p)))}
          {enlarged && cache && (
            <Modal title={enlarged.label} onClose={() => setEnlarged(null)} wide>
              {tile(enlarged, true)}
            </Modal>
          )}
        </div>
      ) : (
        <div className="console-grid">
          <section className="stage">
            {main ? tile(main, true) : <div className="tile tile-large placeholder">{status === 'live' ? t('console.waitingForVideo') : t(`session.status.${status}`)}</div>}
            <div className="side-tiles">{side.map((p) => tile(p, false, () => setFocus(p.producerId)))}</div>
            {role === 'officer' && status === 'live' && client && (
              <>
                <CommandBar presets={Object.keys(joined?.commandPresets ?? {})} send={(preset, params, text) => client.request<TimelineEvent>('session:command', { preset, params, text })} onError={onError} pending={pendingCommands(timeline).length} />
                <div className="actions">
                  <ActionButton action={() => (main ? client.snapshot(main.producerId) : Promise.resolve())} onError={onError} disabled={!main} data-testid="snapshot">
                    {t('console.snapshot')}
                  </ActionButton>
                  {cameras
                    .filter((c) => cameraIdOf(c) && vision[cameraIdOf(c)!]?.some((r) => r.task === 'count'))
                    .map((c) => (
                      <BatchControl key={c.producerId} sessionId={sessionId} camera={c} batches={batches} totals={batchTotals} onChanged={() => api.loadingBatches(sessionId).then(setBatches, onError)} onError={onError} />
                    ))}
                </div>
              </>
            )}
          </section>
          <aside className="panels">
            <AlarmPanel alarms={alarms} canAcknowledge={role === 'officer' || role === 'supervisor'} onError={onError} onAcknowledged={(id) => setAlarms((list) => list.map((a) => (a.id === id ? { ...a, status: 'acknowledged' } : a)))} />
            <section className="panel timeline-panel">
              <h2>{t('console.timeline')}</h2>
              <ol className="timeline" data-testid="timeline">
                {[...timeline].reverse().filter((e) => e.kind !== 'detection').slice(0, 200).map((e) => (
                  <li key={e.id} className={`tl tl-${e.kind}`} data-kind={e.kind}>
                    <time>{time(e.at)}</time> {describeEvent(e, t, tMaybe)}
                    {e.kind === 'snapshot' && <img className="thumb" src={mediaUrl.snapshot(sessionId, e.id)} alt={t('timeline.snapshotAlt')} loading="lazy" />}
                  </li>
                ))}
              </ol>
            </section>
            {role === 'officer' && !verdictRecorded && <VerdictForm sessionId={sessionId} onDone={() => navigate(`/archive/session/${sessionId}`)} onError={onError} />}
          </aside>
        </div>
      )}
    </div>
  );
}

function CommandBar({ presets, send, onError, pending }: { presets: string[]; send: (preset?: string, params?: Record<string, string | number>, text?: string) => Promise<unknown>; onError: (e: unknown) => void; pending: number }) {
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

function AlarmPanel({ alarms, canAcknowledge, onError, onAcknowledged }: { alarms: LiveAlarm[]; canAcknowledge: boolean; onError: (e: unknown) => void; onAcknowledged: (id: string) => void }) {
  const { t, tMaybe, time } = useI18n();
  const open = alarms.filter((a) => a.status === 'open').length;
  return (
    <section className={`panel alarm-panel${open ? ' has-open' : ''}`} data-testid="alarms">
      <h2>
        {t('console.alarms')} <span className="count">{open}</span>
      </h2>
      {alarms.length === 0 && <p className="muted">{t('console.noAlarms')}</p>}
      <ul>
        {alarms.slice(0, 50).map((a) => (
          <li key={a.id} className={`alarm alarm-${a.status}`}>
            {a.frameJpeg ? <img className="thumb" src={`data:image/jpeg;base64,${a.frameJpeg}`} alt="" /> : a.hasEvidence ? <img className="thumb" src={mediaUrl.alarmEvidence(a.id)} alt="" loading="lazy" /> : null}
            <div>
              <strong>{tMaybe(`rule.${a.rule}`) ?? a.rule}</strong> <time>{time(a.frameAt)}</time>
              <p className="small">{alarmDetails(a, t)}</p>
              {a.status === 'open' && canAcknowledge ? (
                <ActionButton
                  className="small"
                  action={async () => {
                    await api.acknowledgeAlarm(a.id);
                    onAcknowledged(a.id);
                  }}
                  onError={onError}
                >
                  {t('console.acknowledge')}
                </ActionButton>
              ) : (
                a.status === 'acknowledged' && <span className="badge">{t('console.acknowledged')}</span>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The values an alarm compared, in words. */
function alarmDetails(a: Alarm, t: ReturnType<typeof useI18n>['t']): string {
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
    default:
      return '';
  }
}

function BatchControl({ sessionId, camera, batches, totals, onChanged, onError }: {
  sessionId: string;
  camera: ProducerInfo;
  batches: LoadingBatch[];
  totals: Record<string, { net: number }>;
  onChanged: () => void;
  onError: (e: unknown) => void;
}) {
  const { t } = useI18n();
  const cameraId = cameraIdOf(camera)!;
  const open = batches.find((b) => b.cameraId === cameraId && !b.closedAt);
  if (!open) {
    return (
      <ActionButton className="secondary" action={() => api.openBatch(sessionId, { cameraId, line: BATCH_LINE }).then(onChanged)} onError={onError}>
        {t('console.startBatch', { camera: camera.label })}
      </ActionButton>
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

function VerdictForm({ sessionId, onDone, onError }: { sessionId: string; onDone: () => void; onError: (e: unknown) => void }) {
  const { t } = useI18n();
  const [outcome, setOutcome] = useState<string>('pass');
  const [findings, setFindings] = useState('');
  const [followUp, setFollowUp] = useState('');
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
          await api.recordVerdict(sessionId, { outcome, findings, followUp: followUp || undefined });
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
      <button type="submit" disabled={busy}>
        {t('verdict.record')}
      </button>
    </form>
  );
}
