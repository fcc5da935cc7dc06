/**
 * The camera wall of supervised farms, booked or not: every camera the viewer may see (an officer their
 * port's farms, a supervisor all, an enterprise its own), grouped by farm, each tile live with its state
 * (connecting, offline since…), its live count and reads drawn over it, and open alarms; a click enlarges
 * it. Tiles out of view stop receiving.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import type { SupervisedCamera } from '../../api/types.ts';
import { useLiveEvent } from '../../app/live-events.ts';
import { Empty, ErrorBanner, Loading, Modal, useLoad } from '../../components/common.tsx';
import { TrackCache, VideoTile, type VisionResult } from '../../components/VideoTile.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { InspectionClient, type ProducerInfo } from '../../media/inspection-client.ts';
import { useVisionResults } from '../officer/console-state.ts';

/** How often the wall looks again at its cameras' states (pushes cover the port's officers sooner). */
const STATE_REFRESH_MS = 15_000;

export function CameraWall() {
  const { t } = useI18n();
  const cameras = useLoad(() => api.supervisedCameras(), []);
  const { streams, cache, client, error: mediaError } = useWallMedia();
  const vision = useVisionResults(client);
  const [error, setError] = useState<unknown>(null);
  const [enlarged, setEnlarged] = useState<SupervisedCamera | null>(null);
  // A farm's alarm (raised, acknowledged, cleared: a camera going offline or coming back) changes its
  // tile; officers are told at once, and everyone looks again now and then.
  useLiveEvent('alarm:changed', ({ alarm }) => {
    if (!alarm.sessionId) cameras.reload();
  });
  const { reload } = cameras;
  useEffect(() => {
    const timer = setInterval(reload, STATE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const onError = useCallback((err: unknown) => setError(err), []);

  const farms = useMemo(() => {
    const bySite = new Map<string, { name: string; enterprise: string; cameras: SupervisedCamera[] }>();
    for (const c of cameras.data ?? []) {
      const farm = bySite.get(c.siteId) ?? { name: c.siteName, enterprise: c.enterpriseName, cameras: [] };
      farm.cameras.push(c);
      bySite.set(c.siteId, farm);
    }
    return [...bySite.entries()];
  }, [cameras.data]);

  return (
    <div className="page">
      <h1>{t('wall.title')}</h1>
      <ErrorBanner error={error ?? cameras.error ?? mediaError} onClose={() => setError(null)} />
      {cameras.loading && !cameras.data ? <Loading /> : farms.length === 0 ? <Empty>{t('wall.none')}</Empty> : null}
      {farms.map(([siteId, farm]) => (
        <section key={siteId} className="wall-farm" data-testid="wall-farm">
          <h2>
            {farm.name} <span className="muted small">{farm.enterprise}</span>
          </h2>
          <div className="camera-wall">
            {farm.cameras.map((c) => (
              <WallTile key={c.cameraId} camera={c} stream={streams.get(c.cameraId)} vision={vision[c.cameraId]} cache={cache} client={client} onOpen={() => setEnlarged(c)} onError={onError} />
            ))}
          </div>
        </section>
      ))}
      {enlarged && cache && streams.get(enlarged.cameraId) && (
        <Modal title={`${enlarged.siteName} · ${enlarged.name}`} onClose={() => setEnlarged(null)} wide>
          <VideoTile
            cache={cache}
            info={streams.get(enlarged.cameraId)!}
            label={enlarged.name}
            vision={vision[enlarged.cameraId]}
            large
            onError={onError}
            badges={<TileState camera={enlarged} />}
            testId="wall-enlarged"
          />
        </Modal>
      )}
    </div>
  );
}

/** One camera: live while on screen (its stream paused when scrolled away), its state in words. */
function WallTile({
  camera,
  stream,
  vision,
  cache,
  client,
  onOpen,
  onError,
}: {
  camera: SupervisedCamera;
  stream: ProducerInfo | undefined;
  vision: VisionResult[] | undefined;
  cache: TrackCache | null;
  client: InspectionClient | null;
  onOpen: () => void;
  onError: (err: unknown) => void;
}) {
  const { t } = useI18n();
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
        <VideoTile cache={cache} info={stream} label={camera.name} vision={vision} onClick={onOpen} onError={onError} badges={<TileState camera={camera} />} testId="camera-tile" />
      ) : (
        <figure className="tile placeholder">
          <figcaption>
            <span>{camera.name}</span>
            {!camera.live && <span className="camera-state camera-offline">{t('wall.notLive')}</span>}
            <TileState camera={camera} />
          </figcaption>
        </figure>
      )}
    </div>
  );
}

function TileState({ camera }: { camera: SupervisedCamera }) {
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

/**
 * The wall's media: one connection receiving every camera shown, asked again when the wall changes (tiles
 * already playing go on; a new track cache only when the server's wall started afresh).
 */
function useWallMedia() {
  const [client, setClient] = useState<InspectionClient | null>(null);
  const [streams, setStreams] = useState<Map<string, ProducerInfo>>(new Map());
  const [generation, setGeneration] = useState(0);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const wall = new InspectionClient('wall');
    let closed = false;
    const join = async () => {
      try {
        const joined = await wall.joinWall();
        if (closed) return;
        // A tile whose stream did not change keeps its object, so its video element is not restarted.
        setStreams(
          (previous) => new Map(joined.producers.filter((p) => p.cameraId).map((p) => [p.cameraId!, previous.get(p.cameraId!)?.producerId === p.producerId ? previous.get(p.cameraId!)! : p])),
        );
        if (joined.fresh) setGeneration((g) => g + 1);
        setError(null);
      } catch (err) {
        if (!closed) setError(err);
      }
    };
    const offChanged = wall.on('wall:changed', () => void join());
    // A reconnected socket is a new peer on the server: join again.
    wall.socket.on('connect', () => void join());
    setClient(wall);
    return () => {
      closed = true;
      offChanged();
      wall.close();
    };
  }, []);
  const cache = useMemo(() => (client && generation > 0 ? new TrackCache(client, generation) : null), [client, generation]);
  return { streams, cache, client, error };
}
