/** Bad input gets a 4xx with a stable code and changes nothing. */
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, bookings } from '../server/db/schema.ts';
import type { Platform } from '../server/platform.ts';
import { HttpClient, startTestPlatform } from './support/platform.ts';
import { createWorld, PASSWORD, type World } from './support/world.ts';

let platform: Platform;
let world: World;
let client: HttpClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  world = await createWorld(platform.services);
  client = new HttpClient(platform.url);
  await client.login('entA', PASSWORD);
});
afterAll(() => platform?.stop());

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const valid = () => ({ declarationId: world.declarations.a, type: 'label_rectification', slotStart: inHours(24), slotEnd: inHours(25) });

async function counts() {
  const db = platform.database.db;
  const [b] = await db.select({ n: count() }).from(bookings);
  const [a] = await db.select({ n: count() }).from(auditLog);
  return { bookings: b!.n, audit: a!.n };
}

describe('POST /api/bookings with bad input', () => {
  // Bodies are built lazily: the world exists only once beforeAll has run.
  const cases: Array<[string, () => unknown, number, string, RegExp?]> = [
    ['an empty body', () => ({}), 400, 'validation_failed', /declarationId/],
    ['a declaration id that is not a uuid', () => ({ ...valid(), declarationId: '42' }), 400, 'validation_failed', /declarationId/],
    ['an unknown inspection type', () => ({ ...valid(), type: 'party' }), 400, 'validation_failed', /type/],
    ['a slot that is not a timestamp', () => ({ ...valid(), slotStart: 'tomorrow morning' }), 400, 'validation_failed', /slotStart/],
    ['a timestamp without time zone', () => ({ ...valid(), slotStart: '2030-01-01T10:00:00' }), 400, 'validation_failed', /slotStart/],
    ['a number where text belongs', () => ({ ...valid(), note: 12 }), 400, 'validation_failed', /note/],
    ['a body over the size limit', () => ({ ...valid(), note: 'x'.repeat(300_000) }), 413, 'payload_too_large'],
    ['a slot ending before it starts', () => ({ ...valid(), slotStart: inHours(26), slotEnd: inHours(25) }), 422, 'slot_invalid'],
    ['a slot in the past', () => ({ ...valid(), slotStart: inHours(-3), slotEnd: inHours(-2) }), 422, 'slot_invalid'],
    ['a declaration that does not exist', () => ({ ...valid(), declarationId: '00000000-0000-4000-8000-000000000000' }), 404, 'not_found'],
    ['a JSON array', () => [valid()], 400, 'validation_failed'],
  ];

  it.each(cases)('refuses %s', async (_title, body, status, code, messageMatch) => {
    const before = await counts();
    const res = await client.post('/api/bookings', body());
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    if (messageMatch) expect(res.body.error.message).toMatch(messageMatch);
    expect(await counts()).toEqual(before);
  });

  it('refuses a body that is not JSON', async () => {
    const before = await counts();
    const res = await client.request('POST', '/api/bookings', undefined, '{"declarationId": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(await counts()).toEqual(before);
  });

  it('accepts the same request once it is valid', async () => {
    const res = await client.post('/api/bookings', valid());
    expect(res.status).toBe(201);
  });
});

describe('other bad requests', () => {
  it('refuses a malformed id in the path', async () => {
    const res = await client.post('/api/bookings/not-a-uuid/cancel', {});
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('refuses bad query parameters', async () => {
    for (const q of ['limit=0', 'limit=1000', 'offset=-1', 'status=dancing', 'from=yesterday']) {
      const res = await client.get(`/api/bookings?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('answers an unknown API route with 404 not_found', async () => {
    const res = await client.get('/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('refuses a proposal whose slot is malformed, leaving the booking as it was', async () => {
    const booking = (await client.post('/api/bookings', { ...valid(), slotStart: inHours(30), slotEnd: inHours(31) })).body;
    const officer = new HttpClient(platform.url);
    await officer.login('officer1', PASSWORD);
    const res = await officer.post(`/api/bookings/${booking.id}/propose`, { slotStart: inHours(40) });
    expect(res.status).toBe(400);
    expect((await officer.get(`/api/bookings/${booking.id}`)).body).toMatchObject({ status: 'requested', slotStart: booking.slotStart });
  });
});
