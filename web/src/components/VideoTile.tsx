/**
 * One received video stream, with the live detections of its camera drawn over it: a point per counted
 * animal with the running count, a box and the text of each plate or seal read.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import type { InspectionClient, ProducerInfo } from '../media/inspection-client.ts';

export interface VisionResult {
  cameraId: string;
  task: 'count' | 'plate' | 'seal';
  width: number;
  height: number;
  capturedAt: string;
  count?: number;
  points?: Array<[number, number]>;
  results?: Array<{ text: string; confidence: number; box: [number, number, number, number] }>;
}

/** Subscribes to each producer once per join; tiles showing the same stream share its track. */
export class TrackCache {
  private readonly tracks = new Map<string, Promise<MediaStreamTrack>>();
  constructor(
    private readonly client: InspectionClient,
    readonly generation: number,
  ) {}

  track(info: ProducerInfo): Promise<MediaStreamTrack> {
    let track = this.tracks.get(info.producerId);
    if (!track) {
      track = this.client.subscribe(info).then((c) => c.track);
      track.catch(() => this.tracks.delete(info.producerId));
      this.tracks.set(info.producerId, track);
    }
    return track;
  }
}

/** A counting line, its ends in fractions of the picture (0-1). */
export interface CountingLine {
  a: [number, number];
  b: [number, number];
}

/** Detections older than this are not drawn: the picture has moved on. */
const STALE_MS = 2500;

export function VideoTile({
  cache,
  info,
  vision,
  label,
  badges,
  onClick,
  onError,
  large,
  testId,
  countingLine,
  onPicturePoint,
}: {
  cache: TrackCache;
  info: ProducerInfo;
  vision?: VisionResult[];
  label: string;
  badges?: ReactNode;
  onClick?: () => void;
  onError: (err: unknown) => void;
  large?: boolean;
  testId?: string;
  /** Drawn over the picture where animals are counted crossing it. */
  countingLine?: CountingLine;
  /** When set, a click on the picture gives its point in picture fractions (drawing a line) instead of onClick. */
  onPicturePoint?: (point: [number, number]) => void;
}) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  // Until its first frame plays, a tile says it is connecting rather than showing black.
  const [playing, setPlaying] = useState(false);

  useEffect(() => {
    let cancelled = false;
    cache.track(info).then(
      (track) => {
        if (cancelled || !video.current) return;
        video.current.srcObject = new MediaStream([track]);
        void video.current.play().catch(() => {});
      },
      (err) => !cancelled && onError(err),
    );
    return () => {
      cancelled = true;
    };
  }, [cache, info, onError]);

  useEffect(() => {
    const c = canvas.current;
    const v = video.current;
    if (!c || !v) return;
    const draw = () => {
      const w = (c.width = c.clientWidth * devicePixelRatio);
      const h = (c.height = c.clientHeight * devicePixelRatio);
      const ctx = c.getContext('2d');
      if (!ctx) return;
      ctx.clearRect(0, 0, w, h);
      // Where the picture is inside the element (object-fit: contain letterboxes it).
      const vw = v.videoWidth || 16;
      const vh = v.videoHeight || 9;
      const scale = Math.min(w / vw, h / vh);
      const ox = (w - vw * scale) / 2;
      const oy = (h - vh * scale) / 2;
      if (countingLine) {
        ctx.strokeStyle = 'rgba(255, 64, 64, 0.95)';
        ctx.lineWidth = 3 * devicePixelRatio;
        ctx.setLineDash([10 * devicePixelRatio, 6 * devicePixelRatio]);
        ctx.beginPath();
        ctx.moveTo(ox + countingLine.a[0] * vw * scale, oy + countingLine.a[1] * vh * scale);
        ctx.lineTo(ox + countingLine.b[0] * vw * scale, oy + countingLine.b[1] * vh * scale);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      const now = Date.now();
      for (const r of vision ?? []) {
        if (now - new Date(r.capturedAt).getTime() > STALE_MS) continue;
        const sx = (vw * scale) / r.width;
        const sy = (vh * scale) / r.height;
        if (r.task === 'count' && r.points) {
          ctx.fillStyle = 'rgba(255, 214, 0, 0.9)';
          ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)';
          for (const [x, y] of r.points) {
            ctx.beginPath();
            ctx.arc(ox + x * sx, oy + y * sy, 5 * devicePixelRatio, 0, Math.PI * 2);
            ctx.fill();
            ctx.stroke();
          }
        }
        for (const read of r.results ?? []) {
          const [x, y, bw, bh] = read.box;
          ctx.strokeStyle = r.task === 'plate' ? '#00e0ff' : '#7CFF6B';
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.strokeRect(ox + x * sx, oy + y * sy, bw * sx, bh * sy);
          ctx.font = `${14 * devicePixelRatio}px sans-serif`;
          const text = `${read.text} ${Math.round(read.confidence * 100)}%`;
          const tw = ctx.measureText(text).width;
          ctx.fillStyle = 'rgba(0,0,0,0.7)';
          ctx.fillRect(ox + x * sx, oy + y * sy - 20 * devicePixelRatio, tw + 8, 20 * devicePixelRatio);
          ctx.fillStyle = '#fff';
          ctx.fillText(text, ox + x * sx + 4, oy + y * sy - 5 * devicePixelRatio);
        }
      }
    };
    draw();
    const timer = setInterval(draw, 500);
    return () => clearInterval(timer);
  }, [vision, countingLine]);

  /** Where a click fell on the picture itself (the element letterboxes it), in fractions; null outside it. */
  const pictureFraction = (clientX: number, clientY: number): [number, number] | null => {
    const v = video.current;
    if (!v) return null;
    const box = v.getBoundingClientRect();
    const vw = v.videoWidth || 16;
    const vh = v.videoHeight || 9;
    const scale = Math.min(box.width / vw, box.height / vh);
    const x = (clientX - box.left - (box.width - vw * scale) / 2) / (vw * scale);
    const y = (clientY - box.top - (box.height - vh * scale) / 2) / (vh * scale);
    return x < 0 || x > 1 || y < 0 || y > 1 ? null : [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000];
  };

  const count = vision?.find((r) => r.task === 'count');
  return (
    <figure
      className={`tile${large ? ' tile-large' : ''}${onClick || onPicturePoint ? ' clickable' : ''}${onPicturePoint ? ' drawing' : ''}`}
      onClick={(e) => {
        if (!onPicturePoint) return onClick?.();
        const point = pictureFraction(e.clientX, e.clientY);
        if (point) onPicturePoint(point);
      }}
      data-testid={testId}
      data-producer={info.producerId}
      data-camera={info.cameraId ?? undefined}
    >
      <video ref={video} autoPlay playsInline muted onPlaying={() => setPlaying(true)} onEmptied={() => setPlaying(false)} />
      <canvas ref={canvas} className="overlay" />
      <figcaption>
        <span>{label}</span>
        {!playing && (
          <span className="camera-state camera-connecting" data-testid="tile-connecting">
            {t('camera.connecting')}
          </span>
        )}
        {count?.count !== undefined && (
          <span className="count-badge" data-testid="live-count">
            {count.count}
          </span>
        )}
        {badges}
      </figcaption>
    </figure>
  );
}
