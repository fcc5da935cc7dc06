/**
 * socket.io: authenticated with the same session cookie as the REST API, scaled out through the Redis
 * adapter. Each connection joins rooms that say what it may hear about; live booking changes and
 * notifications are pushed to those rooms.
 */
import type http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { readSessionCookie } from '../http/auth.routes.ts';
import { isSameSiteRequest } from '../http/request-guards.ts';
import { loginTokenHash } from '../services/auth.service.ts';
import type { Logger } from '../logger.ts';
import type { Principal } from '../services/access.ts';
import type { Services } from '../services/index.ts';
import type { BookingView } from '../services/bookings.service.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../contracts/live-events.ts';
import type { InterNodeEvents } from '../contracts/cluster.ts';

export const rooms = {
  user: (id: string) => `user:${id}`,
  enterprise: (id: string) => `enterprise:${id}`,
  port: (id: string) => `port:${id}`,
  supervisors: 'supervisors',
  /** The sockets watching the camera wall of supervised farms. */
  wall: 'wall',
  session: (id: string) => `session:${id}`,
  /** The officers and supervisors in a session: vision results and alarm pictures go only to them. */
  sessionOfficers: (id: string) => `session:${id}:officers`,
  /** The sockets of one login (by its token's hash): closed when it logs out. */
  login: (tokenHash: string) => `login:${tokenHash}`,
};

interface SocketData {
  principal: Principal;
  loginTokenHash: string;
}

export type TypedServer = Server<ClientToServerEvents, ServerToClientEvents, InterNodeEvents, SocketData>;
export type TypedSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterNodeEvents, SocketData>;
/** The arguments of a server-to-client event, as the contract states them. */
export type PushArgs<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;

export interface SocketServer {
  io: TypedServer;
  /** Pushes an event to everybody who joined an inspection session. */
  toSession<E extends keyof ServerToClientEvents>(sessionId: string, event: E, ...payload: PushArgs<E>): void;
  /** Pushes an event to the participants of a session connected to this node only. */
  toSessionHere<E extends keyof ServerToClientEvents>(sessionId: string, event: E, ...payload: PushArgs<E>): void;
  /** Tells every other node of the platform (over the Redis adapter). */
  toOtherNodes<E extends keyof InterNodeEvents>(event: E, ...payload: Parameters<InterNodeEvents[E]>): void;
  /** Listens to what the other nodes tell. */
  onOtherNodes<E extends keyof InterNodeEvents>(event: E, listener: InterNodeEvents[E]): void;
  /** Pushes an event to the officers and supervisors of a session only. */
  toOfficers<E extends keyof ServerToClientEvents>(sessionId: string, event: E, ...payload: PushArgs<E>): void;
  /** Pushes an event to the officers of a port (a supervised farm's) and the supervisors. */
  toPort<E extends keyof ServerToClientEvents>(portId: string | null, event: E, ...payload: PushArgs<E>): void;
  /** Pushes an event to everybody watching the camera wall. */
  toWall<E extends keyof ServerToClientEvents>(event: E, ...payload: PushArgs<E>): void;
  /** Pushes an event to the given users wherever they are connected (any API node). */
  toUsers<E extends keyof ServerToClientEvents>(userIds: string[], event: E, ...payload: PushArgs<E>): void;
  /**
   * Drops every client's connection, the server staying up: as after a network cut, the clients reconnect
   * by themselves (a node stopping: through the load balancer, to a live node).
   */
  dropConnections(): void;
  close(): Promise<void>;
}

