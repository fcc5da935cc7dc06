/**
 * Signalling of a live inspection over socket.io. Every message is validated with zod and answered
 * through its acknowledgement: `{ ok: true, data }` or `{ ok: false, error: { code, message } }`.
 * Handlers are thin: access and timeline in InspectionService, media in LiveSessions / Room.
 */
import type { Socket } from 'socket.io';
import { rooms, type SocketServer } from './socket-server.ts';
import { z, ZodError } from 'zod';
import { MediaError, type PeerRole } from '../../media/index.ts';
import { AppError } from '../errors.ts';
import type { LiveSessions } from '../live/live-sessions.ts';
import type { Logger } from '../logger.ts';
import type { Principal } from '../services/access.ts';
import { commandPresets, type InspectionService } from '../services/inspections.service.ts';


const sessionRef = z.object({ sessionId: z.uuid() });
const id = z.string().min(1).max(100);
// mediasoup validates the RTP/DTLS parameters in depth; here only their shape and size.
const dtlsParameters = z.object({ role: z.enum(['auto', 'client', 'server']).optional(), fingerprints: z.array(z.object({ algorithm: z.string(), value: z.string() })).min(1).max(8) });
const rtpParameters = z.object({ codecs: z.array(z.record(z.string(), z.unknown())).min(1).max(10), encodings: z.array(z.record(z.string(), z.unknown())).max(10).optional() }).loose();
const rtpCapabilities = z.object({ codecs: z.array(z.record(z.string(), z.unknown())).max(100).optional(), headerExtensions: z.array(z.record(z.string(), z.unknown())).max(100).optional() }).loose();

export const signallingMessages = {
  'session:join': sessionRef,
  'session:leave': sessionRef,
  'media:createTransport': sessionRef.extend({ direction: z.enum(['send', 'recv']) }),
  'media:connectTransport': sessionRef.extend({ transportId: id, dtlsParameters }),
  'media:produce': sessionRef.extend({ transportId: id, kind: z.enum(['audio', 'video']), rtpParameters, label: z.string().max(60).default('camera') }),
  'media:consume': sessionRef.extend({ transportId: id, producerId: id, rtpCapabilities }),
  'media:setConsumerPaused': sessionRef.extend({ consumerId: id, paused: z.boolean() }),
  'media:setProducerPaused': sessionRef.extend({ producerId: id, paused: z.boolean() }),
  'session:command': sessionRef.extend({
    preset: z.enum(Object.keys(commandPresets) as [keyof typeof commandPresets]).optional(),
    text: z.string().max(500).optional(),
    params: z.record(z.string(), z.union([z.string().max(40), z.number()])).optional(),
  }),
  'session:acknowledge': sessionRef.extend({ commandId: z.number().int().positive() }),
  'session:snapshot': sessionRef.extend({ producerId: id }),
} as const;

type MessageName = keyof typeof signallingMessages;
type Ack = (reply: { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } }) => void;

interface SocketSession {
  sessionId: string;
  declarationId: string;
  role: PeerRole;
}

const MESSAGES_PER_10S = 100;
const COMMANDS_PER_MINUTE = 30;

/** At most `limit` events in any `windowMs` (a sliding log, bounded by the limit). */
export class RateWindow {
  private readonly times: number[] = [];
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  admit(now: number): boolean {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    if (this.times.length >= this.limit) return false;
    this.times.push(now);
    return true;
  }
}

