/**
 * The review queue of supervised farms, as NVR users know it: every incident outside a session (a camera
 * offline or frozen, a plate not registered for the farm) with its picture, filtered by farm, camera, rule,
 * state and day; the camera's footage plays at the moment it happened; an officer marks items reviewed
 * (one, or all shown), and who did is kept.
 */
import { useState } from 'react';
import { api, mediaUrl } from '../../api/client.ts';
import type { FarmAlarm, FootageAt } from '../../api/types.ts';
import { useLiveEvent } from '../../app/live-events.ts';
import { useRouter } from '../../app/router.tsx';
import { ActionButton, Empty, ErrorBanner, Loading, LocalDateInput, Modal, Options, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

const PAGE = 30;
const STATES = ['unreviewed', 'reviewed', 'cleared'] as const;
const RULES = ['camera_offline', 'camera_frozen', 'animals_in_isolation', 'vehicle_without_loading_record', 'plate_not_registered', 'count_mismatch', 'seal_mismatch'] as const;

const DELETED_BECAUSE = { retention: 'review.deletedByAge', disk_pressure: 'review.deletedDiskFull', events_only: 'review.deletedEventsOnly' } as const;

/** A hold from the review keeps this much footage before and after the alarm. */
const HOLD_AROUND_MS = 10 * 60_000;

export function ReviewQueue() {
  const { t } = useI18n();
  const { search, navigate, path } = useRouter();
  // The filters live in the URL: a queue view can be bookmarked and shared.
  const filter = {
    siteId: search.get('siteId') ?? '',
    rule: search.get('rule') ?? '',
    state: search.get('state') ?? 'unreviewed',
    day: search.get('day') ?? '',
  };
  const offset = Number(search.get('offset') ?? 0) || 0;
  const sites = useLoad(() => api.visibleSites(), []);
  const key = JSON.stringify([filter, offset]);
  const dayStart = filter.day ? new Date(`${filter.day}T00:00`) : null;
  const queue = useLoad(
    () =>
      api.reviewQueue({
        siteId: filter.siteId,
        rule: filter.rule,
        state: filter.state === 'all' ? undefined : filter.state,
        from: dayStart?.toISOString(),
        to: dayStart ? new Date(dayStart.getTime() + 86_400_000 - 1).toISOString() : undefined,
        limit: PAGE,
        offset,
      }),
    [key],
  );
  const [error, setError] = useState<unknown>(null);
  const [playing, setPlaying] = useState<{ alarm: FarmAlarm; src: string; offsetMs: number; from: string } | null>(null);
  useLiveEvent('alarm:changed', ({ alarm }) => {
    if (!alarm.sessionId) queue.reload();
  });
  const set = (name: keyof typeof filter, value: string) => {
    const next = { ...filter, [name]: value };
    const qs = new URLSearchParams(Object.entries(next).filter(([, v]) => v) as Array<[string, string]>);
    navigate(`${path}?${qs}`);
  };
  const items = queue.data?.items ?? [];
  const open = items.filter((a) => a.status === 'open');
  const total = queue.data?.total ?? 0;

  return (
    <div className="page">
      <h1>{t('review.title')}</h1>
      <div className="filters card" data-testid="review-filters">
        <label>
          {t('review.farm')}
          <select name="siteId" value={filter.siteId} onChange={(e) => set('siteId', e.target.value)}>
            <option value="">{t('common.any')}</option>
            <Options items={sites.data} label={(s) => s.name} value={(s) => s.id} />
          </select>
        </label>
        <label>
          {t('review.rule')}
          <select name="rule" value={filter.rule} onChange={(e) => set('rule', e.target.value)}>
            <option value="">{t('common.any')}</option>
            <Options items={RULES} label={(r) => t(`rule.${r}`)} />
          </select>
        </label>
        <label>
          {t('review.state')}
          <select name="state" value={filter.state} onChange={(e) => set('state', e.target.value)}>
            <Options items={STATES} label={(s) => t(`review.state.${s}`)} />
            <option value="all">{t('common.any')}</option>
          </select>
        </label>
        <label>
          {t('review.day')}
          <LocalDateInput type="date" name="day" value={filter.day} onChange={(v) => set('day', v)} />
        </label>
      </div>
      <ErrorBanner error={error ?? queue.error ?? sites.error} onClose={() => setError(null)} />
      {open.length > 1 && (
        <ActionButton
          data-testid="review-all"
          action={async () => {
            await api.acknowledgeAlarms(open.map((a) => a.id));
            setError(null);
            queue.reload();
          }}
          onError={setError}
        >
          {t('review.markAllReviewed', { n: open.length })}
        </ActionButton>
      )}
      {queue.loading && !queue.data ? <Loading /> : items.length === 0 ? <Empty>{t('review.none')}</Empty> : null}
      <ul className="review-list">
        {items.map((a) => (
          <ReviewItem
            key={a.id}
            alarm={a}
            onReviewed={() => {
              setError(null);
              queue.reload();
            }}
            onError={setError}
            onPlay={(src, offsetMs, from) => setPlaying({ alarm: a, src, offsetMs, from })}
          />
        ))}
      </ul>
      {playing && <FootagePlayer {...playing} onClose={() => setPlaying(null)} />}
      {total > PAGE && (
        <div className="pager">
          <button className="secondary" disabled={offset === 0} onClick={() => navigate(`${path}?${new URLSearchParams({ ...filter, offset: String(Math.max(0, offset - PAGE)) })}`)}>
            {t('common.previous')}
          </button>
          <button className="secondary" disabled={offset + PAGE >= total} onClick={() => navigate(`${path}?${new URLSearchParams({ ...filter, offset: String(offset + PAGE) })}`)}>
            {t('common.next')}
          </button>
        </div>
      )}
    </div>
  );
}

function ReviewItem({
  alarm: a,
  onReviewed,
  onError,
  onPlay,
}: {
  alarm: FarmAlarm;
  onReviewed: () => void;
  onError: (err: unknown) => void;
  /** Plays `src` from `offsetMs`; `from` is when its first picture was taken. */
  onPlay: (src: string, offsetMs: number, from: string) => void;
}) {
  const { t, tMaybe, dateTime, time } = useI18n();
  // Why the footage cannot be played: nothing was recorded then, or it was deleted (by age, by a full disk).
  const [noFootage, setNoFootage] = useState<null | 'none' | { reason: 'retention' | 'disk_pressure' | 'events_only'; deletedAt: string }>(null);
  const [holding, setHolding] = useState<null | 'asking' | 'held'>(null);
  const [reason, setReason] = useState('');
  // A camera that records nothing has no footage to play or hold.
  const recorded = a.cameraId !== null && a.cameraRecording !== 'off';
  return (
    <li className={`card review-item review-${a.status}`} data-testid="review-item" data-status={a.status} data-rule={a.rule}>
      {a.hasEvidence ? (
        <a href={mediaUrl.alarmEvidence(a.id)} target="_blank" rel="noreferrer">
          <img className="thumb" src={mediaUrl.alarmEvidence(a.id)} alt={tMaybe(`rule.${a.rule}`) ?? a.rule} loading="lazy" />
        </a>
      ) : (
        <div className="thumb placeholder" />
      )}
      <div>
        <strong>{tMaybe(`rule.${a.rule}`) ?? a.rule}</strong>
        <p>
          {a.cameraName ?? '—'} · {a.siteName} <span className="muted">· {a.enterpriseName}</span>
        </p>
        <p className="muted small">
          {dateTime(a.createdAt)} · {t('console.occurrences', { n: a.occurrences, time: time(a.lastSeenAt) })}
        </p>
        {a.status === 'acknowledged' && a.acknowledgedAt && (
          <p className="muted small" data-testid="reviewed-by">
            {t('review.reviewedBy', { name: a.reviewedByName ?? '—', time: dateTime(a.acknowledgedAt) })}
          </p>
        )}
        {a.status === 'cleared' && a.clearedAt && <p className="muted small">{t('review.clearedAt', { time: dateTime(a.clearedAt) })}</p>}
      </div>
      <div className="actions">
        {a.hasClip && (
          <button type="button" className="secondary" data-testid="play-clip" onClick={() => onPlay(mediaUrl.alarmClip(a.id), 0, a.frameAt)}>
            {t('review.playClip')}
          </button>
        )}
        {a.cameraId && !recorded && (
          <span className="muted small" data-testid="not-recorded">
            {t('review.notRecorded')}
          </span>
        )}
        {recorded && (
          <ActionButton
            className="secondary"
            data-testid="play-footage"
            disabled={noFootage !== null}
            action={async () => {
              const footage: FootageAt | null = await api.footageAt(a.cameraId!, a.createdAt);
              if (!footage) setNoFootage('none');
              else if ('deleted' in footage) setNoFootage(footage.deleted);
              else onPlay(mediaUrl.footage(footage.footageId), footage.offsetMs, footage.startedAt);
            }}
            onError={onError}
          >
            {noFootage === null ? t('review.play') : noFootage === 'none' ? t('review.noFootage') : t(DELETED_BECAUSE[noFootage.reason], { time: dateTime(noFootage.deletedAt) })}
          </ActionButton>
        )}
        {recorded && holding === null && (
          <button type="button" className="secondary" data-testid="hold-footage" onClick={() => setHolding('asking')}>
            {t('review.holdFootage')}
          </button>
        )}
        {a.cameraId && holding === 'asking' && (
          <span className="inline-form">
            <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t('review.holdReason')} maxLength={500} data-testid="hold-reason" />
            <ActionButton
              data-testid="hold-confirm"
              disabled={reason.trim() === ''}
              action={async () => {
                const at = new Date(a.frameAt).getTime();
                await api.holdFootage(a.cameraId!, { from: new Date(at - HOLD_AROUND_MS).toISOString(), to: new Date(at + HOLD_AROUND_MS).toISOString(), reason: reason.trim() });
                setHolding('held');
              }}
              onError={onError}
            >
              {t('review.hold')}
            </ActionButton>
          </span>
        )}
        {holding === 'held' && (
          <span className="muted small" data-testid="footage-held">
            {t('review.footageHeld')}
          </span>
        )}
        {a.status === 'open' && (
          <ActionButton data-testid="mark-reviewed" action={() => api.acknowledgeAlarm(a.id).then(onReviewed)} onError={onError}>
            {t('review.markReviewed')}
          </ActionButton>
        )}
      </div>
    </li>
  );
}

/** The alarm's clip, or the camera's recorded footage from the moment of the alarm. */
function FootagePlayer({ alarm, src, offsetMs, from, onClose }: { alarm: FarmAlarm; src: string; offsetMs: number; from: string; onClose: () => void }) {
  const { t, tMaybe, dateTime } = useI18n();
  return (
    <Modal title={`${tMaybe(`rule.${alarm.rule}`) ?? alarm.rule} · ${alarm.cameraName ?? ''} · ${dateTime(alarm.createdAt)}`} onClose={onClose} wide>
      <video
        className="player-video"
        controls
        autoPlay
        muted
        src={src}
        data-testid="footage-video"
        onLoadedMetadata={(e) => {
          e.currentTarget.currentTime = offsetMs / 1000;
        }}
      />
      <p className="muted small">{t('review.footageFrom', { time: dateTime(from) })}</p>
    </Modal>
  );
}
