/** Live updates outside a session (booking changes, export progress): one shared socket per tab. */
import { useEffect, useRef } from 'react';
import { io, type Socket } from 'socket.io-client';

let shared: Socket | null = null;

function socket(): Socket {
  shared ??= io('/', { transports: ['websocket'], withCredentials: true });
  return shared;
}

/** Calls `handler` for each `event` while the component is mounted. */
export function useLiveEvent<T>(event: string, handler: (payload: T) => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const s = socket();
    const listener = (payload: T) => latest.current(payload);
    s.on(event, listener);
    return () => {
      s.off(event, listener);
    };
  }, [event]);
}

/** After a logout the next login must authenticate a fresh connection. */
export function dropLiveEvents(): void {
  shared?.close();
  shared = null;
}
