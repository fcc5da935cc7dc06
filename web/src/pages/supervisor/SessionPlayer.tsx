/**
 * Reviewing a session: its recordings with the timeline under them (markers seek the video), the
 * conversation's audio played in step with the video watched, whether its evidence still verifies, the
 * verdict, the snapshots, counts over time, and the evidence package.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { api, ApiError, mediaUrl, type ExportStatus } from '../../api/client.ts';
import { ofKind, type Recording, type TimelineEvent } from '../../api/types.ts';
import { useLiveEvent } from '../../app/live-events.ts';
import { ActionButton, ErrorBanner, Loading, VerdictBadge, describeEvent, useLoad } from '../../components/common.tsx';
import { CountChart } from '../../components/CountChart.tsx';
import { useI18n } from '../../i18n/index.tsx';

const MARKED: TimelineEvent['kind'][] = ['command', 'acknowledgement', 'snapshot', 'alarm', 'verdict', 'note'];

export function SessionPlayer({ sessionId }: { sessionId: string }) {
  const { t, tMaybe, dateTime, time } = useI18n();
  const timeline = useLoad(() => api.timeline(sessionId), [sessionId]);
  const recordings = useLoad(() => api.recordings(sessionId), [sessionId]);
  const verdict = useLoad(() => api.verdict(sessionId).catch((err) => (err instanceof ApiError && err.status === 404 ? null : Promise.reject(err))), [sessionId]);
  const integrity = useLoad(() => api.verify(sessionId), [sessionId]);
  const { reload: reloadRecordings } = recordings;
  const { reload: reloadIntegrity } = integrity;
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [position, setPosition] = useState<number | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const pendingSeek = useRef<number | null>(null);

  const playable = (recordings.data ?? []).filter((r) => r.status === 'ready');
  const videosReady = playable.filter((r) => r.mediaKind === 'video');
  const current = playable.find((r) => r.id === selected) ?? videosReady[0] ?? playable[0];
  const [withConversation, setWithConversation] = useState(true);
  const audioTracks = useMemo(() => (recordings.data ?? []).filter((r) => r.status === 'ready' && r.mediaKind === 'audio'), [recordings.data]);
  const conversation = useConversationAudio(video, current?.mediaKind === 'video' ? current : undefined, audioTracks, withConversation);
  const events = timeline.data ?? [];
  const { start, end } = useMemo(() => sessionSpan(events, recordings.data ?? []), [events, recordings.data]);
  const span = Math.max(1, end - start);
  const marked = events.filter((e) => MARKED.includes(e.kind));
  const counts = events.filter(ofKind('detection')).filter((e) => e.payload.task === 'count');
  const snapshots = events.filter((e) => e.kind === 'snapshot');

  // Recordings are still being finalised right after a session closes: look again until they are ready.
  const finalising = (recordings.data ?? []).some((r) => r.status === 'recording' || r.status === 'finalising');
  useEffect(() => {
    if (!finalising) return;
    const timer = setTimeout(() => {
      reloadRecordings();
      reloadIntegrity();
    }, 2000);
    return () => clearTimeout(timer);
    // The data is a dependency so that each answer schedules the next look (the reloads are stable).
  }, [finalising, recordings.data, reloadRecordings, reloadIntegrity]);

  // Sealing follows finalisation: until the seal exists, look again now and then (bounded).
  const sealChecks = useRef(0);
  const notSealed = integrity.data?.problems.some((p) => p.problem === 'not_sealed') ?? false;
  useEffect(() => {
    if (!notSealed || sealChecks.current >= 100) return;
    const timer = setTimeout(() => {
      sealChecks.current += 1;
      reloadIntegrity();
    }, 3000);
    return () => clearTimeout(timer);
  }, [notSealed, integrity.data, reloadIntegrity]);

  /**
   * Plays `at` (epoch ms): in the recording being watched when it covers that moment (the camera the
   * reviewer chose), else in another that does; with none covering it, the watched one stays, clamped.
   */
  const seek = (at: number) => {
    const watched = current?.mediaKind === 'video' ? current : undefined;
    const cover = (watched && coversTime(watched, at) ? watched : videosReady.find((r) => coversTime(r, at))) ?? watched ?? videosReady[0];
    if (!cover) return;
    const offset = Math.max(0, (at - new Date(cover.startedAt).getTime()) / 1000);
    if (cover.id !== current?.id) {
      pendingSeek.current = offset;
      setSelected(cover.id);
    } else if (video.current) {
      video.current.currentTime = offset;
      void video.current.play().catch(() => {});
    }
  };

  return (
    <div className="page player">
      <header className="console-head">
        <h1>{t('player.title')}</h1>
        {verdict.data && <span className="muted">{verdict.data.declarationNumber}</span>}
        <IntegrityBadge loading={integrity.loading && !integrity.data} ok={integrity.data?.ok} problems={integrity.data?.problems ?? []} />
      </header>
      <ErrorBanner error={error ?? timeline.error ?? recordings.error ?? verdict.error} onClose={() => setError(null)} />
      {(timeline.loading && !timeline.data) || (recordings.loading && !recordings.data) ? <Loading /> : null}

      <div className="player-grid">
        <section>
          {current ? (
            <video
              key={current.id}
              ref={video}
              className="player-video"
              controls
              preload="metadata"
              src={mediaUrl.recording(sessionId, current.id)}
              poster={current.mediaKind === 'video' ? mediaUrl.poster(sessionId, current.id) : undefined}
              data-testid="player-video"
              data-recording={current.id}
              onLoadedMetadata={(e) => {
                if (pendingSeek.current !== null) {
                  e.currentTarget.currentTime = pendingSeek.current;
                  pendingSeek.current = null;
                  void e.currentTarget.play().catch(() => {});
                }
              }}
              onTimeUpdate={(e) => {
                setPosition(new Date(current.startedAt).getTime() + e.currentTarget.currentTime * 1000);
                conversation.sync();
              }}
              onPlay={conversation.sync}
              onPause={conversation.sync}
              onSeeked={conversation.sync}
            />
          ) : (
            <div className="tile tile-large placeholder">{finalising ? t('player.finalising') : t('player.noRecordings')}</div>
          )}
          {conversation.tracks.length > 0 && current?.mediaKind === 'video' && (
            <label className="check small">
              <input type="checkbox" checked={withConversation} onChange={(e) => setWithConversation(e.target.checked)} data-testid="with-conversation" /> {t('player.withConversation')}
            </label>
          )}
          {conversation.tracks.map((r) => (
            <audio
              key={r.id}
              ref={(el) => {
                if (el) conversation.elements.set(r.id, el);
                else conversation.elements.delete(r.id);
              }}
              src={mediaUrl.recording(sessionId, r.id)}
              preload="auto"
              data-testid="conversation-audio"
              data-recording={r.id}
            />
          ))}
          {playable.length > 1 && (
            <div className="recording-tabs">
              {playable.map((r) => (
                <button key={r.id} className={r.id === current?.id ? '' : 'secondary'} onClick={() => setSelected(r.id)} data-testid="recording-tab" data-recording={r.id} data-kind={r.mediaKind}>
                  {recordingLabel(r, events, t)} · {time(r.startedAt)}
                </button>
              ))}
            </div>
          )}
          <div className="timeline-bar" data-testid="timeline-bar" aria-label={t('player.timeline')}>
            {position !== null && <div className="playhead" style={{ left: `${((position - start) / span) * 100}%` }} />}
            {clusterMarkers(marked, start, span).map((group) => (
              <button
                key={group[0]!.id}
                className={`marker marker-${mostImportant(group)}`}
                style={{ left: `${((new Date(group[0]!.at).getTime() - start) / span) * 100}%` }}
                title={group.map((e) => `${time(e.at)} ${describeEvent(e, t, tMaybe)}`).join('\n')}
                data-kinds={[...new Set(group.map((e) => e.kind))].join(' ')}
                onClick={() => seek(new Date(group[0]!.at).getTime())}
              />
            ))}
          </div>
          <div className="timeline-scale muted small">
            <span>{events.length ? time(new Date(start)) : ''}</span>
            <span>{events.length ? time(new Date(end)) : ''}</span>
          </div>
          {counts.length > 0 && (
            <section>
              <h2>{t('player.countChart')}</h2>
              <CountChart samples={counts} start={start} end={end} onSeek={seek} />
            </section>
          )}
          {snapshots.length > 0 && (
            <section>
              <h2>{t('player.snapshots')}</h2>
              <div className="gallery">
                {snapshots.map((s) => (
                  <a key={s.id} href={mediaUrl.snapshot(sessionId, s.id)} target="_blank" rel="noreferrer" onClick={() => seek(new Date(s.at).getTime())}>
                    <img src={mediaUrl.snapshot(sessionId, s.id)} alt={describeEvent(s, t, tMaybe)} loading="lazy" />
                    <span className="small">{time(s.at)}</span>
                  </a>
                ))}
              </div>
            </section>
          )}
        </section>

        <aside className="panels">
          <section className="panel">
            <h2>{t('verdict.title')}</h2>
            {verdict.data ? (
              <div data-testid="player-verdict">
                <VerdictBadge outcome={verdict.data.outcome} /> <span className="muted">{dateTime(verdict.data.recordedAt)}</span>
                {verdict.data.findings && <p>{verdict.data.findings}</p>}
                {verdict.data.followUp && (
                  <p>
                    <strong>{t('verdict.followUp')}:</strong> {verdict.data.followUp}
                  </p>
                )}
                <p className="small muted">{verdict.data.signatureValid ? t('verdict.signed') : t('verdict.signatureInvalid')}</p>
              </div>
            ) : (
              <p className="muted">{t('verdict.none')}</p>
            )}
          </section>
          <ExportPanel sessionId={sessionId} sealed={integrity.data?.problems.every((p) => p.problem !== 'not_sealed') ?? false} onError={setError} />
          <section className="panel timeline-panel">
            <h2>{t('console.timeline')}</h2>
            <ol className="timeline" data-testid="player-timeline">
              {marked
                .concat(events.filter((e) => e.kind === 'joined' || e.kind === 'left'))
                .sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id)
                .map((e) => (
                  <li key={e.id} className={`tl tl-${e.kind} clickable`} data-kind={e.kind} onClick={() => seek(new Date(e.at).getTime())}>
                    <time>{time(e.at)}</time> {describeEvent(e, t, tMaybe)}
                  </li>
                ))}
            </ol>
          </section>
        </aside>
      </div>
    </div>
  );
}

