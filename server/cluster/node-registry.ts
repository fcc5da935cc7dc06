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
import { producerInfoSchema } from '../contracts/cluster.ts';

export const HEARTBEAT_MS = 1000;
/** A node silent this long is gone: its sessions are placed again and its clients told to join again. */
export const NODE_TTL_MS = 4000;
/**
 * A claim outlives its node's registration, so that a node killed with sessions is noticed as lost (the
 * gap is noted on their timelines) rather than forgotten; released at once on an orderly close.
 */
const CLAIM_TTL_MS = NODE_TTL_MS * 5;

/** What one node holds for the whole platform: a session's media (its home), a supervised camera's ingest. */
export type ClaimKind = 'session' | 'camera';

/** A supervised camera as its node publishes it: where it is ingested, its streams on the wall, whether it sends. */
export const publishedCameraSchema = z.object({
  node: z.string(),
  siteId: z.string(),
  wall: z.array(producerInfoSchema),
  online: z.boolean(),
  silentSinceMs: z.number().nullable(),
});
export type PublishedCamera = z.infer<typeof publishedCameraSchema>;

export const nodeInfoSchema = z.object({
  id: z.string(),
  /** Where other nodes call this node's internal API. */
  url: z.string(),
  /** Where other nodes send piped media. */
  pipeIp: z.string(),
  /** `inference`: it analyses the other nodes' frames and takes no sessions or cameras. */
  role: z.enum(['all', 'inference']).default('all'),
  /** mediasoup workers: what placement divides the load by. */
  workers: z.number().int(),
  /** Routers on this node's workers (sessions, edges, camera feeds, the wall). */
  routers: z.number().int(),
  /** Sessions whose media lives here. */
  sessions: z.number().int(),
  /** Supervised cameras ingested here. */
  cameras: z.number().int(),
  draining: z.boolean(),
  /** Names of the keys it signs and seals secrets with (not the keys): every node must have the same. */
  keys: z.object({ signingKeyId: z.string(), secretsFingerprint: z.string() }).optional(),
  startedAt: z.string(),
  beatAt: z.number(),
});
export type NodeInfo = z.infer<typeof nodeInfoSchema>;

/** Whether a node takes sessions and cameras now (not stopping, not an inference node). */
export const takesMedia = (n: Pick<NodeInfo, 'draining' | 'role'>) => !n.draining && n.role !== 'inference';

/** A node's load, per worker: what placement compares. */
export const loadOf = (n: Pick<NodeInfo, 'routers' | 'workers'>) => n.routers / Math.max(1, n.workers);

/**
 * Keeps a claim of this node's alive: renewed while it holds this node's name, set again if it expired;
 * 0 when another node holds it now (this node lost it while it was not heard, and must let go).
 */
const RENEW =
  "local v = redis.call('get', KEYS[1]) if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 elseif not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 else return 0 end";
