/**
 * The camera wall's media, shared by the wall and the loading record page: one connection receiving every
 * supervised camera the viewer may see, and a tile per camera that receives only while on screen.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { SupervisedCamera } from '../../api/types.ts';
import { TrackCache, VideoTile, type CountingLine, type VisionResult } from '../../components/VideoTile.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { InspectionClient, type ProducerInfo } from '../../media/inspection-client.ts';
import { failedInPassing, rejoinDelayMs } from '../../media/rejoin.ts';

/** One camera: live while on screen (its stream paused when scrolled away), its state in words. */
export function WallTile({
  camera,
  stream,
  vision,
  cache,
  client,
  onOpen,
  onError,
  countingLine,
  onPicturePoint,
}: {
  camera: SupervisedCamera;
  stream: ProducerInfo | undefined;
  vision: VisionResult[] | undefined;
  cache: TrackCache | null;
  client: InspectionClient | null;
  onOpen: () => void;
  onError: (err: unknown) => void;
  /** Drawn over the picture (a loading record's deck line). */
  countingLine?: CountingLine;
  /** While a line is being placed: clicks give picture points. */
  onPicturePoint?: (point: [number, number]) => void;
}) {
  const { t, dateTime } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new IntersectionObserver(([entry]) => {
      const visible = entry?.isIntersecting ?? false;
      if (visible) setSeen(true);
      // Only what is on screen costs bandwidth and decoding.
      if (stream && client) void client.setReceiving(stream.producerId, visible).catch(() => {});
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [stream, client]);
  return (
    <div ref={box} className="wall-tile" data-testid="wall-tile" data-camera={camera.cameraId} data-online={camera.online}>
      {stream && cache && seen ? (
        <VideoTile
          cache={cache}
          info={stream}
          label={camera.name}
          vision={vision}
          onClick={onOpen}
          onError={onError}
          badges={<TileState camera={camera} />}
          testId="camera-tile"
          countingLine={countingLine}
          onPicturePoint={onPicturePoint}
        />
      ) : (
        <figure className="tile placeholder">
          <figcaption>
            <span>{camera.name}</span>
            {!camera.onSchedule ? (
              <span className="camera-state" data-testid="off-schedule">
                {camera.scheduleChangeAt ? t('wall.offScheduleUntil', { time: dateTime(camera.scheduleChangeAt) }) : t('wall.offSchedule')}
              </span>
            ) : !camera.liveView ? (
              <span className="camera-state" data-testid="live-view-off">
                {t('wall.liveViewOff')}
              </span>
            ) : (
              !camera.live && <span className="camera-state camera-offline">{t('wall.notLive')}</span>
            )}
            <TileState camera={camera} />
          </figcaption>
        </figure>
      )}
    </div>
  );
}

export function TileState({ camera }: { camera: SupervisedCamera }) {
  const { t, clock } = useI18n();
  return (
    <>
      {camera.offlineSince && (
        <span className="camera-state camera-offline" data-testid="camera-state" data-state="offline">
          {t('camera.offlineSince', { time: clock(camera.offlineSince) })}
        </span>
      )}
      {camera.openAlarms > 0 && <span className="alarm-badge">{t('console.alarmsBadge', { n: camera.openAlarms })}</span>}
    </>
  );
}

/** A camera's streams on the wall: its sub-stream for the tile, its main stream full size (one stream: both). */
export interface CameraStreams {
  tile: ProducerInfo;
  full: ProducerInfo;
}

/** Groups the wall's streams by camera, keeping the objects of those unchanged (their video elements go on). */
function byCamera(producers: ProducerInfo[], previous: Map<string, CameraStreams>): Map<string, CameraStreams> {
  const next = new Map<string, CameraStreams>();
  for (const cameraId of new Set(producers.flatMap((p) => (p.cameraId ? [p.cameraId] : [])))) {
    const own = producers.filter((p) => p.cameraId === cameraId);
    const full = own.find((p) => p.input !== 'sub') ?? own[0]!;
    const tile = own.find((p) => p.input === 'sub') ?? full;
    const before = previous.get(cameraId);
    next.set(cameraId, before && before.tile.producerId === tile.producerId && before.full.producerId === full.producerId ? before : { tile, full });
  }
  return next;
}

/**
 * The wall's media: one connection receiving every camera shown, asked again when the wall changes (tiles
 * already playing go on; a new track cache only when the server's wall started afresh).
 */
export function useWallMedia() {
  const [client, setClient] = useState<InspectionClient | null>(null);
  const [streams, setStreams] = useState<Map<string, CameraStreams>>(new Map());
  const [generation, setGeneration] = useState(0);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const wall = new InspectionClient('wall');
    let closed = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const join = async () => {
      clearTimeout(retry);
      try {
        const joined = await wall.joinWall();
        if (closed) return;
        failures = 0;
        // A tile whose stream did not change keeps its object, so its video element is not restarted.
        setStreams((previous) => byCamera(joined.producers, previous));
        if (joined.fresh) setGeneration((g) => g + 1);
        setError(null);
      } catch (err) {
        if (closed) return;
        if (failedInPassing(err) && wall.socket.connected) retry = setTimeout(() => void join(), rejoinDelayMs(failures++));
        else setError(err);
      }
    };
    const offChanged = wall.on('wall:changed', () => void join());
    // A reconnected socket is a new peer on the server: join again.
    wall.socket.on('connect', () => void join());
    setClient(wall);
    return () => {
      closed = true;
      clearTimeout(retry);
      offChanged();
      wall.close();
    };
  }, []);
  const cache = useMemo(() => (client && generation > 0 ? new TrackCache(client, generation) : null), [client, generation]);
  return { streams, cache, client, error };
}