function IntegrityBadge({ loading, ok, problems }: { loading: boolean; ok?: boolean; problems: Array<{ item: string; problem: string }> }) {
  const { t, tMaybe } = useI18n();
  if (loading) return <span className="badge">{t('integrity.checking')}</span>;
  if (ok)
    return (
      <span className="badge badge-ok" data-testid="integrity" data-ok="true">
        {t('integrity.verified')}
      </span>
    );
  const notSealed = problems.some((p) => p.problem === 'not_sealed');
  return (
    <span
      className={`badge ${notSealed ? '' : 'badge-bad'}`}
      data-testid="integrity"
      data-ok="false"
      title={problems.map((p) => `${p.item}: ${tMaybe(`integrity.${p.problem}`) ?? p.problem}`).join('\n')}
    >
      {notSealed ? t('integrity.notSealed') : t('integrity.failed', { n: problems.length })}
    </span>
  );
}

function ExportPanel({ sessionId, sealed, onError }: { sessionId: string; sealed: boolean; onError: (e: unknown) => void }) {
  const { t, locale } = useI18n();
  const [job, setJob] = useState<ExportStatus | null>(null);
  const done = job?.state === 'completed' || job?.state === 'failed';
  useLiveEvent('export:progress', (p) => {
    if (job && p.exportId === job.exportId && !done) setJob({ ...job, progress: p.progress });
  });
  // The push says how far it is; the state (done, failed) is asked for.
  useEffect(() => {
    if (!job || done) return;
    const timer = setInterval(() => api.exportStatus(job.exportId).then(setJob, onError), 1500);
    return () => clearInterval(timer);
  }, [job, done, onError]);
  return (
    <section className="panel" data-testid="export">
      <h2>{t('export.title')}</h2>
      {!job ? (
        <ActionButton disabled={!sealed} action={async () => setJob(await api.requestExport(sessionId, locale))} onError={onError}>
          {t('export.build')}
        </ActionButton>
      ) : job.state === 'completed' ? (
        <a className="button" href={mediaUrl.exportFile(job.exportId)} download>
          {t('export.download')}
        </a>
      ) : job.state === 'failed' ? (
        <p className="banner banner-error">{t('export.failed')}</p>
      ) : (
        <progress max={100} value={job.progress} aria-label={t('export.progress')} />
      )}
      {!sealed && <p className="small muted">{t('export.needsSeal')}</p>}
    </section>
  );
}

