/**
 * Signalling of a live inspection over socket.io. Every message is validated with zod and answered
 * through its acknowledgement: `{ ok: true, data }` or `{ ok: false, error: { code, message } }`.
 * Handlers are thin: access and timeline in InspectionService, media in LiveSessions / Room.
 */
import { rooms, type SocketServer, type TypedSocket } from './socket-server.ts';
import { AppError, errorReply, internalErrorReply } from '../errors.ts';
import { MediaError } from '../../media/index.ts';
import type { LiveSessions } from '../live/live-sessions.ts';
import type { Logger } from '../logger.ts';
import type { Principal } from '../services/access.ts';
import type { InspectionService } from '../services/inspections.service.ts';
import type { Supervision } from '../live/supervision.ts';
import { commandPresets, signallingMessages, WALL, type SignallingMessage, type SignallingReplies, type SignallingReply } from '../contracts/live-events.ts';
import type { SessionRole } from '../contracts/timeline.ts';
import type { z } from 'zod';

type MessageName = SignallingMessage;

interface SocketSession {
  sessionId: string;
  declarationId: string;
  role: SessionRole;
}

/** The camera wall this connection watches: the cameras (by id) it may receive. */
interface SocketWall {
  cameraIds: Set<string>;
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
  deps: {
    inspections: InspectionService;
    live: LiveSessions;
    supervision: Supervision;
    /** Which sites the caller may see (the access rule), for the wall. */
    visibleSites: (p: Principal) => Promise<Array<{ id: string }>>;
    iceServers: SignallingReplies['session:join']['iceServers'];
    logger: Logger;
  },
) {
  const { inspections, live } = deps;
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

  sockets.io.on('connection', (socket: TypedSocket) => {
    const principal = socket.data.principal as Principal;
    // The session this connection has joined (one at a time), or the wall it watches.
    let joined: SocketSession | null = null;
    let watching: SocketWall | null = null;

    const inSession = (sessionId: string): SocketSession => {
      if (!joined || joined.sessionId !== sessionId) throw new AppError('forbidden', 'Join the session first');
      return joined;
    };
    const room = async (sessionId: string) => {
      if (sessionId === WALL) {
        if (!watching) throw new AppError('forbidden', 'Join the wall first');
        return deps.supervision.wallRoom();
      }
      inSession(sessionId);
      const r = live.existingRoom(sessionId);
      if (!r) throw new MediaError('room_closed', 'The session media has closed; join again');
      return r;
    };

    const handlers: { [K in MessageName]: (msg: z.output<(typeof signallingMessages)[K]>) => Promise<SignallingReplies[K]> } = {
      'session:join': async ({ sessionId }) => {
        const grant = await inspections.authorizeJoin(principal, sessionId);
        if (joined && joined.sessionId !== sessionId) leave();
        const mediaRoom = await live.room(sessionId, grant.declarationId);
        mediaRoom.addPeer(socket.id, principal.userId, principal.displayName, grant.role);
        // On the timeline (and pushed to the others) before this socket hears the session: its own
        // arrival comes back in the timeline it is answered with.
        await inspections.arrived(principal, grant);
        joined = { sessionId, declarationId: grant.declarationId, role: grant.role };
        await socket.join(rooms.session(sessionId));
        if (grant.role !== 'enterprise') await socket.join(rooms.sessionOfficers(sessionId));
        return {
          role: grant.role,
          rtpCapabilities: mediaRoom.rtpCapabilities as unknown as Record<string, unknown>,
          producers: await live.producers(sessionId),
          iceServers: deps.iceServers,
          timeline: await inspections.timeline(principal, sessionId),
          commandPresets,
        };
      },
      'wall:join': async () => {
        const sites = new Set((await deps.visibleSites(principal)).map((s) => s.id));
        const streams = (await deps.supervision.wallStreams()).filter((s) => sites.has(s.siteId));
        const wall = await deps.supervision.wallRoom();
        // Everyone watches, nobody sends: a viewer's peer is a silent one, whatever the role. Joining again
        // because the wall changed keeps what the viewer receives; a new wall room (its worker died) does not
        // know the viewer, who starts afresh.
        const fresh = !wall.hasPeer(socket.id);
        if (fresh) wall.addPeer(socket.id, principal.userId, principal.displayName, 'supervisor');
        watching = { cameraIds: new Set(streams.map((s) => s.producer.cameraId!)) };
        await socket.join(rooms.wall);
        return { fresh, rtpCapabilities: wall.rtpCapabilities as unknown as Record<string, unknown>, producers: streams.map((s) => s.producer), iceServers: deps.iceServers };
      },
      'session:leave': async ({ sessionId }) => {
        inSession(sessionId);
        leave();
        return {};
      },
      'media:createTransport': async ({ sessionId, direction }) => {
        if (sessionId === WALL && direction === 'send') throw new AppError('forbidden', 'The wall is for watching');
        return (await (await room(sessionId)).createWebRtcTransport(socket.id, direction)) as unknown as SignallingReplies['media:createTransport'];
      },
      'media:connectTransport': async ({ sessionId, transportId, dtlsParameters: dtls }) => {
        await (await room(sessionId)).connectTransport(socket.id, transportId, dtls as never);
        return {};
      },
      'media:produce': async ({ sessionId, transportId, kind, rtpParameters: rtp, label }) => {
        const info = await (await room(sessionId)).produce(socket.id, transportId, kind, rtp as never, label);
        return { producerId: info.producerId };
      },
      'media:consume': async ({ sessionId, transportId, producerId, rtpCapabilities: caps }) => {
        const target = await room(sessionId);
        if (sessionId === WALL) {
          // On the wall, only the cameras of the farms this viewer may see (the platform's wall holds every port's);
          // a camera held on another node crosses to this one on first use.
          const stream = (await deps.supervision.wallStreams()).find((s) => s.producer.producerId === producerId);
          if (!stream || !watching?.cameraIds.has(stream.producer.cameraId ?? '')) throw new MediaError('producer_not_found', 'No such camera on your wall');
          await deps.supervision.ensureOnWall(stream);
        }
        // A stream of a session whose media lives on another node crosses to this one on first use.
        else await live.ensureProducer(sessionId, producerId);
        return (await target.consume(socket.id, transportId, producerId, caps as never)) as unknown as SignallingReplies['media:consume'];
      },
      'media:setConsumerPaused': async ({ sessionId, consumerId, paused }) => {
        await (await room(sessionId)).setConsumerPaused(socket.id, consumerId, paused);
        return {};
      },
      'media:setProducerPaused': async ({ sessionId, producerId, paused }) => {
        await (await room(sessionId)).setProducerPaused(socket.id, producerId, paused);
        return {};
      },
      'session:command': async ({ sessionId, ...command }) => {
        inSession(sessionId);
        return inspections.sendCommand(principal, sessionId, command);
      },
      'session:acknowledge': async ({ sessionId, commandId }) => {
        inSession(sessionId);
        return inspections.acknowledge(principal, sessionId, commandId);
      },
      'session:snapshot': async ({ sessionId, producerId }) => {
        if (inSession(sessionId).role !== 'officer') throw new AppError('forbidden', 'Only the officer takes snapshots');
        return live.snapshot(sessionId, producerId, principal.userId);
      },
    };

    // A client cannot drive the server as fast as it likes: messages per socket, commands per user.
    const messages = new RateWindow(MESSAGES_PER_10S, 10_000);
    for (const name of Object.keys(handlers) as MessageName[]) {
      const listen = socket.on.bind(socket) as (event: MessageName, listener: (raw: unknown, ack?: (reply: SignallingReply<MessageName>) => void) => void) => void;
      listen(name, async (raw, ack) => {
        if (typeof ack !== 'function') return; // every message expects an answer
        try {
          if (!messages.admit(Date.now())) throw new AppError('too_many_requests', 'Too many messages; slow down');
          if (name === 'session:command' && !commandsPerUser(principal.userId).admit(Date.now())) {
            throw new AppError('too_many_requests', `At most ${COMMANDS_PER_MINUTE} commands a minute`);
          }
          const msg = signallingMessages[name].parse(raw);
          ack({ ok: true, data: await (handlers[name] as (m: unknown) => Promise<SignallingReplies[MessageName]>)(msg) });
        } catch (err) {
          const reply = errorReply(err);
          if (!reply) deps.logger.error({ err, message: name }, 'signalling handler failed');
          const { code, reason, params, message } = reply ?? internalErrorReply;
          ack({ ok: false, error: { code, reason, params, message } });
        }
      });
    }

    function leave() {
      if (!joined) return;
      const { sessionId, role } = joined;
      joined = null;
      live.left(sessionId, socket.id);
      void socket.leave(rooms.session(sessionId));
      void socket.leave(rooms.sessionOfficers(sessionId));
      void inspections.left(principal, sessionId, role).catch((err: unknown) => deps.logger.warn({ err, sessionId }, 'cannot put a departure on the timeline'));
    }

    socket.on('disconnect', () => {
      leave();
      if (watching)
        void deps.supervision.wallRoom().then(
          (wall) => wall.removePeer(socket.id),
          () => {},
        );
    });
  });
}
