/**
 * Frames held for correction live in Redis, so any node answers for them: bounded per user and in all,
 * expiring, readable only by the user holding them, and taken once.
 */
import crypto from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { HeldFrameStore } from '../server/infra/held-frames.ts';

const prefix = `held-test-${crypto.randomBytes(4).toString('hex')}`;
const stores: HeldFrameStore<{ n: number }>[] = [];
const store = (limits = { ttlMs: 60_000, perUser: 2, inAll: 3 }, keyPrefix = prefix) => {
  const s = new HeldFrameStore<{ n: number }>(inject('redisUrl'), keyPrefix, limits);
  stores.push(s);
  return s;
};
const jpeg = (n: number) => Buffer.from([0xff, 0xd8, n, 0x00, 0xff]); // binary, with a zero byte

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

describe('held frames (Redis)', () => {
  it('is read back on another connection (another node), by the user holding it only, bytes intact', async () => {
    const [a, b] = [store(), store()];
    const id = crypto.randomUUID();
    await a.hold(id, 'u1', Date.now(), { n: 1 }, jpeg(1));
    expect(await b.get(id, 'u1')).toEqual({ meta: { n: 1 }, jpeg: jpeg(1) });
    expect(await b.get(id, 'u2')).toBeNull();
    expect(await b.get(crypto.randomUUID(), 'u1')).toBeNull();
  });

  it('keeps a user to the limit and the platform to its own, the oldest let go first', async () => {
    const s = store({ ttlMs: 60_000, perUser: 2, inAll: 3 }, `${prefix}-limits`);
    const t = Date.now();
    const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
    await s.hold(ids[0]!, 'v1', t, { n: 0 }, jpeg(0));
    await s.hold(ids[1]!, 'v1', t + 1, { n: 1 }, jpeg(1));
    await s.hold(ids[2]!, 'v1', t + 2, { n: 2 }, jpeg(2)); // v1's oldest goes
    expect(await s.get(ids[0]!, 'v1')).toBeNull();
    expect(await s.get(ids[1]!, 'v1')).not.toBeNull();
    await s.hold(ids[3]!, 'v2', t + 3, { n: 3 }, jpeg(3));
    await s.hold(ids[4]!, 'v3', t + 4, { n: 4 }, jpeg(4)); // four on the platform: its oldest (v1's) goes
    expect(await s.get(ids[1]!, 'v1')).toBeNull();
    expect((await Promise.all([s.get(ids[2]!, 'v1'), s.get(ids[3]!, 'v2'), s.get(ids[4]!, 'v3')])).map((h) => h?.meta.n)).toEqual([2, 3, 4]);
  });

  it('expires a frame, and forgets it in the counts', async () => {
    const s = store({ ttlMs: 300, perUser: 1, inAll: 100 });
    const id = crypto.randomUUID();
    await s.hold(id, 'w1', Date.now(), { n: 1 }, jpeg(1));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await s.get(id, 'w1')).toBeNull();
    const redis = new Redis(inject('redisUrl'));
    try {
      expect(await redis.exists(`${prefix}:held-frame:${id}`, `${prefix}:held-frame:user:w1`)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  it('gives a frame to one of two takers, and to no one else after', async () => {
    const [a, b] = [store(), store()];
    const id = crypto.randomUUID();
    await a.hold(id, 'x1', Date.now(), { n: 7 }, jpeg(7));
    expect(await a.take(id, 'x2')).toBeNull(); // not theirs
    const taken = await Promise.all([a.take(id, 'x1'), b.take(id, 'x1')]);
    expect(taken.filter(Boolean)).toHaveLength(1);
    expect(taken.find(Boolean)).toEqual({ meta: { n: 7 }, jpeg: jpeg(7) });
    expect(await a.get(id, 'x1')).toBeNull();
  });
});
