/**
 * The officer's live console: the enterprise's video large with the site cameras beside it (detections
 * drawn over them), alarms to acknowledge, one-click commands, snapshots, the timeline as it happens, and
 * the verdict that closes the session. The camera wall shows every site camera in a grid.
 * Supervisors open the same page as silent viewers.
 */
import { useCallback, useState } from 'react';
import { mediaUrl } from '../../api/client.ts';
import type { TimelineEvent } from '../../api/types.ts';
import { Link, useRouter } from '../../app/router.tsx';
import { ActionButton, ErrorBanner, Modal, describeEvent } from '../../components/common.tsx';
import { VideoTile } from '../../components/VideoTile.tsx';
import { useI18n } from '../../i18n/index.tsx';
import type { ProducerInfo } from '../../media/inspection-client.ts';
import { pendingCommands, useInspection } from '../../media/use-inspection.ts';
import { AlarmPanel, BatchControl, CameraState, CommandBar, VerdictForm } from './console-parts.tsx';
import { cameraIdOf, useCountingLines, useLiveAlarms, useLoadingBatches, useOfficerMicrophone, useRemoteVoice, useTrackCache, useVideoLayout } from './console-state.ts';
import { useVisionResults } from '../../components/vision-results.ts';
import { CorrectButtons } from '../../components/CorrectionEditor.tsx';

const streamEnded = (err: unknown) => ['producer_not_found', 'consumer_not_found'].includes((err as { code?: string } | null)?.code ?? '');

export function OfficerConsole({ sessionId, view }: { sessionId: string; view: 'console' | 'wall' }) {
  const { t, tMaybe, time } = useI18n();
  const { navigate } = useRouter();
  const inspection = useInspection(sessionId);
  const { client, status, timeline, joined } = inspection;
  const role = joined?.role;
  const [error, setError] = useState<unknown>(null);
  // A stream that ended while being opened (its sender left, or the session's media moved to another
  // server) is no fault to show: its tile goes with it, and what replaces it opens by itself.
  const onError = useCallback((err: unknown) => !streamEnded(err) && setError(err), []);

  const cache = useTrackCache(inspection);
  const vision = useVisionResults(client);
  const { alarms, upsert: alarmChanged } = useLiveAlarms(sessionId, inspection, onError);
  const { batches, totals: batchTotals, reload: reloadBatches } = useLoadingBatches(sessionId, inspection, onError);
  const mic = useOfficerMicrophone(inspection, onError);
  const audioRef = useRemoteVoice(cache, inspection, onError);
  const { main, side, cameras, focusOn, enlarged, enlarge } = useVideoLayout(inspection);
  const lines = useCountingLines(batches);

  const openAlarms = alarms.filter((a) => a.status === 'open');
  const labelOf = (p: ProducerInfo) => (cameraIdOf(p) ? p.label : t('console.enterpriseVideo', { name: p.displayName }));
  const verdictRecorded = status === 'closed' || timeline.some((e) => e.kind === 'verdict');

  const tile = (p: ProducerInfo, large: boolean, onClick?: () => void) => {
    const cameraId = cameraIdOf(p);
    const counts = cameraId !== null && vision[cameraId]?.some((r) => r.task === 'count');
    return (
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
          badges={cameraIdOf(p) ? <CameraState alarms={openAlarms.filter((a) => a.cameraId === cameraIdOf(p))} /> : null}
          countingLine={counts && cameraId ? lines.of(cameraId) : undefined}
          onPicturePoint={cameraId && lines.drawing === cameraId ? (point) => lines.addPoint(cameraId, point) : undefined}
        />
      )
    );
  };

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
        {role === 'officer' && status === 'live' && mic.speaking && (
          <button className="secondary" onClick={mic.toggleMute}>
            {mic.muted ? t('console.unmute') : t('console.mute')}
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
          {cameras.map((p) => tile(p, false, () => enlarge(p)))}
          {enlarged && cache && (
            <Modal title={enlarged.label} onClose={() => enlarge(null)} wide>
              {tile(enlarged, true)}
            </Modal>
          )}
        </div>
      ) : (
        <div className="console-grid">
          <section className="stage">
            {main ? (
              tile(main, true)
            ) : (
              <div className="tile tile-large placeholder" data-testid="stage-waiting">
                {status === 'live' ? t(cameras.length > 0 ? 'console.waitingForEnterprise' : 'console.waitingForVideo') : t(`session.status.${status}`)}
              </div>
            )}
            <div className="side-tiles">{side.map((p) => tile(p, false, () => focusOn(p.producerId)))}</div>
            {role === 'officer' && status === 'live' && client && (
              <>
                <CommandBar
                  presets={Object.keys(joined?.commandPresets ?? {})}
                  send={(preset, params, text) => client.request('session:command', { preset, params, text })}
                  onError={onError}
                  pending={pendingCommands(timeline).length}
                />
                <div className="actions">
                  <ActionButton action={() => (main ? client.snapshot(main.producerId) : Promise.resolve())} onError={onError} disabled={!main} data-testid="snapshot">
                    {t('console.snapshot')}
                  </ActionButton>
                  {cameras
                    .filter((c) => cameraIdOf(c) && vision[cameraIdOf(c)!]?.some((r) => r.task === 'count'))
                    .map((c) => (
                      <BatchControl key={c.producerId} sessionId={sessionId} camera={c} batches={batches} totals={batchTotals} lines={lines} onChanged={reloadBatches} onError={onError} />
                    ))}
                  {cameras
                    .filter((c) => cameraIdOf(c) && vision[cameraIdOf(c)!]?.length)
                    .map((c) => (
                      <CorrectButtons key={`correct-${c.producerId}`} cameraId={cameraIdOf(c)!} camera={c.label} tasks={vision[cameraIdOf(c)!]!.map((r) => r.task)} sessionId={sessionId} />
                    ))}
                </div>
              </>
            )}
          </section>
          <aside className="panels">
            <AlarmPanel sessionId={sessionId} alarms={alarms} canAcknowledge={role === 'officer' || role === 'supervisor'} onError={onError} onChanged={alarmChanged} />
            <section className="panel timeline-panel">
              <h2>{t('console.timeline')}</h2>
              <ol className="timeline" data-testid="timeline">
                {[...timeline]
                  .reverse()
                  .filter((e) => e.kind !== 'detection')
                  .slice(0, 200)
                  .map((e) => (
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
