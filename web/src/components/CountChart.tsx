/** Counts over time for a counting session: one line per camera (median count per sample, min–max band). */
import { useI18n } from '../i18n/index.tsx';
import type { TimelineEventOf } from '../api/types.ts';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const W = 720;
const H = 200;
const PAD = { left: 40, right: 12, top: 12, bottom: 28 };

export function CountChart({ samples, start, end, onSeek }: { samples: Array<TimelineEventOf<'detection'>>; start: number; end: number; onSeek?: (at: number) => void }) {
  const { t, time } = useI18n();
  if (samples.length === 0) return null;
  const byCamera = new Map<string, Array<TimelineEventOf<'detection'>>>();
  for (const s of samples) {
    const name = s.payload.camera || s.payload.cameraId;
    byCamera.set(name, [...(byCamera.get(name) ?? []), s]);
  }
  const maxCount = Math.max(1, ...samples.map((s) => s.payload.max));
  const span = Math.max(1, end - start);
  const x = (at: number) => PAD.left + ((at - start) / span) * (W - PAD.left - PAD.right);
  const y = (n: number) => H - PAD.bottom - (n / maxCount) * (H - PAD.top - PAD.bottom);
  const ticks = [0, Math.round(maxCount / 2), maxCount];
  return (
    <figure className="chart" data-testid="count-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('player.countChart')}>
        {ticks.map((n) => (
          <g key={n}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(n)} y2={y(n)} className="grid" />
            <text x={PAD.left - 6} y={y(n) + 4} textAnchor="end" className="axis">
              {n}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={H - 8} className="axis">
          {time(new Date(start))}
        </text>
        <text x={W - PAD.right} y={H - 8} textAnchor="end" className="axis">
          {time(new Date(end))}
        </text>
        {[...byCamera.entries()].map(([name, list], i) => {
          const colour = COLOURS[i % COLOURS.length];
          const at = (e: { at: string }) => new Date(e.at).getTime();
          const band = [...list.map((e) => `${x(at(e))},${y(e.payload.max)}`), ...[...list].reverse().map((e) => `${x(at(e))},${y(e.payload.min)}`)].join(' ');
          return (
            <g key={name}>
              <polygon points={band} fill={colour} opacity={0.15} />
              <polyline points={list.map((e) => `${x(at(e))},${y(e.payload.count)}`).join(' ')} fill="none" stroke={colour} strokeWidth={2} />
              {list.map((e) => (
                <circle key={e.id} cx={x(at(e))} cy={y(e.payload.count)} r={3} fill={colour} onClick={() => onSeek?.(at(e))}>
                  <title>{`${name} ${time(e.at)}: ${String(e.payload.count)}`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {[...byCamera.keys()].map((name, i) => (
          <span key={name} className="legend">
            <i style={{ background: COLOURS[i % COLOURS.length] }} /> {name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