export function registerInspectionSignalling(
  sockets: SocketServer,
  deps: { inspections: InspectionService; live: LiveSessions; iceServers: unknown[]; logger: Logger },
) {
  const { inspections, live } = deps;
  const toSession = sockets.toSession;
  // Commands count per user over all their sockets on this node; the map is bounded by users connected.
  const commandWindows = new Map<string, RateWindow>();
  const commandsPerUser = (userId: string) => {
    let window = commandWindows.get(userId);
    if (!window) {
      if (commandWindows.size >= 10_000) commandWindows.delete(commandWindows.keys().next().value!);
      window = new RateWindow(COMMANDS_PER_MINUTE, 60_000);
      commandWindows.set(userId, window);
    }
    return window;
  };

  sockets.io.on('connection', (socket: Socket) => {
    const principal = socket.data.principal as Principal;
    // The session this connection has joined (one at a time).
    let joined: SocketSession | null = null;

    const inSession = (sessionId: string): SocketSession => {
      if (!joined || joined.sessionId !== sessionId) throw new AppError('forbidden', 'Join the session first');
      return joined;
    };
    const room = (sessionId: string) => {
      inSession(sessionId);
      const r = live.existingRoom(sessionId);
      if (!r) throw new MediaError('room_closed', 'The session media has closed; join again');
      return r;
    };

    const handlers: { [K in MessageName]: (msg: z.infer<(typeof signallingMessages)[K]>) => Promise<unknown> } = {
      'session:join': async ({ sessionId }) => {
        const grant = await inspections.authorizeJoin(principal, sessionId);
        if (joined && joined.sessionId !== sessionId) leave();
        const mediaRoom = await live.room(sessionId, grant.declarationId);
        mediaRoom.addPeer(socket.id, principal.userId, principal.displayName, grant.role);
        joined = { sessionId, declarationId: grant.declarationId, role: grant.role };
        await socket.join(rooms.session(sessionId));
        if (grant.role !== 'enterprise') await socket.join(rooms.sessionOfficers(sessionId));
        // Supervisors watch silently: their presence is not announced to the participants.
        if (grant.role !== 'supervisor') {
          const event = await inspections.appendTimeline(sessionId, 'joined', principal.userId, { role: grant.role, name: principal.displayName });
          socket.to(rooms.session(sessionId)).emit('session:timeline', event);
        }
        return {
          role: grant.role,
          rtpCapabilities: mediaRoom.rtpCapabilities,
          producers: mediaRoom.producerInfos(),
          iceServers: deps.iceServers,
          timeline: await inspections.timeline(principal, sessionId),
          commandPresets,
        };
      },
      'session:leave': async ({ sessionId }) => {
        inSession(sessionId);
        leave();
        return {};
      },
      'media:createTransport': async ({ sessionId, direction }) => room(sessionId).createWebRtcTransport(socket.id, direction),
      'media:connectTransport': async ({ sessionId, transportId, dtlsParameters: dtls }) => {
        await room(sessionId).connectTransport(socket.id, transportId, dtls as never);
        return {};
      },
      'media:produce': async ({ sessionId, transportId, kind, rtpParameters: rtp, label }) => {
        const info = await room(sessionId).produce(socket.id, transportId, kind, rtp as never, label);
        return { producerId: info.producerId };
      },
      'media:consume': async ({ sessionId, transportId, producerId, rtpCapabilities: caps }) =>
        room(sessionId).consume(socket.id, transportId, producerId, caps as never),
      'media:setConsumerPaused': async ({ sessionId, consumerId, paused }) => {
        await room(sessionId).setConsumerPaused(socket.id, consumerId, paused);
        return {};
      },
      'media:setProducerPaused': async ({ sessionId, producerId, paused }) => {
        await room(sessionId).setProducerPaused(socket.id, producerId, paused);
        return {};
      },
      'session:command': async ({ sessionId, ...command }) => {
        inSession(sessionId);
        const event = await inspections.sendCommand(principal, sessionId, command);
        toSession(sessionId, 'session:timeline', event);
        return event;
      },
      'session:acknowledge': async ({ sessionId, commandId }) => {
        inSession(sessionId);
        const event = await inspections.acknowledge(principal, sessionId, commandId);
        toSession(sessionId, 'session:timeline', event);
        return event;
      },
      'session:snapshot': async ({ sessionId, producerId }) => {
        if (inSession(sessionId).role !== 'officer') throw new AppError('forbidden', 'Only the officer takes snapshots');
        return live.snapshot(sessionId, producerId, principal.userId);
      },
    };

    // A client cannot drive the server as fast as it likes: messages per socket, commands per user.
    const messages = new RateWindow(MESSAGES_PER_10S, 10_000);
    for (const name of Object.keys(handlers) as MessageName[]) {
      socket.on(name, async (raw: unknown, ack?: Ack) => {
        if (typeof ack !== 'function') return; // every message expects an answer
        try {
          if (!messages.admit(Date.now())) throw new AppError('too_many_requests', 'Too many messages; slow down');
          if (name === 'session:command' && !commandsPerUser(principal.userId).admit(Date.now())) {
            throw new AppError('too_many_requests', `At most ${COMMANDS_PER_MINUTE} commands a minute`);
          }
          const msg = signallingMessages[name].parse(raw);
          ack({ ok: true, data: await (handlers[name] as (m: unknown) => Promise<unknown>)(msg) });
        } catch (err) {
          ack({ ok: false, error: toSocketError(err, deps.logger, name) });
        }
      });
    }

    function leave() {
      if (!joined) return;
      const { sessionId, role } = joined;
      joined = null;
      live.existingRoom(sessionId)?.removePeer(socket.id);
      void socket.leave(rooms.session(sessionId));
      void socket.leave(rooms.sessionOfficers(sessionId));
      if (role !== 'supervisor') {
        void inspections
          .appendTimeline(sessionId, 'left', principal.userId, { role, name: principal.displayName })
          .then((event) => toSession(sessionId, 'session:timeline', event))
          .catch(() => {});
      }
    }

    socket.on('disconnect', leave);
  });
}

function toSocketError(err: unknown, logger: Logger, message: string): { code: string; message: string } {
  if (err instanceof ZodError) {
    return { code: 'validation_failed', message: err.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ') };
  }
  if (err instanceof AppError || err instanceof MediaError) return { code: err.code, message: err.message };
  // mediasoup rejects bad RTP/DTLS parameters with TypeError.
  if (err instanceof TypeError) return { code: 'bad_request', message: err.message };
  logger.error({ err, message }, 'signalling handler failed');
  return { code: 'internal_error', message: 'Something went wrong on the server' };
}