/** A recording by what it shows: the camera's name, or whose camera or microphone. */
function recordingLabel(r: Recording, events: TimelineEvent[], t: ReturnType<typeof useI18n>['t']): string {
  const [kind, id = '', ...rest] = r.source.split(':');
  const label = rest.join(':');
  if (kind === 'camera') return label;
  const joined = events.filter(ofKind('joined')).find((e) => e.actorId === id);
  const name = joined?.payload.name ?? '';
  return t(r.mediaKind === 'audio' ? 'player.audioOf' : 'player.videoOf', { name });
}

/** Events closer than this share a marker (in fractions of the bar), so none hides another. */
const MARKER_GAP = 0.012;
const IMPORTANCE: TimelineEvent['kind'][] = ['verdict', 'alarm', 'snapshot', 'command', 'acknowledgement', 'note'];

function clusterMarkers(events: TimelineEvent[], start: number, span: number): TimelineEvent[][] {
  const groups: TimelineEvent[][] = [];
  let last = -1;
  for (const e of events) {
    const x = (new Date(e.at).getTime() - start) / span;
    if (groups.length && x - last < MARKER_GAP) groups[groups.length - 1]!.push(e);
    else {
      groups.push([e]);
      last = x;
    }
  }
  return groups;
}

function mostImportant(group: TimelineEvent[]): string {
  return IMPORTANCE.find((kind) => group.some((e) => e.kind === kind)) ?? group[0]!.kind;
}