export function createSocketServer(httpServer: http.Server, deps: { services: Services; redisUrl: string; prefix: string; logger: Logger; allowedOrigins?: readonly string[] }): SocketServer {
  const pub = new Redis(deps.redisUrl, { lazyConnect: false, maxRetriesPerRequest: null });
  const sub = pub.duplicate();
  const io: TypedServer = new Server(httpServer, {
    adapter: createAdapter(pub, sub, { key: `${deps.prefix}:socket.io` }),
    serveClient: false,
    // The handshake carries the session cookie: only the platform's own pages (or configured origins) may open one.
    allowRequest: (req, callback) => callback(null, isSameSiteRequest(req, deps.allowedOrigins ?? [])),
    // Bounded: no message may be larger than this (snapshots go over HTTP).
    maxHttpBufferSize: 1e6,
  });

  io.use(async (socket, next) => {
    try {
      const token = readSessionCookie(socket.handshake.headers.cookie);
      const principal = token ? await deps.services.auth.authenticate(token) : null;
      if (!principal) return next(Object.assign(new Error('unauthenticated'), { data: { code: 'unauthenticated' } }));
      socket.data.principal = principal;
      socket.data.loginTokenHash = loginTokenHash(token!);
      next();
    } catch (err) {
      next(err as Error);
    }
  });

  io.on('connection', (socket) => {
    const p = socket.data.principal;
    void socket.join([...roomsFor(p), rooms.login(socket.data.loginTokenHash)]);
  });

  // Once closing, late events (a participant's 'left' written after its socket closed) are dropped:
  // the adapter's Redis connection is going away.
  let closing = false;
  const emitTo = <E extends keyof ServerToClientEvents>(target: string | string[], event: E, ...payload: PushArgs<E>) => {
    if (!closing) io.to(target).emit(event, ...payload);
  };

  // Logged out, or what the user may see changed: their open sockets go (on every node) and must log in again.
  deps.services.events.on('auth.revoked', ({ userId, tokenHash }) => {
    if (!closing) io.in(tokenHash ? rooms.login(tokenHash) : rooms.user(userId)).disconnectSockets(true);
  });
  deps.services.events.on('session.timeline', ({ sessionId, event, officersOnly }) => emitTo(officersOnly ? rooms.sessionOfficers(sessionId) : rooms.session(sessionId), 'session:timeline', event));
  // Alarms are for the officers' side of a session: the enterprise is not told.
  deps.services.events.on('alarm.changed', ({ sessionId, portId, change, alarm }) => {
    if (sessionId) emitTo(rooms.sessionOfficers(sessionId), 'alarm:changed', { change, alarm });
    // A supervised farm's alarm: the officers of its port and the supervisors.
    else emitTo([...(portId ? [rooms.port(portId)] : []), rooms.supervisors], 'alarm:changed', { change, alarm });
  });
  deps.services.events.on('loading.event', ({ recordId, portId, enterpriseId, event, officersOnly }) => {
    emitTo([rooms.port(portId), rooms.supervisors, ...(officersOnly ? [] : [rooms.enterprise(enterpriseId)])], 'loading:event', { recordId, event });
  });
  deps.services.events.on('user.notified', ({ userIds, kind, payload }) => {
    if (userIds.length > 0) emitTo(userIds.map(rooms.user), 'notification', { kind, payload });
  });
  deps.services.events.on('booking.changed', ({ booking, action }) => {
    emitTo(roomsForBooking(booking), 'booking:changed', { action, booking });
  });

  return {
    io,
    toSession(sessionId, event, ...payload) {
      emitTo(rooms.session(sessionId), event, ...payload);
    },
    toSessionHere(sessionId, event, ...payload) {
      if (!closing) io.local.to(rooms.session(sessionId)).emit(event, ...payload);
    },
    toOtherNodes(event, ...payload) {
      if (!closing) io.serverSideEmit(event, ...payload);
    },
    onOtherNodes(event, listener) {
      io.on(event, listener as never);
    },
    toOfficers(sessionId, event, ...payload) {
      emitTo(rooms.sessionOfficers(sessionId), event, ...payload);
    },
    toPort(portId, event, ...payload) {
      emitTo([...(portId ? [rooms.port(portId)] : []), rooms.supervisors], event, ...payload);
    },
    toWall(event, ...payload) {
      emitTo(rooms.wall, event, ...payload);
    },
    toUsers(userIds, event, ...payload) {
      if (userIds.length > 0) emitTo(userIds.map(rooms.user), event, ...payload);
    },
    dropConnections() {
      io.engine.close();
    },
    async close() {
      closing = true;
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // quit, not disconnect: the adapter's last unsubscribe commands are still in flight.
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

function roomsFor(p: Principal): string[] {
  const list = [rooms.user(p.userId)];
  for (const id of p.enterpriseIds) list.push(rooms.enterprise(id));
  if (p.role === 'officer' && p.portId) list.push(rooms.port(p.portId));
  if (p.role === 'supervisor' || p.role === 'admin') list.push(rooms.supervisors);
  return list;
}

function roomsForBooking(b: BookingView): string[] {
  const list = [rooms.enterprise(b.enterpriseId), rooms.port(b.portId), rooms.supervisors];
  if (b.officerId) list.push(rooms.user(b.officerId));
  return list;
}
