/**
 * One loading record, live and archived: the farm's cameras (with the deck's counting line), what is
 * expected against what was read and counted, the checklist (each tick keeps a still of the camera chosen),
 * notes, per-deck counting, the decision, and once sealed its verification. The timeline comes by push.
 */
import { useCallback, useState } from 'react';
import { api, mediaUrl } from '../../api/client.ts';
import { LOADING_CHECKS, type LoadingEvent, type LoadingVerification } from '../../api/types.ts';
import { useAuth } from '../../app/auth.tsx';
import { useLiveEvent } from '../../app/live-events.ts';
import { Link } from '../../app/router.tsx';
import { ActionButton, ErrorBanner, Loading, useLoad } from '../../components/common.tsx';
import type { CountingLine } from '../../components/VideoTile.tsx';
import { useVisionResults } from '../../components/vision-results.ts';
import { useI18n, type Translate } from '../../i18n/index.tsx';
import { useWallMedia, WallTile } from '../supervision/wall-media.tsx';

const DEFAULT_LINE: CountingLine = { a: [0.05, 0.5], b: [0.95, 0.5] };

export function LoadingRecordPage({ recordId }: { recordId: string }) {
  const { t, tMaybe, dateTime, clock } = useI18n();
  const { user: principal } = useAuth();
  const loaded = useLoad(() => api.loadingRecord(recordId), [recordId]);
  const [error, setError] = useState<unknown>(null);
  const onError = useCallback((err: unknown) => setError(err), []);
  const { reload } = loaded;
  useLiveEvent('loading:event', (pushed) => {
    if (pushed.recordId === recordId) reload();
  });
  const [liveDeck, setLiveDeck] = useState<{ net: number } | null>(null);
  useLiveEvent('vision:batch', (b) => {
    if (b.batchId.startsWith(`${recordId}:deck:`)) setLiveDeck({ net: b.net });
  });
  const record = loaded.data?.record;
  const isOpen = record?.status === 'open';
  const conducts = isOpen && principal?.role === 'officer';
  const cameras = useLoad(() => api.supervisedCameras(), []);
  const farmCameras = (cameras.data ?? []).filter((c) => c.siteId === record?.siteId);
  const { streams, cache, client } = useWallMedia();
  const vision = useVisionResults(client);
  const [stillCamera, setStillCamera] = useState('');
  const [deckCamera, setDeckCamera] = useState('');
  const [line, setLine] = useState<CountingLine>(DEFAULT_LINE);
  const [placing, setPlacing] = useState<[number, number] | null | 'first'>(null);
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [verification, setVerification] = useState<LoadingVerification | null>(null);

  if (!record) return <div className="page">{loaded.error ? <ErrorBanner error={loaded.error} /> : <Loading />}</div>;
  const events = loaded.data!.events;
  const counting = farmCameras.filter((c) => c.analysis.includes('count'));
  const shownLine = (record.openDeck?.line as CountingLine | undefined) ?? line;
  const deckCameraId = record.openDeck?.cameraId ?? (deckCamera || counting[0]?.cameraId);
  const placePoint = (point: [number, number]) => {
    if (placing === 'first') return setPlacing(point);
    if (placing && Math.hypot(point[0] - placing[0], point[1] - placing[1]) > 0.05) {
      setLine({ a: placing, b: point });
      setPlacing(null);
    }
  };
  const liveTotal = record.counted + (record.openDeck ? (liveDeck?.net ?? 0) : 0);

  return (
    <div className="page loading-record" data-testid="loading-record" data-status={record.status}>
      <p>
        <Link to="/loading">← {t('loading.title')}</Link>
      </p>
      <h1>
        {t('loading.recordTitle', { number: record.declarationNumber })} <span className={`status status-${record.status}`}>{t(`loading.status.${record.status}`)}</span>
        {record.sealed && <span className="muted small"> · {t('loading.sealed')}</span>}
      </h1>
      <ErrorBanner error={error ?? cameras.error} onClose={() => setError(null)} />
      <dl className="facts">
        <dt>{t('loading.farm')}</dt>
        <dd>
          {record.siteName} <span className="muted small">{record.enterpriseName}</span>
        </dd>
        <dt>{t('loading.goods')}</dt>
        <dd>{record.goodsDescription}</dd>
        <dt>{t('loading.vehicle')}</dt>
        <dd data-testid="loading-vehicle">
          {record.expectedPlate ?? '—'}{' '}
          {record.matchedPlate ? <span className="ok">{t('loading.plateMatched', { plate: record.matchedPlate })}</span> : <span className="muted">{t('loading.plateNotYet')}</span>}
        </dd>
        <dt>{t('loading.counted')}</dt>
        <dd data-testid="loading-counted" className={liveTotal === record.declaredQuantity ? 'ok' : ''}>
          {t('loading.countedOf', { counted: liveTotal, declared: record.declaredQuantity, unit: tMaybe(`unit.${record.quantityUnit.toLowerCase()}`) ?? record.quantityUnit })}
        </dd>
        <dt>{t('loading.seals')}</dt>
        <dd data-testid="loading-seals">
          {record.declaredSeals.map((s) => (
            <span key={s} className={record.sealsMatched.includes(s) ? 'seal seal-matched' : 'seal'}>
              {s} {record.sealsMatched.includes(s) ? '✓' : ''}
            </span>
          ))}
        </dd>
        <dt>{t('loading.openedAt')}</dt>
        <dd>
          {dateTime(record.openedAt)} · {record.openedByName}
        </dd>
        {record.decidedAt && (
          <>
            <dt>{t('loading.decision')}</dt>
            <dd data-testid="loading-decision">
              {t(`loading.status.${record.status}`)} · {record.decidedByName} · {dateTime(record.decidedAt)}
              {record.reason && <div className="muted">{record.reason}</div>}
            </dd>
          </>
        )}
      </dl>

      {isOpen && (
        <section>
          <h2>{t('loading.cameras')}</h2>
          <div className="camera-wall">
            {farmCameras.map((c) => (
              <WallTile
                key={c.cameraId}
                camera={c}
                stream={streams.get(c.cameraId)?.tile}
                vision={vision[c.cameraId]}
                cache={cache}
                client={client}
                onOpen={() => {}}
                onError={onError}
                countingLine={c.cameraId === deckCameraId ? shownLine : undefined}
                onPicturePoint={placing && c.cameraId === deckCameraId ? placePoint : undefined}
              />
            ))}
          </div>
        </section>
      )}

      <div className="columns">
        <section>
          <h2>{t('loading.checklist')}</h2>
          {conducts && farmCameras.length > 0 && (
            <label>
              {t('loading.stillOf')}
              <select name="stillCamera" value={stillCamera} onChange={(e) => setStillCamera(e.target.value)}>
                <option value="">{t('loading.noStill')}</option>
                {farmCameras.map((c) => (
                  <option key={c.cameraId} value={c.cameraId}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <ul className="checklist">
            {LOADING_CHECKS.map((item) => {
              const done = events.find((e): e is Extract<LoadingEvent, { kind: 'check' }> => e.kind === 'check' && e.payload.item === item);
              return (
                <li key={item} data-testid="loading-check" data-item={item} data-done={Boolean(done)}>
                  {done ? '☑' : '☐'} {t(`loading.check.${item}`)}
                  {done && <span className="muted small"> · {clock(done.at)}</span>}
                  {done?.payload.still && (
                    <a href={mediaUrl.loadingStill(record.id, done.id)} target="_blank" rel="noreferrer">
                      <img className="still-thumb" src={mediaUrl.loadingStill(record.id, done.id)} alt={done.payload.still.camera} />
                    </a>
                  )}
                  {!done && conducts && (
                    <ActionButton className="secondary small" onError={onError} action={() => api.tickLoadingCheck(record.id, { item, cameraId: stillCamera || undefined })}>
                      {t('loading.tick')}
                    </ActionButton>
                  )}
                </li>
              );
            })}
          </ul>

          <h2>{t('loading.decks')}</h2>
          <ul>
            {events
              .filter((e): e is Extract<LoadingEvent, { kind: 'deck_closed' }> => e.kind === 'deck_closed')
              .map((e) => (
                <li key={e.id} className={e.payload.interrupted ? 'alarm-text' : undefined}>
                  {t(e.payload.interrupted ? 'loading.deckInterrupted' : 'loading.deckCounted', { deck: e.payload.deck, net: e.payload.net })}
                </li>
              ))}
            {record.openDeck && <li data-testid="open-deck">{t('loading.deckCounting', { deck: record.openDeck.deck, net: liveDeck?.net ?? 0 })}</li>}
          </ul>
          {conducts &&
            (record.openDeck ? (
              <ActionButton onError={onError} action={() => api.closeDeck(record.id).then(() => setLiveDeck(null))}>
                {t('loading.closeDeck')}
              </ActionButton>
            ) : counting.length > 0 ? (
              <div className="form-row">
                <select name="deckCamera" value={deckCameraId ?? ''} onChange={(e) => setDeckCamera(e.target.value)}>
                  {counting.map((c) => (
                    <option key={c.cameraId} value={c.cameraId}>
                      {c.name}
                    </option>
                  ))}
                </select>
                <button type="button" className="secondary" onClick={() => setPlacing(placing ? null : 'first')}>
                  {placing ? t('loading.placingLine') : t('loading.drawLine')}
                </button>
                <ActionButton onError={onError} disabled={!deckCameraId} action={() => api.openDeck(record.id, { cameraId: deckCameraId!, line })}>
                  {t('loading.openDeck')}
                </ActionButton>
              </div>
            ) : (
              <p className="muted">{t('loading.noCountingCamera')}</p>
            ))}

          {conducts && (
            <>
              <h2>{t('loading.notes')}</h2>
              <textarea name="note" value={note} onChange={(e) => setNote(e.target.value)} rows={3} placeholder={t('loading.notePlaceholder')} />
              <ActionButton disabled={!note.trim()} onError={onError} action={() => api.addLoadingNote(record.id, note).then(() => setNote(''))}>
                {t('loading.addNote')}
              </ActionButton>
              <h2>{t('loading.decision')}</h2>
              <textarea name="reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={2} placeholder={t('loading.reasonPlaceholder')} />
              <div className="form-row">
                <ActionButton onError={onError} action={() => api.decideLoading(record.id, { decision: 'release', reason })}>
                  {t('loading.release')}
                </ActionButton>
                <ActionButton className="secondary danger" onError={onError} action={() => api.decideLoading(record.id, { decision: 'hold', reason })}>
                  {t('loading.hold')}
                </ActionButton>
              </div>
            </>
          )}
          {record.sealed && (
            <>
              <h2>{t('loading.verification')}</h2>
              <ActionButton onError={onError} action={() => api.verifyLoading(record.id).then(setVerification)}>
                {t('loading.verify')}
              </ActionButton>
              {verification && (
                <div data-testid="loading-verification" className={verification.ok ? 'ok' : 'alarm-text'}>
                  {verification.ok ? t('loading.verifiedOk', { n: verification.checkedArtefacts }) : t('loading.verifiedProblems', { n: verification.problems.length })}
                  <ul>
                    {verification.problems.map((p) => (
                      <li key={`${p.item}:${p.problem}`}>
                        {p.item}: {t(`loading.problem.${p.problem === 'missing' || p.problem === 'added' || p.problem === 'signature_invalid' ? p.problem : 'changed'}`)}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </>
          )}
        </section>

        <section>
          <h2>{t('loading.timeline')}</h2>
          <ol className="timeline" data-testid="loading-timeline">
            {[...events].reverse().map((e) => (
              <li key={e.id} className={`tl tl-${e.kind}`} data-kind={e.kind}>
                <time>{clock(e.at)}</time> {describeLoadingEvent(e, t)}
              </li>
            ))}
          </ol>
        </section>
      </div>
    </div>
  );
}

function describeLoadingEvent(e: LoadingEvent, t: Translate): string {
  switch (e.kind) {
    case 'opened':
      return t('loading.event.opened', { number: e.payload.declarationNumber });
    case 'vehicle':
      if (e.payload.matched && e.payload.vehicle && (e.payload.corrections ?? 0) > 0)
        return t('loading.event.vehicleCorrected', { plate: e.payload.plate, camera: e.payload.camera, vehicle: e.payload.vehicle, n: e.payload.corrections ?? 0 });
      return t(e.payload.matched ? 'loading.event.vehicleMatched' : 'loading.event.vehicleOther', { plate: e.payload.plate, camera: e.payload.camera });
    case 'check':
      return t('loading.event.check', { item: t(`loading.check.${e.payload.item}`) });
    case 'note':
      return t('loading.event.note', { text: e.payload.text });
    case 'deck_opened':
      return t('loading.event.deckOpened', { deck: e.payload.deck, camera: e.payload.camera });
    case 'deck_closed':
      return t(e.payload.interrupted ? 'loading.deckInterrupted' : 'loading.deckCounted', { deck: e.payload.deck, net: e.payload.net });
    case 'seal':
      if (e.payload.declared && e.payload.corrections > 0) return t('loading.event.sealCorrected', { seal: e.payload.seal, camera: e.payload.camera, declared: e.payload.declared });
      return t(e.payload.matched ? 'loading.event.sealMatched' : 'loading.event.sealOther', { seal: e.payload.seal, camera: e.payload.camera });
    case 'alarm':
      return t('loading.event.alarm', { rule: t(`rule.${e.payload.rule}` as never) });
    case 'decision':
      return t(`loading.event.${e.payload.decision}`, { counted: e.payload.counted, declared: e.payload.declared });
  }
}
