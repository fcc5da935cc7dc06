/**
 * The enterprise on a phone during a live inspection: its own camera (front or back) goes to the officer,
 * the officer's voice comes back, instructions appear as large prompts to acknowledge, a requested photo
 * can be uploaded, and the verdict is shown when it is recorded.
 */
import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import type { Verdict } from '../../api/types.ts';
import { Link } from '../../app/router.tsx';
import { ActionButton, ErrorBanner, VerdictBadge, commandText } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { pendingCommands, useInspection } from '../../media/use-inspection.ts';

type Facing = 'environment' | 'user';

export function EnterpriseSession({ sessionId }: { sessionId: string }) {
  const { t, tMaybe } = useI18n();
  const inspection = useInspection(sessionId);
  const { client, status, timeline, producers, generation } = inspection;
  const [facing, setFacing] = useState<Facing>('environment');
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [uploaded, setUploaded] = useState(0);
  const preview = useRef<HTMLVideoElement>(null);
  const officerAudio = useRef<HTMLAudioElement>(null);
  const videoProducerId = useRef<string | null>(null);

  // The camera and microphone (asked once; switching cameras replaces the video track).
  useEffect(() => {
    let cancelled = false;
    let opened: MediaStream | null = null;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: facing, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true })
      .then((media) => {
        if (cancelled) return media.getTracks().forEach((tr) => tr.stop());
        opened = media;
        setStream(media);
      })
      .catch((err) => !cancelled && setError(err));
    return () => {
      cancelled = true;
      opened?.getTracks().forEach((tr) => tr.stop());
    };
  }, [facing]);

  useEffect(() => {
    if (preview.current && stream) preview.current.srcObject = stream;
  }, [stream]);

  // Publish on every (re)join; a camera switch while live swaps the track in place.
  const published = useRef(0);
  useEffect(() => {
    if (!client || status !== 'live' || !stream) return;
    const video = stream.getVideoTracks()[0];
    if (published.current === generation && videoProducerId.current && video) {
      client.replaceTrack(videoProducerId.current, video).catch(setError);
      return;
    }
    published.current = generation;
    client
      .publish(stream.getTracks())
      .then((producers) => {
        videoProducerId.current = producers.find((p) => p.kind === 'video')?.id ?? null;
      })
      .catch(setError);
  }, [client, status, stream, generation]);

  // The officer's voice.
  useEffect(() => {
    if (!client || status !== 'live') return;
    const mine = new Set(client.producers.keys());
    for (const info of producers) {
      if (info.kind !== 'audio' || mine.has(info.producerId) || info.userId === null) continue;
      if ([...client.consumers.values()].some((c) => c.info.producerId === info.producerId)) continue;
      client
        .subscribe(info)
        .then((consumer) => {
          if (officerAudio.current) {
            officerAudio.current.srcObject = new MediaStream([consumer.track]);
            void officerAudio.current.play().catch(() => {});
          }
        })
        .catch(setError);
    }
  }, [client, status, producers, generation]);

  // The verdict, when the officer records it.
  const verdictEvent = timeline.find((e) => e.kind === 'verdict');
  useEffect(() => {
    if (verdictEvent || status === 'closed') api.verdict(sessionId).then(setVerdict, () => {});
  }, [verdictEvent, status, sessionId]);

  const pending = pendingCommands(timeline);
  const current = pending[0];
  const photoRequested = timeline.some((e) => e.kind === 'command' && e.payload.preset === 'upload_photo');

  if (verdict) {
    return (
      <div className="page phone-page">
        <div className="card verdict-card" data-testid="verdict">
          <h1>{t('session.verdictTitle')}</h1>
          <p className="verdict-outcome">
            <VerdictBadge outcome={verdict.outcome} />
          </p>
          {verdict.findings && (
            <p>
              <strong>{t('verdict.findings')}:</strong> {verdict.findings}
            </p>
          )}
          {verdict.followUp && (
            <p>
              <strong>{t('verdict.followUp')}:</strong> {verdict.followUp}
            </p>
          )}
          <p className="muted">{verdict.signatureValid ? t('verdict.signed') : t('verdict.signatureInvalid')}</p>
          <Link to="/enterprise" className="button">
            {t('session.backHome')}
          </Link>
        </div>
      </div>
    );
  }

  return (
    <div className="page phone-page session-phone">
      <div className={`status-line status-${status}`} data-testid="status" data-status={status}>
        {t(`session.status.${status}`)}
      </div>
      <ErrorBanner error={error ?? inspection.error} onClose={() => setError(null)} />

      {current && (
        <div className="command-prompt" role="alertdialog" data-testid="command-prompt">
          <p className="command-label">{t('session.officerAsks')}</p>
          <p className="command-text">{commandText(current.payload, tMaybe)}</p>
          {pending.length > 1 && <p className="muted">{t('session.moreCommands', { n: pending.length - 1 })}</p>}
          <ActionButton className="big" action={() => client!.acknowledge(current.id)} onError={setError} data-testid="acknowledge">
            {t('session.done')}
          </ActionButton>
        </div>
      )}

      <div className="preview-wrap">
        <video ref={preview} className="preview" autoPlay playsInline muted data-testid="preview" />
        <div className="preview-controls">
          <select aria-label={t('session.camera')} value={facing} onChange={(e) => setFacing(e.target.value as Facing)}>
            <option value="environment">{t('session.backCamera')}</option>
            <option value="user">{t('session.frontCamera')}</option>
          </select>
        </div>
      </div>
      <audio ref={officerAudio} autoPlay data-testid="officer-audio" />

      <section className={`card photo-upload${photoRequested ? ' requested' : ''}`}>
        <label className="button secondary">
          {t('session.uploadPhoto')}
          <input
            type="file"
            accept="image/jpeg,image/png"
            capture="environment"
            hidden
            onChange={async (e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (!file) return;
              try {
                await api.uploadPhoto(sessionId, file);
                setUploaded((n) => n + 1);
              } catch (err) {
                setError(err);
              }
            }}
          />
        </label>
        {uploaded > 0 && <span className="muted">{t('session.photosSent', { n: uploaded })}</span>}
      </section>
      <p className="muted small">{t('session.enterpriseHint')}</p>
    </div>
  );
}
