/**
 * Zones drawn over a still of the camera: click the picture to place corners, name the zone, say what it
 * is (isolation pen, loading bay, counting zone, motion mask) and save. Corners are kept in fractions of
 * the picture, so the zones hold for the camera's main stream and sub-stream alike.
 */
import { useEffect, useState, type MouseEvent } from 'react';
import { api } from '../../api/client.ts';
import { ZONE_KINDS, type Camera, type CameraZone, type ZoneKind } from '../../api/types.ts';
import { ActionButton, ErrorBanner, Modal, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

type Point = [number, number];
const MAX_POINTS = 32;

export function ZoneEditor({ camera, onClose }: { camera: Camera; onClose: () => void }) {
  const { t } = useI18n();
  // A supervised camera's live picture; else one frame opened from its source (the admin's camera test).
  const still = useLoad(async () => URL.createObjectURL(await api.cameraLiveStill(camera.id).catch(() => api.cameraPreview(camera.id))), [camera.id]);
  const zones = useLoad(() => api.zones(camera.id), [camera.id]);
  const [draft, setDraft] = useState<Point[]>([]);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ZoneKind>('isolation_pen');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const url = still.data;
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [still.data]);

  const place = (e: MouseEvent<SVGSVGElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const point: Point = [round((e.clientX - box.left) / box.width), round((e.clientY - box.top) / box.height)];
    setDraft((d) => (d.length < MAX_POINTS ? [...d, point] : d));
  };
  const save = async () => {
    await api.createZone(camera.id, { name: name.trim(), kind, polygon: draft });
    setDraft([]);
    setName('');
    zones.reload();
  };

  return (
    <Modal title={t('zones.title', { name: camera.name })} onClose={onClose} wide>
      <ErrorBanner error={error ?? still.error ?? zones.error} onClose={() => setError(null)} />
      <p className="muted small">{t('zones.hint')}</p>
      <div className="zone-canvas">
        {still.data ? <img src={still.data} alt={camera.name} data-testid="zone-still" /> : <div className="tile placeholder">{t('admin.previewWaiting')}</div>}
        <svg viewBox="0 0 1 1" preserveAspectRatio="none" onClick={place} data-testid="zone-canvas" aria-label={t('zones.canvas')}>
          {(zones.data ?? []).map((z) => (
            <polygon key={z.id} className={`zone zone-${z.kind}`} points={z.polygon.map((p) => p.join(',')).join(' ')} />
          ))}
          {draft.length > 0 && <polyline className="zone zone-draft" points={[...draft, draft[0]!].map((p) => p.join(',')).join(' ')} />}
          {draft.map((p, i) => (
            <circle key={`${p[0]}-${p[1]}-${i}`} className="zone-corner" cx={p[0]} cy={p[1]} r={0.008} />
          ))}
        </svg>
      </div>
      <div className="inline-form">
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder={t('zones.name')} maxLength={100} data-testid="zone-name" />
        <select value={kind} onChange={(e) => setKind(e.target.value as ZoneKind)} data-testid="zone-kind">
          {ZONE_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`zones.kind.${k}`)}
            </option>
          ))}
        </select>
        <ActionButton action={save} onError={setError} disabled={draft.length < 3 || name.trim() === ''} data-testid="zone-save">
          {t('zones.save', { n: draft.length })}
        </ActionButton>
        <button type="button" className="secondary" onClick={() => setDraft([])} disabled={draft.length === 0}>
          {t('zones.clear')}
        </button>
      </div>
      <ul className="zone-list">
        {(zones.data ?? []).map((z: CameraZone) => (
          <li key={z.id} data-testid="zone">
            <span className={`zone-swatch zone-${z.kind}`} /> {z.name} <span className="muted small">{t(`zones.kind.${z.kind as ZoneKind}`)}</span>{' '}
            <ActionButton className="secondary" action={() => api.deleteZone(camera.id, z.id).then(zones.reload)} onError={setError}>
              {t('admin.delete')}
            </ActionButton>
          </li>
        ))}
      </ul>
    </Modal>
  );
}

const round = (n: number) => Math.min(1, Math.max(0, Math.round(n * 1000) / 1000));
