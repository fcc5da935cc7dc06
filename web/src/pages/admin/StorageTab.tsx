/**
 * This node's disk and the camera footage on it, farm by farm: how full the disk is against the mark past
 * which the oldest footage is deleted, what the last deletion took, and each camera's footage (size, span).
 */
import { useMemo } from 'react';
import { api } from '../../api/client.ts';
import type { Storage } from '../../api/types.ts';
import { ErrorBanner, Loading, useLoad } from '../../components/common.tsx';
import { useI18n } from '../../i18n/index.tsx';

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

function bytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${UNITS[unit]}`;
}

export function StorageTab() {
  const { t, dateTime } = useI18n();
  const storage = useLoad(() => api.storage(), []);
  const farms = useMemo(() => {
    const bySite = new Map<string, { site: string; enterprise: string; bytes: number; cameras: Storage['cameras'] }>();
    for (const c of storage.data?.cameras ?? []) {
      const farm = bySite.get(c.siteId) ?? { site: c.site, enterprise: c.enterprise, bytes: 0, cameras: [] };
      farm.bytes += c.bytes;
      farm.cameras.push(c);
      bySite.set(c.siteId, farm);
    }
    return [...bySite.values()];
  }, [storage.data]);
  if (!storage.data) return storage.error ? <ErrorBanner error={storage.error} /> : <Loading />;
  const { disk } = storage.data;
  const used = disk.totalBytes - disk.freeBytes;
  return (
    <section data-testid="storage">
      <h2>{t('storage.disk')}</h2>
      <div className="meter" title={`${Math.round(disk.usedPercent)} %`}>
        <div className={`meter-fill${disk.usedPercent > disk.maxUsedPercent ? ' meter-over' : ''}`} style={{ width: `${Math.min(100, disk.usedPercent)}%` }} />
        <div className="meter-mark" style={{ left: `${disk.maxUsedPercent}%` }} title={t('storage.mark', { percent: disk.maxUsedPercent })} />
      </div>
      <p>{t('storage.used', { used: bytes(used), total: bytes(disk.totalBytes), percent: Math.round(disk.usedPercent), mark: disk.maxUsedPercent })}</p>
      {disk.pressureSince && (
        <p className="banner banner-error" data-testid="storage-pressure">
          {t('storage.pressure', { time: dateTime(disk.pressureSince) })}
        </p>
      )}
      {disk.lastFreed && <p className="muted small">{t('storage.lastFreed', { time: dateTime(disk.lastFreed.at), n: disk.lastFreed.segments, size: bytes(disk.lastFreed.bytes) })}</p>}
      <h2>{t('storage.footage')}</h2>
      <table className="table">
        <thead>
          <tr>
            <th>{t('admin.site')}</th>
            <th>{t('storage.camera')}</th>
            <th>{t('storage.size')}</th>
            <th>{t('storage.span')}</th>
          </tr>
        </thead>
        <tbody>
          {farms.flatMap((farm) => [
            <tr key={farm.site} className="group-row">
              <td colSpan={2}>
                <strong>{farm.site}</strong> <span className="muted small">{farm.enterprise}</span>
              </td>
              <td>
                <strong>{bytes(farm.bytes)}</strong>
              </td>
              <td />
            </tr>,
            ...farm.cameras.map((c) => (
              <tr key={c.cameraId} data-testid="storage-camera">
                <td />
                <td>{c.camera}</td>
                <td>{bytes(c.bytes)}</td>
                <td className="muted small">{c.oldest && c.newest ? `${dateTime(c.oldest)} – ${dateTime(c.newest)}` : '—'}</td>
              </tr>
            )),
          ])}
        </tbody>
      </table>
    </section>
  );
}
