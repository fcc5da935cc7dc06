/**
 * The platform's nodes, in Redis: every node that shares the database, Redis and storage registers itself
 * (id, internal URL, pipe address, media capacity, load, draining) and beats every second; a node that
 * has not beaten for NODE_TTL_MS is gone. It also keeps where each live session's media lives (its home
 * node), claimed once with SET NX and kept alive by the home's heartbeat, so that a session has one home
 * however many nodes its participants connect through.
 */
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';

export const HEARTBEAT_MS = 1000;
/** A node silent this long is gone: its sessions are placed again and its clients told to join again. */
export const NODE_TTL_MS = 4000;
/**
 * A session's claim outlives its node's registration, so that a node killed with sessions is noticed as
 * lost (the gap is noted on their timelines) rather than forgotten; released at once on an orderly close.
 */
const HOME_TTL_MS = NODE_TTL_MS * 5;

export const nodeInfoSchema = z.object({
  id: z.string(),
  /** Where other nodes call this node's internal API. */
  url: z.string(),
  /** Where other nodes send piped media. */
  pipeIp: z.string(),
  /** mediasoup workers: what placement divides the load by. */
  workers: z.number().int(),
  /** Routers on this node's workers (sessions, edges, camera feeds, the wall). */
  routers: z.number().int(),
  /** Sessions whose media lives here. */
  sessions: z.number().int(),
  draining: z.boolean(),
  startedAt: z.string(),
  beatAt: z.number(),
});
export type NodeInfo = z.infer<typeof nodeInfoSchema>;

/** A node's load, per worker: what placement compares. */
export const loadOf = (n: Pick<NodeInfo, 'routers' | 'workers'>) => n.routers / Math.max(1, n.workers);

/** Deletes a key only while it still holds the given value (a home is released only by its holder). */
const DELETE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export class NodeRegistry {
  private readonly redis: Redis;
  private timer?: NodeJS.Timeout;
  private draining = false;
  private readonly startedAt = new Date().toISOString();
  private readonly key: { nodes: string; node: (id: string) => string; home: (sessionId: string) => string; secret: string };

  constructor(
    readonly self: Pick<NodeInfo, 'id' | 'url' | 'pipeIp' | 'workers'>,
    redisUrl: string,
    prefix: string,
    /** This node's load now, and the sessions it is home to (their homes are kept alive with each beat). */
    private readonly load: () => { routers: number; sessionIds: string[] },
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
    // A beat that cannot reach Redis is tried again at the next one; the error is not a crash.
    this.redis.on('error', () => {});
    this.key = {
      nodes: `${prefix}:cluster:nodes`,
      node: (id) => `${prefix}:cluster:node:${id}`,
      home: (sessionId) => `${prefix}:cluster:home:${sessionId}`,
      secret: `${prefix}:cluster:secret`,
    };
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Registers this node, reached by other nodes at `url`, and beats from now on. */
  async start(url: string): Promise<void> {
    this.self.url = url;
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(() => {}), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Registers this node's state now and keeps its sessions' homes alive. */
  async beat(): Promise<void> {
    const { routers, sessionIds } = this.load();
    const now = Date.now();
    const info: NodeInfo = { ...this.self, routers, sessions: sessionIds.length, draining: this.draining, startedAt: this.startedAt, beatAt: now };
    const batch = this.redis.multi().set(this.key.node(this.self.id), JSON.stringify(info), 'PX', NODE_TTL_MS).zadd(this.key.nodes, now, this.self.id);
    // Members long gone leave the index (their own keys have expired already).
    batch.zremrangebyscore(this.key.nodes, '-inf', now - NODE_TTL_MS * 10);
    for (const id of sessionIds) batch.pexpire(this.key.home(id), HOME_TTL_MS);
    await batch.exec();
  }

  /** Stops taking new sessions: placement passes this node by from now on. */
  async drain(): Promise<void> {
    this.draining = true;
    await this.beat().catch(() => {});
  }

  /** Leaves the registry (stopping): other nodes stop counting on this one at once. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    await this.redis
      .multi()
      .del(this.key.node(this.self.id))
      .zrem(this.key.nodes, this.self.id)
      .exec()
      .catch(() => {});
    await this.redis.quit().catch(() => {});
  }

  /** The nodes beating now, this one included. */
  async liveNodes(): Promise<NodeInfo[]> {
    // The index lists candidates; a node's own key, expiring in Redis's time, says whether it is alive (no
    // clock of ours is compared with another machine's).
    const ids = await this.redis.zrange(this.key.nodes, 0, -1);
    if (ids.length === 0) return [];
    const raw = await this.redis.mget(ids.map(this.key.node));
    return raw.flatMap((text) => {
      const parsed = text ? nodeInfoSchema.safeParse(JSON.parse(text)) : null;
      return parsed?.success ? [parsed.data] : [];
    });
  }

  async node(id: string): Promise<NodeInfo | null> {
    const text = await this.redis.get(this.key.node(id));
    const parsed = text ? nodeInfoSchema.safeParse(JSON.parse(text)) : null;
    return parsed?.success ? parsed.data : null;
  }

  /**
   * Where a new session's media should live: the least loaded node taking sessions (this one on a tie, to
   * save a hop). A node draining alone keeps what it has.
   */
  async placement(): Promise<NodeInfo | null> {
    const nodes = (await this.liveNodes()).filter((n) => !n.draining);
    nodes.sort((a, b) => loadOf(a) - loadOf(b) || Number(b.id === this.self.id) - Number(a.id === this.self.id));
    return nodes[0] ?? null;
  }

  /**
   * The node holding the session's media now, if it is alive. A dead holder's claim is cleared, and the
   * caller that cleared it learns which node was lost and how long ago it last beat (one caller only).
   */
  async homeOf(sessionId: string): Promise<{ home: NodeInfo | null; lost: { nodeId: string; silentMs: number | null } | null }> {
    const id = await this.redis.get(this.key.home(sessionId));
    if (!id) return { home: null, lost: null };
    const node = await this.node(id);
    if (node) return { home: node, lost: null };
    const cleared = await this.redis.eval(DELETE_IF, 1, this.key.home(sessionId), id);
    if (cleared !== 1) return { home: null, lost: null };
    // Its last beat, by its own clock (the index keeps it a while after its key expired).
    const lastBeat = await this.redis.zscore(this.key.nodes, id);
    return { home: null, lost: { nodeId: id, silentMs: lastBeat ? Math.max(0, Date.now() - Number(lastBeat)) : null } };
  }

  /** Claims the session for this node; false when another node holds it. */
  async claimHome(sessionId: string): Promise<boolean> {
    const key = this.key.home(sessionId);
    if ((await this.redis.set(key, this.self.id, 'PX', HOME_TTL_MS, 'NX')) === 'OK') return true;
    return (await this.redis.get(key)) === this.self.id;
  }

  async releaseHome(sessionId: string): Promise<void> {
    await this.redis.eval(DELETE_IF, 1, this.key.home(sessionId), this.self.id).catch(() => {});
  }

  /**
   * The secret the nodes' internal calls carry: CLUSTER_SECRET when set, else one generated by the first
   * node and kept in Redis for the others.
   */
  async sharedSecret(configured: string | undefined): Promise<string> {
    if (configured) return configured;
    await this.redis.set(this.key.secret, crypto.randomBytes(32).toString('base64url'), 'NX');
    return (await this.redis.get(this.key.secret))!;
  }

  close(): Promise<void> {
    return this.leave();
  }
}
