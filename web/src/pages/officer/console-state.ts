/**
 * The officer console's live state: what the session's cameras detect, its alarms, its loading batches and
 * their counts, the officer's microphone, the enterprise's voice, and which video is shown large.
 * Live detections, alarms and batch counts reach the session's officers and supervisors only.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../api/client.ts';
import type { Alarm, LoadingBatch } from '../../api/types.ts';
import { TrackCache, type CountingLine, type VisionResult } from '../../components/VideoTile.tsx';
import type { InspectionClient, ProducerInfo } from '../../media/inspection-client.ts';
import type { Inspection } from '../../media/use-inspection.ts';

/** An alarm as the console holds it: one raised while the page is open carries its frame. */
/** An alarm incident as the console holds it (listed over REST, then kept up to date by pushes). */
export type LiveAlarm = Alarm;

export type BatchTotals = Record<string, { forward: number; backward: number; net: number }>;

type OnError = (err: unknown) => void;

/** The camera a stream comes from; null for the enterprise's own video. */
export const cameraIdOf = (info: ProducerInfo) => info.cameraId;

/** Subscribes to each stream once per join; null until the session is live. */
export function useTrackCache({ client, status, generation }: Inspection): TrackCache | null {
  return useMemo(() => (client && status === 'live' ? new TrackCache(client, generation) : null), [client, status, generation]);
}

/**
 * The session's alarm incidents, newest first: those raised before the page was opened, then kept up to
 * date by the server's `alarm:changed` pushes (raised, seen again, acknowledged, cleared).
 */
export function useLiveAlarms(sessionId: string, { client, status, generation }: Inspection, onError: OnError) {
  const [alarms, setAlarms] = useState<LiveAlarm[]>([]);
  const upsert = useCallback((alarm: LiveAlarm) => setAlarms((list) => [alarm, ...list.filter((x) => x.id !== alarm.id)].sort((x, y) => y.createdAt.localeCompare(x.createdAt))), []);

  useEffect(() => {
    if (!client) return;
    const off = client.on('alarm:changed', ({ alarm }) => upsert(alarm));
    return () => off();
  }, [client, upsert]);

  // What was raised before this page was opened (the pushes since are newer than the list).
  useEffect(() => {
    if (status !== 'live') return;
    api.alarms(sessionId).then((list) => setAlarms((live) => [...live, ...list.filter((a) => !live.some((x) => x.id === a.id)).reverse()]), onError);
  }, [sessionId, status, generation, onError]);

  return { alarms, upsert };
}

/** The session's loading batches and each batch's live count; `reload` after opening or closing one. */
export function useLoadingBatches(sessionId: string, { client, status, generation }: Inspection, onError: OnError) {
  const [batches, setBatches] = useState<LoadingBatch[]>([]);
  const [totals, setTotals] = useState<BatchTotals>({});

  useEffect(() => {
    if (!client) return;
    const off = client.on('vision:batch', (b) => setTotals((totals) => ({ ...totals, [b.batchId]: b })));
    return () => off();
  }, [client]);

  // What was opened before this page was.
  useEffect(() => {
    if (status !== 'live') return;
    api.loadingBatches(sessionId).then(setBatches, onError);
  }, [sessionId, status, generation, onError]);

  const reload = () => api.loadingBatches(sessionId).then(setBatches, onError);
  return { batches, totals, reload };
}

/** The officer's microphone, published to the enterprise while the session is live; others publish nothing. */
export function useOfficerMicrophone({ client, status, joined, generation }: Inspection, onError: OnError) {
  const role = joined?.role;
  const [muted, setMuted] = useState(false);
  /** Whether the officer's voice goes out (no microphone, or one refused, and there is nothing to mute). */
  const [speaking, setSpeaking] = useState(false);
  const micProducer = useRef<string | null>(null);

  useEffect(() => {
    if (!client || status !== 'live' || role !== 'officer') return;
    let stopped = false;
    let media: MediaStream | null = null;
    navigator.mediaDevices
      .getUserMedia({ audio: true })
      .then(async (m) => {
        media = m;
        if (stopped) return m.getTracks().forEach((tr) => tr.stop());
        const [producer] = await client.publish(m.getAudioTracks());
        micProducer.current = producer?.id ?? null;
        setSpeaking(micProducer.current !== null);
      })
      .catch(onError);
    return () => {
      stopped = true;
      setSpeaking(false);
      media?.getTracks().forEach((tr) => tr.stop());
    };
  }, [client, status, role, generation, onError]);

  const toggleMute = async () => {
    if (!micProducer.current || !client) return;
    await client.request('media:setProducerPaused', { producerId: micProducer.current, paused: !muted }).then(() => setMuted(!muted), onError);
  };
  return { muted, toggleMute, speaking };
}

