/**
 * One received video stream, with the live detections of its camera drawn over it: a point per counted
 * animal with the running count, a box and the text of each plate or seal read.
 */
import { useEffect, useRef, type ReactNode } from 'react';
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
}) {
  const video = useRef<HTMLVideoElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);

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
  }, [vision]);

  const count = vision?.find((r) => r.task === 'count');
  return (
    <figure
      className={`tile${large ? ' tile-large' : ''}${onClick ? ' clickable' : ''}`}
      onClick={onClick}
      data-testid={testId}
      data-producer={info.producerId}
      data-camera={info.cameraId ?? undefined}
    >
      <video ref={video} autoPlay playsInline muted />
      <canvas ref={canvas} className="overlay" />
      <figcaption>
        <span>{label}</span>
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
