/**
 * The camera wall of supervised farms, booked or not: every camera the viewer may see (an officer their
 * port's farms, a supervisor all, an enterprise its own), grouped by farm, each tile live with its state
 * (connecting, offline since…), its live count and reads drawn over it, and open alarms; a click enlarges
 * it. Tiles out of view stop receiving.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api } from '../../api/client.ts';
import type { SupervisedCamera } from '../../api/types.ts';
import { useLiveEvent } from '../../app/live-events.ts';
import { Empty, ErrorBanner, Loading, Modal, useLoad } from '../../components/common.tsx';
import { VideoTile } from '../../components/VideoTile.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useVisionResults } from '../../components/vision-results.ts';
import { CorrectButtons } from '../../components/CorrectionEditor.tsx';
import { useAuth } from '../../app/auth.tsx';
import { TileState, useWallMedia, WallTile } from './wall-media.tsx';

/** How often the wall looks again at its cameras' states (pushes cover the port's officers sooner). */
const STATE_REFRESH_MS = 15_000;

export function CameraWall() {
  const { t } = useI18n();
  const { user } = useAuth();
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
  // Opened full size: the camera's main stream is received only while the dialog is open.
  const full = enlarged ? streams.get(enlarged.cameraId) : undefined;
  useEffect(() => {
    if (!full || !client || full.full.producerId === full.tile.producerId) return;
    const { producerId } = full.full;
    void client.setReceiving(producerId, true).catch(() => {});
    return () => void client.setReceiving(producerId, false).catch(() => {});
  }, [full, client]);

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
              <WallTile key={c.cameraId} camera={c} stream={streams.get(c.cameraId)?.tile} vision={vision[c.cameraId]} cache={cache} client={client} onOpen={() => setEnlarged(c)} onError={onError} />
            ))}
          </div>
        </section>
      ))}
      {enlarged && cache && full && (
        <Modal title={`${enlarged.siteName} · ${enlarged.name}`} onClose={() => setEnlarged(null)} wide>
          <VideoTile cache={cache} info={full.full} label={enlarged.name} vision={vision[enlarged.cameraId]} large onError={onError} badges={<TileState camera={enlarged} />} testId="wall-enlarged" />
          {(user?.role === 'officer' || user?.role === 'supervisor') && (
            <div className="actions">
              <CorrectButtons cameraId={enlarged.cameraId} camera={enlarged.name} tasks={(vision[enlarged.cameraId] ?? []).map((r) => r.task)} sessionId={null} />
            </div>
          )}
        </Modal>
      )}
    </div>
  );
}
