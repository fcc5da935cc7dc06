/**
 * A live inspection for a page: joins, keeps the timeline and the list of streams current, and after a
 * network drop (socket.io reconnects by itself) or a media reset joins again and lets the page re-publish;
 * a join that failed for a passing reason is tried again.
 */
import { useEffect, useRef, useState } from 'react';
import { InspectionClient, type JoinResult, type ProducerInfo } from './inspection-client.ts';
import { failedInPassing, rejoinDelayMs } from './rejoin.ts';
import type { TimelineEvent } from '../api/types.ts';

export type InspectionStatus = 'joining' | 'live' | 'reconnecting' | 'closed' | 'failed';

export interface Inspection {
  client: InspectionClient | null;
  status: InspectionStatus;
  error: unknown;
  joined: JoinResult | null;
  timeline: TimelineEvent[];
  producers: ProducerInfo[];
  /** Bumped on every (re)join: media effects depend on it to re-publish and re-subscribe. */
  generation: number;
}

/** The timeline shown live is bounded; the archive has all of it. */
const MAX_TIMELINE = 2000;

export function useInspection(sessionId: string): Inspection {
  const [state, setState] = useState<Inspection>({ client: null, status: 'joining', error: null, joined: null, timeline: [], producers: [], generation: 0 });
  const clientRef = useRef<InspectionClient | null>(null);

  useEffect(() => {
    const client = new InspectionClient(sessionId);
    clientRef.current = client;
    let disposed = false;
    let everConnected = false;
    // One join at a time: a reset or a reconnect while one is under way (or waiting to try again) starts afresh.
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;

    const join = async () => {
      clearTimeout(retry);
      const mine = ++attempt;
      try {
        client.resetMedia();
        const joined = await client.join();
        if (disposed || mine !== attempt) return;
        failures = 0;
        setState((s) => ({ ...s, client, status: 'live', error: null, joined, timeline: joined.timeline as TimelineEvent[], producers: joined.producers, generation: s.generation + 1 }));
      } catch (err) {
        if (disposed || mine !== attempt) return;
        if (failedInPassing(err) && client.socket.connected) {
          setState((s) => ({ ...s, client, status: 'reconnecting', error: null }));
          retry = setTimeout(() => void join(), rejoinDelayMs(failures++));
          return;
        }
        const code = (err as { code?: string }).code;
        // A closed session (verdict recorded) is not an error for the people in it.
        setState((s) => ({ ...s, client, status: code === 'invalid_transition' ? 'closed' : 'failed', error: code === 'invalid_transition' ? null : err }));
      }
    };

    client.socket.on('connect', () => {
      if (everConnected) setState((s) => ({ ...s, status: 'joining' }));
      everConnected = true;
      void join();
    });
    client.socket.on('disconnect', () => !disposed && setState((s) => (s.status === 'closed' ? s : { ...s, status: 'reconnecting' })));
    client.socket.on('connect_error', (err) => !disposed && setState((s) => ({ ...s, status: 'reconnecting', error: everConnected ? null : err })));
    client.on('session:timeline', (event) =>
      // An event this page already has (its own, answered with the join) is not added twice.
      setState((s) => (s.timeline.some((e) => e.id === event.id) ? s : { ...s, timeline: [...s.timeline.slice(-(MAX_TIMELINE - 1)), event], status: event.kind === 'verdict' ? 'closed' : s.status })),
    );
    client.on('media:newProducer', (info) => setState((s) => ({ ...s, producers: [...s.producers.filter((p) => p.producerId !== info.producerId), info] })));
    client.on('media:producerClosed', ({ producerId }) => setState((s) => ({ ...s, producers: s.producers.filter((p) => p.producerId !== producerId) })));
    // The server lost the session's media (a worker died): join again.
    client.on('media:reset', () => void join());
    setState((s) => ({ ...s, client }));

    return () => {
      disposed = true;
      clearTimeout(retry);
      client.close();
      clientRef.current = null;
    };
  }, [sessionId]);

  return state;
}

/** Commands the enterprise has not acknowledged yet, oldest first. */
export function pendingCommands(timeline: TimelineEvent[]): TimelineEvent[] {
  const acknowledged = new Set(timeline.filter((e) => e.kind === 'acknowledgement').map((e) => Number(e.payload.commandId)));
  return timeline.filter((e) => e.kind === 'command' && !acknowledged.has(e.id));
}
