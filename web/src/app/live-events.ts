/** Live updates outside a session (booking changes, export progress): one shared socket per tab. */
import { useEffect, useRef } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../server/contracts/live-events.ts';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
let shared: LiveSocket | null = null;

function socket(): LiveSocket {
  shared ??= io('/', { transports: ['websocket'], withCredentials: true });
  return shared;
}

/** Calls `handler` for each `event` while the component is mounted. */
export function useLiveEvent<E extends keyof ServerToClientEvents>(event: E, handler: (...payload: Parameters<ServerToClientEvents[E]>) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const s = socket();
    const listener = ((...payload: Parameters<ServerToClientEvents[E]>) => latest.current(...payload)) as ServerToClientEvents[E];
    s.on(event, listener as never);
    return () => {
      s.off(event, listener as never);
    };
  }, [event]);
}

/** After a logout the next login must authenticate a fresh connection. */
export function dropLiveEvents(): void {
  shared?.close();
  shared = null;
}