/** Plays the other side's audio (the enterprise's voice) in the returned <audio> element. */
export function useRemoteVoice(cache: TrackCache | null, { client, producers }: Inspection, onError: OnError) {
  const audioRef = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    if (!cache || !client) return;
    const mine = new Set(client.producers.keys());
    const voices = producers.filter((p) => p.kind === 'audio' && !mine.has(p.producerId));
    Promise.all(voices.map((v) => cache.track(v)))
      .then((tracks) => {
        if (audioRef.current && tracks.length) {
          audioRef.current.srcObject = new MediaStream(tracks);
          void audioRef.current.play().catch(() => {});
        }
      })
      .catch(onError);
  }, [cache, client, producers, onError]);
  return audioRef;
}

/**
 * The videos of the other side split for the page: the one shown large (the one clicked, else the
 * enterprise's, else the first camera), the rest beside it, the site cameras for the wall, and the camera
 * enlarged on the wall.
 */
export function useVideoLayout({ client, producers }: Inspection) {
  const [focus, setFocus] = useState<string | null>(null);
  const [enlarged, setEnlarged] = useState<ProducerInfo | null>(null);
  const mine = new Set(client ? [...client.producers.keys()] : []);
  const videos = producers.filter((p) => p.kind === 'video' && !mine.has(p.producerId));
  const enterpriseVideos = videos.filter((p) => !cameraIdOf(p));
  const cameras = videos.filter((p) => cameraIdOf(p));
  // The enterprise's video, or the camera the officer chose: never a camera put there silently while the
  // phone is away (it may be a black, offline one); the stage says what it is waiting for instead.
  const main = videos.find((p) => p.producerId === focus) ?? enterpriseVideos[0];
  const side = videos.filter((p) => p !== main);
  return { main, side, cameras, focusOn: setFocus, enlarged, enlarge: setEnlarged };
}

/** Where a loading batch counts when the officer has not drawn a line: across the picture, a little below the middle. */
export const DEFAULT_COUNTING_LINE: CountingLine = { a: [0.05, 0.6], b: [0.95, 0.6] };

export interface CountingLines {
  /** The line of the camera's open batch, else the one drawn for it, else the default. */
  of: (cameraId: string) => CountingLine;
  /** The camera whose picture is being clicked to place a line, if any. */
  drawing: string | null;
  startDrawing: (cameraId: string) => void;
  stopDrawing: () => void;
  /** A click on the picture: the first sets one end, the second the other and ends drawing. */
  addPoint: (cameraId: string, point: [number, number]) => void;
}

/** The counting lines of the session's cameras as the officer draws them (two clicks on the picture). */
export function useCountingLines(batches: LoadingBatch[]): CountingLines {
  const [drawn, setDrawn] = useState<Record<string, CountingLine>>({});
  const [drawing, setDrawing] = useState<{ cameraId: string; first: [number, number] | null } | null>(null);
  const of = useCallback(
    (cameraId: string) => (batches.find((b) => b.cameraId === cameraId && !b.closedAt)?.line as CountingLine | undefined) ?? drawn[cameraId] ?? DEFAULT_COUNTING_LINE,
    [batches, drawn],
  );
  return {
    of,
    drawing: drawing?.cameraId ?? null,
    startDrawing: (cameraId) => setDrawing({ cameraId, first: null }),
    stopDrawing: () => setDrawing(null),
    addPoint: (cameraId, point) => {
      if (!drawing || drawing.cameraId !== cameraId) return;
      if (!drawing.first) return setDrawing({ cameraId, first: point });
      // Two clicks on the same spot make no line: wait for a second point elsewhere.
      if (Math.hypot(point[0] - drawing.first[0], point[1] - drawing.first[1]) < 0.02) return;
      setDrawn((d) => ({ ...d, [cameraId]: { a: drawing.first!, b: point } }));
      setDrawing(null);
    },
  };
}