/** Deletes a camera's published entry only while it names this node (a node that took it over has published its own). */
const UNPUBLISH = "local v = redis.call('hget', KEYS[1], ARGV[1]) if v and cjson.decode(v).node == ARGV[2] then return redis.call('hdel', KEYS[1], ARGV[1]) else return 0 end";
/** Deletes a key only while it still holds the given value (a home is released only by its holder). */
const DELETE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export class NodeRegistry {
  private readonly redis: Redis;
  private timer?: NodeJS.Timeout;
  private draining = false;
  private keys: NodeInfo['keys'];
  private readonly startedAt = new Date().toISOString();
  private readonly key: { nodes: string; node: (id: string) => string; claim: (kind: ClaimKind, id: string) => string; cameras: string; secret: string };

  constructor(
    readonly self: Pick<NodeInfo, 'id' | 'url' | 'pipeIp' | 'workers' | 'role'>,
    redisUrl: string,
    prefix: string,
    /** This node's load now, and what it holds (sessions it is home to, supervised cameras it ingests): claims kept alive with each beat. */
    private readonly load: () => { routers: number; sessionIds: string[]; cameraIds: string[] },
    /** A claim this node held was taken by another node (this one went unheard too long): it must let go of it. */
    private readonly lost: (kind: ClaimKind, id: string) => void = () => {},
  ) {
    // Bounded: a Redis that accepts connections but does not answer must not hold a stop up.
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, commandTimeout: 2000 });
    // A beat that cannot reach Redis is tried again at the next one; the error is not a crash.
    this.redis.on('error', () => {});
    this.key = {
      nodes: `${prefix}:cluster:nodes`,
      node: (id) => `${prefix}:cluster:node:${id}`,
      claim: (kind, id) => `${prefix}:cluster:${kind}:${id}`,
      cameras: `${prefix}:cluster:cameras`,
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
    const { routers, sessionIds, cameraIds } = this.load();
    const now = Date.now();
    const info: NodeInfo = { ...this.self, keys: this.keys, routers, sessions: sessionIds.length, cameras: cameraIds.length, draining: this.draining, startedAt: this.startedAt, beatAt: now };
    const batch = this.redis.multi().set(this.key.node(this.self.id), JSON.stringify(info), 'PX', NODE_TTL_MS).zadd(this.key.nodes, now, this.self.id);
    // Members long gone leave the index (their own keys have expired already).
    batch.zremrangebyscore(this.key.nodes, '-inf', now - NODE_TTL_MS * 10);
    const claims = [...sessionIds.map((id) => ['session', id] as const), ...cameraIds.map((id) => ['camera', id] as const)];
    for (const [kind, id] of claims) batch.eval(RENEW, 1, this.key.claim(kind, id), this.self.id, CLAIM_TTL_MS);
    const results = await batch.exec();
    // The renewals answer after the three commands above, in order.
    results?.slice(3).forEach(([err, kept], i) => {
      const [kind, id] = claims[i]!;
      if (!err && kept === 0) this.lost(kind, id);
    });
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
   * Where a new session's media should live: among nodes taking sessions, the one holding most of
   * `nearCameras` (the site's supervised cameras: their ingest is there already, so the session neither
   * ingests them again nor pipes them), then the least loaded (this one on a tie, to save a hop). A node
   * draining alone keeps what it has.
   */
  async placement(nearCameras: string[] = []): Promise<NodeInfo | null> {
    const nodes = (await this.liveNodes()).filter(takesMedia);
    const holders = [...(await this.holders('camera', nearCameras)).values()];
    const holding = (n: NodeInfo) => holders.filter((h) => h === n.id).length;
    nodes.sort((a, b) => holding(b) - holding(a) || loadOf(a) - loadOf(b) || Number(b.id === this.self.id) - Number(a.id === this.self.id));
    return nodes[0] ?? null;
  }

  /**
   * The node holding a session's media (or a camera's ingest) now, if it is alive. A dead holder's claim is
   * cleared, and the caller that cleared it learns which node was lost and how long ago it last beat (one
   * caller only).
   */
  async holderOf(kind: ClaimKind, id: string): Promise<{ home: NodeInfo | null; lost: { nodeId: string; silentMs: number | null } | null }> {
    const holder = await this.redis.get(this.key.claim(kind, id));
    if (!holder) return { home: null, lost: null };
    const node = await this.node(holder);
    if (node) return { home: node, lost: null };
    const cleared = await this.redis.eval(DELETE_IF, 1, this.key.claim(kind, id), holder);
    if (cleared !== 1) return { home: null, lost: null };
    // Its last beat, by its own clock (the index keeps it a while after its key expired).
    const lastBeat = await this.redis.zscore(this.key.nodes, holder);
    return { home: null, lost: { nodeId: holder, silentMs: lastBeat ? Math.max(0, Date.now() - Number(lastBeat)) : null } };
  }

  homeOf(sessionId: string) {
    return this.holderOf('session', sessionId);
  }

  /** Who holds each of `ids` now, by id (null: nobody); holders are not checked for life here. */
  async holders(kind: ClaimKind, ids: string[]): Promise<Map<string, string | null>> {
    if (ids.length === 0) return new Map();
    const values = await this.redis.mget(ids.map((id) => this.key.claim(kind, id)));
    return new Map(ids.map((id, i) => [id, values[i] ?? null]));
  }

  /** Claims it for this node; false when a live node holds it (a dead holder's claim is taken over). */
  async claim(kind: ClaimKind, id: string): Promise<boolean> {
    const key = this.key.claim(kind, id);
    if ((await this.redis.set(key, this.self.id, 'PX', CLAIM_TTL_MS, 'NX')) === 'OK') return true;
    const holder = await this.redis.get(key);
    if (holder === this.self.id) return true;
    if (holder && (await this.node(holder))) return false;
    if (holder) await this.redis.eval(DELETE_IF, 1, key, holder);
    return (await this.redis.set(key, this.self.id, 'PX', CLAIM_TTL_MS, 'NX')) === 'OK';
  }

  claimHome(sessionId: string): Promise<boolean> {
    return this.claim('session', sessionId);
  }

  async release(kind: ClaimKind, id: string): Promise<void> {
    await this.redis.eval(DELETE_IF, 1, this.key.claim(kind, id), this.self.id).catch(() => {});
  }

  releaseHome(sessionId: string): Promise<void> {
    return this.release('session', sessionId);
  }

  /** Publishes a supervised camera held here (its wall streams and whether it sends), for every node's wall and list. */
  async publishCamera(cameraId: string, camera: Omit<PublishedCamera, 'node'>): Promise<void> {
    await this.redis.hset(this.key.cameras, cameraId, JSON.stringify({ ...camera, node: this.self.id }));
  }

  async unpublishCamera(cameraId: string): Promise<void> {
    await this.redis.eval(UNPUBLISH, 1, this.key.cameras, cameraId, this.self.id);
  }

  /** The supervised cameras live on the platform's nodes now (entries of nodes gone are left out). */
  async publishedCameras(): Promise<Map<string, PublishedCamera>> {
    const [entries, live] = await Promise.all([this.redis.hgetall(this.key.cameras), this.liveNodes()]);
    const alive = new Set(live.map((n) => n.id));
    const cameras = new Map<string, PublishedCamera>();
    for (const [cameraId, text] of Object.entries(entries)) {
      const parsed = publishedCameraSchema.safeParse(JSON.parse(text));
      if (parsed.success && alive.has(parsed.data.node)) cameras.set(cameraId, parsed.data);
    }
    return cameras;
  }

  /**
   * Refuses to join a platform whose live nodes sign with another key or seal secrets with another key (each
   * node made its own in a data dir of its own): its seals would not verify, and it could not open the
   * secrets the database holds. Registered with this node's beats for the next node to compare.
   */
  async checkSharedKeys(keys: NonNullable<NodeInfo['keys']>): Promise<void> {
    const others = (await this.liveNodes()).filter((n) => n.id !== this.self.id && n.keys);
    const differing = [
      others.some((n) => n.keys!.signingKeyId !== keys.signingKeyId) && 'SIGNING_KEY_FILE (the signing key)',
      others.some((n) => n.keys!.secretsFingerprint !== keys.secretsFingerprint) && 'SECRETS_KEY_FILE (the key sealing stored secrets)',
    ].filter(Boolean);
    if (differing.length > 0) {
      throw new Error(`This node's keys differ from those of the platform's running nodes: give every node the same ${differing.join(' and ')}`);
    }
    this.keys = keys;
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
}
