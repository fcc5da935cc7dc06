/** Live pushes over socket.io and the BullMQ reminder job, on the real platform. */
import { eq } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications } from '../server/db/schema.ts';
import type { Platform } from '../server/platform.ts';
import { HttpClient, startTestPlatform } from './support/platform.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, type World } from './support/world.ts';

let platform: Platform;
let world: World;
const sockets: Socket[] = [];

beforeAll(async () => {
  // Reminders 60 minutes ahead, so a slot 30 minutes away is reminded at once.
  platform = await startTestPlatform({ env: { REMINDER_MINUTES_BEFORE: '60' } });
  world = await createWorld(platform.services);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await platform?.stop();
});

async function socketFor(username: string | null): Promise<{ socket: Socket; http: HttpClient; events: Array<[string, any]> }> {
  const http = new HttpClient(platform.url);
  let cookie = '';
  if (username) cookie = (await http.login(username, PASSWORD)).setCookie!.split(';')[0]!;
  const socket = connect(platform.url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false });
  sockets.push(socket);
  const events: Array<[string, any]> = [];
  socket.onAny((event, payload) => events.push([event, payload]));
  return { socket, http, events };
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    if (socket.connected) return resolve();
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });

describe('socket.io', () => {
  it('refuses a connection without a valid session', async () => {
    const { socket } = await socketFor(null);
    const err = await connected(socket).then(
      () => null,
      (e: Error & { data?: { code: string } }) => e,
    );
    expect(err?.message).toBe('unauthenticated');
    expect(err?.data?.code).toBe('unauthenticated');
  });

  it('pushes booking changes to the enterprise and the port, not to other enterprises, and reminds both sides', async () => {
    const ent = await socketFor('entA');
    const officer = await socketFor('officer1');
    const other = await socketFor('entB');
    await Promise.all([connected(ent.socket), connected(officer.socket), connected(other.socket)]);

    const slotStart = new Date(Date.now() + 30 * 60_000);
    const booking = (
      await ent.http.post('/api/bookings', {
        declarationId: world.declarations.a,
        type: 'pre_export_sampling',
        slotStart: slotStart.toISOString(),
        slotEnd: new Date(slotStart.getTime() + 3_600_000).toISOString(),
      })
    ).body;
    await waitFor(() => officer.events.find(([e, p]) => e === 'booking:changed' && p.booking.id === booking.id), 'officer push');

    await officer.http.post(`/api/bookings/${booking.id}/confirm`);
    const pushed = await waitFor(() => ent.events.find(([e, p]) => e === 'booking:changed' && p.action === 'confirm'), 'enterprise push of the confirmation');
    expect(pushed[1].booking).toMatchObject({ id: booking.id, status: 'confirmed', officerId: world.users.officer1.id });

    // The confirmation is told first (a notification as well), then the reminder.
    const reminder = await waitFor(() => ent.events.find(([e, n]) => e === 'notification' && (n as { kind: string }).kind === 'booking.reminder'), 'reminder notification');
    expect(reminder[1]).toMatchObject({ kind: 'booking.reminder', payload: { bookingId: booking.id } });
    await waitFor(() => officer.events.find(([e, n]) => e === 'notification' && (n as { kind: string }).kind === 'booking.reminder'), 'officer reminder');
    const stored = await platform.database.db.select().from(notifications).where(eq(notifications.kind, 'booking.reminder'));
    expect(stored.map((n) => n.userId).sort()).toEqual([world.users.entA.id, world.users.officer1.id].sort());

    const kinds = (client: typeof ent) => client.events.filter(([e]) => e === 'notification').map(([, n]) => (n as { kind: string }).kind);
    expect(kinds(officer)).toContain('booking.requested');
    expect(kinds(ent)).toContain('booking.confirmed');
    expect(other.events.filter(([e]) => e === 'booking:changed' || e === 'notification')).toEqual([]);
  });
});