function coversTime(r: Recording, at: number): boolean {
  const from = new Date(r.startedAt).getTime();
  const to = r.endedAt ? new Date(r.endedAt).getTime() : from + (r.durationMs ?? 0);
  return at >= from && at <= to;
}

/** From the first to the last thing that happened, recordings included. */
function sessionSpan(events: TimelineEvent[], recordings: Recording[]): { start: number; end: number } {
  const times = [
    ...events.map((e) => new Date(e.at).getTime()),
    ...recordings.flatMap((r) => [new Date(r.startedAt).getTime(), r.endedAt ? new Date(r.endedAt).getTime() : new Date(r.startedAt).getTime() + (r.durationMs ?? 0)]),
  ].filter(Number.isFinite);
  if (times.length === 0) return { start: Date.now(), end: Date.now() + 1 };
  return { start: Math.min(...times), end: Math.max(...times) };
}

/** Audio may drift this far from the picture before it is set back in step (seconds). */
const MAX_DRIFT_S = 0.3;

/**
 * Both sides of the conversation (each participant's microphone is its own recording) played with the video
 * being watched, in step by wall-clock time: the supervisor sees and hears the exchange as it happened.
 */
function useConversationAudio(video: RefObject<HTMLVideoElement | null>, watched: Recording | undefined, tracks: Recording[], enabled: boolean) {
  const elements = useRef(new Map<string, HTMLAudioElement>()).current;
  const sync = useCallback(() => {
    const v = video.current;
    for (const r of tracks) {
      const a = elements.get(r.id);
      if (!a) continue;
      if (!v || !watched || !enabled) {
        if (!a.paused) a.pause();
        continue;
      }
      const at = new Date(watched.startedAt).getTime() + v.currentTime * 1000;
      const offset = (at - new Date(r.startedAt).getTime()) / 1000;
      const inside = offset >= 0 && (Number.isNaN(a.duration) || offset <= a.duration);
      if (!inside || v.paused) {
        if (!a.paused) a.pause();
        if (inside && Math.abs(a.currentTime - offset) > MAX_DRIFT_S) a.currentTime = offset;
        continue;
      }
      if (Math.abs(a.currentTime - offset) > MAX_DRIFT_S) a.currentTime = offset;
      if (a.paused) void a.play().catch(() => {});
    }
  }, [video, watched, tracks, enabled, elements]);
  useEffect(sync, [sync]);
  return { tracks, elements, sync };
}
