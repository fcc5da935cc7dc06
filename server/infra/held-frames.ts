/**
 * Frames held for officers to correct, kept in the platform's Redis so that whichever node a request reaches
 * (behind a load balancer without stickiness) finds the frame another node held. Each frame expires on its
 * own; at most `perUser` are held by one user and `inAll` on the platform (the oldest go first).
 */
import { Redis } from 'ioredis';

export interface HeldFrameLimits {
  ttlMs: number;
  perUser: number;
  inAll: number;
}

/** Adds a frame and drops, in one step, the expired ones and the oldest beyond the limits. */
const HOLD = `
local all, mine, key, prefix = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local now, ttl, perUser, inAll = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[6]), tonumber(ARGV[7])
local id, user = ARGV[4], ARGV[5]
redis.call('ZREMRANGEBYSCORE', all, '-inf', now - ttl)
redis.call('ZREMRANGEBYSCORE', mine, '-inf', now - ttl)
local function drop(gone)
  for _, old in ipairs(gone) do
    local owner = redis.call('HGET', prefix .. old, 'user')
    if owner then redis.call('ZREM', prefix .. 'user:' .. owner, old) end
    redis.call('ZREM', all, old)
    redis.call('DEL', prefix .. old)
  end
end
local over = redis.call('ZCARD', mine) - perUser + 1
if over > 0 then drop(redis.call('ZRANGE', mine, 0, over - 1)) end
over = redis.call('ZCARD', all) - inAll + 1
if over > 0 then drop(redis.call('ZRANGE', all, 0, over - 1)) end
redis.call('HSET', key, 'user', user, 'meta', ARGV[8], 'jpeg', ARGV[9])
redis.call('PEXPIRE', key, ttl)
redis.call('ZADD', all, now, id)
redis.call('ZADD', mine, now, id)
redis.call('PEXPIRE', mine, ttl)
return 1
`;

export class HeldFrameStore<Meta> {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(
    redisUrl: string,
    prefix: string,
    private readonly limits: HeldFrameLimits,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, commandTimeout: 3000 });
    this.redis.on('error', () => {});
    this.prefix = `${prefix}:held-frame:`;
  }

  /** Holds a frame for `userId` (its `heldAt`: when it was held, in ms). */
  async hold(id: string, userId: string, heldAt: number, meta: Meta, jpeg: Buffer): Promise<void> {
    const keys = [`${this.prefix}all`, `${this.prefix}user:${userId}`, this.prefix + id];
    const { ttlMs, perUser, inAll } = this.limits;
    await this.redis.eval(HOLD, keys.length, ...keys, this.prefix, heldAt, ttlMs, id, userId, perUser, inAll, JSON.stringify(meta), jpeg);
  }

  /** A frame held by `userId`, or null (never held, held by someone else, expired or taken). */
  async get(id: string, userId: string): Promise<{ meta: Meta; jpeg: Buffer } | null> {
    const [user, meta, jpeg] = await this.redis.hmgetBuffer(this.prefix + id, 'user', 'meta', 'jpeg');
    if (!user || !meta || !jpeg || user.toString() !== userId) return null;
    return { meta: JSON.parse(meta.toString()) as Meta, jpeg };
  }

  /** Takes a frame held by `userId` away (one of two takers in parallel gets it); null when it is not there. */
  async take(id: string, userId: string): Promise<{ meta: Meta; jpeg: Buffer } | null> {
    const held = await this.get(id, userId);
    if (!held) return null;
    const [[, removed] = []] =
      (await this.redis
        .multi()
        .del(this.prefix + id)
        .zrem(`${this.prefix}all`, id)
        .zrem(`${this.prefix}user:${userId}`, id)
        .exec()) ?? [];
    return removed === 1 ? held : null;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
