/**
 * The enterprise's desk with customs through the real platform: a problem ticket goes back and forth between
 * the enterprise and the port's officers (each side told, live and in its notifications; the time to answer
 * kept; attachments served safely; a closed ticket takes nothing more), and a policy notice reaches the
 * enterprises it is meant for, which acknowledge it once. Bad input changes nothing.
 */
import { and, eq } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications, tickets, users } from '../server/db/schema.ts';
import { loggedInClients, startTestPlatform, type TestPlatform } from './support/platform.ts';
import { connectClient, type TestSocketClient } from './support/socket-client.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, startLiveInspection, type UserKey, type World } from './support/world.ts';

let platform: TestPlatform;
let world: World;
const sockets: Socket[] = [];
const clients = loggedInClients(() => platform.url, PASSWORD);
const as = (key: UserKey) => clients.as(key);
let entASocket: TestSocketClient;

const notified = async (username: UserKey, kind: string) =>
  platform.database.db
    .select({ payload: notifications.payload })
    .from(notifications)
    .innerJoin(users, eq(users.id, notifications.userId))
    .where(and(eq(users.username, username), eq(notifications.kind, kind)));

beforeAll(async () => {
  platform = await startTestPlatform();
  world = await createWorld(platform.services);
  entASocket = await connectClient(platform.url, 'entA', sockets);
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.close();
  await platform?.stop();
});

describe('a problem ticket', () => {
  let ticketId: string;

  it('is raised by the enterprise about its declaration and reaches the officers of the port only', async () => {
    const res = await (await as('entA')).post('/api/tickets', {
      enterpriseId: world.enterprises.a,
      subject: 'declaration',
      subjectId: world.declarations.a,
      title: 'Label rectification: which carton size?',
      text: 'The booking asks for cartons of 12; ours hold 10. Is that a problem?',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'open', portId: world.ports.main, minutesToAnswer: null, messages: [expect.objectContaining({ fromCustoms: false })] });
    ticketId = res.body.id;
    expect((await (await as('officer1')).get('/api/tickets?status=open')).body.map((t: { id: string }) => t.id)).toEqual([ticketId]);
    expect((await (await as('officerOtherPort')).get('/api/tickets')).body).toEqual([]);
    expect((await (await as('officerOtherPort')).get(`/api/tickets/${ticketId}`)).status).toBe(404);
    expect((await (await as('entB')).get(`/api/tickets/${ticketId}`)).status).toBe(404);
    expect(await notified('officer1', 'ticket.raised')).toHaveLength(1);
    expect(await notified('officerOtherPort', 'ticket.raised')).toHaveLength(0);
  });

  it('refuses a ticket about another enterprise declaration, without a port, or without a title, and keeps nothing', async () => {
    const before = (await platform.database.db.select().from(tickets)).length;
    const other = await (await as('entA')).post('/api/tickets', { enterpriseId: world.enterprises.a, subject: 'declaration', subjectId: world.declarations.b, title: 'Not ours', text: 'x' });
    expect(other.status).toBe(404);
    const general = await (await as('entA')).post('/api/tickets', { enterpriseId: world.enterprises.a, subject: 'general', title: 'A question', text: 'x' });
    expect(general.body.error.reason).toBe('port_required');
    expect((await (await as('entA')).post('/api/tickets', { enterpriseId: world.enterprises.a, subject: 'general', portId: world.ports.main, title: '', text: 'x' })).status).toBe(400);
    expect((await (await as('entA')).post('/api/tickets', { enterpriseId: world.enterprises.b, subject: 'general', portId: world.ports.main, title: 'For B', text: 'x' })).status).toBe(403);
    expect((await platform.database.db.select().from(tickets)).length).toBe(before);
  });

  it('goes back and forth: the answer is timed and pushed to the enterprise, a reply reopens it', async () => {
    expect((await (await as('officerOtherPort')).post(`/api/tickets/${ticketId}/messages`, { text: 'Not my port' })).status).toBe(404);
    const answered = await (await as('officer1')).post(`/api/tickets/${ticketId}/messages`, { text: 'Cartons of 10 are fine; declare the count.' });
    expect(answered.body).toMatchObject({ status: 'answered', minutesToAnswer: 0 });
    await waitFor(() => entASocket.events.find(([e, p]) => e === 'notification' && p.kind === 'ticket.answered'), 'the answer pushed to the enterprise');
    expect(await notified('entA', 'ticket.answered')).toHaveLength(1);
    const reply = await (await as('entA')).post(`/api/tickets/${ticketId}/messages`, { text: 'Thank you. One more: the labels?' });
    expect(reply.body.status).toBe('open');
    expect(reply.body.messages.map((m: { fromCustoms: boolean }) => m.fromCustoms)).toEqual([false, true, false]);
    expect(reply.body.minutesToAnswer).toBe(0);
  });

  it('keeps attachments and serves them so a browser cannot run them', async () => {
    const http = await as('entA');
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    const send = (body: Buffer | string, type: string, name: string) =>
      fetch(`${platform.url}/api/tickets/${ticketId}/attachments?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { cookie: http.cookieHeader(), 'content-type': type }, body });
    const withPhoto = (await (await send(png, 'image/png', 'label.png')).json()) as { messages: Array<{ id: number; attachment: { contentType: string; size: number } | null }> };
    const photo = withPhoto.messages.at(-1)!;
    expect(photo.attachment).toMatchObject({ contentType: 'image/png', size: png.length });
    const page = (await (await send('<script>alert(1)</script>', 'text/html', 'page.html')).json()) as typeof withPhoto;
    expect(page.messages.at(-1)!.attachment!.contentType).toBe('application/octet-stream');
    const served = await fetch(`${platform.url}/api/tickets/${ticketId}/attachments/${page.messages.at(-1)!.id}`, { headers: { cookie: (await as('officer1')).cookieHeader() } });
    expect(served.headers.get('content-type')).toContain('application/octet-stream');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-disposition')).toContain('attachment');
    const denied = await fetch(`${platform.url}/api/tickets/${ticketId}/attachments/${photo.id}`, { headers: { cookie: (await as('entB')).cookieHeader() } });
    expect(denied.status).toBe(404);
  });

  it('is closed, and then takes nothing more', async () => {
    const closed = await (await as('entA')).post(`/api/tickets/${ticketId}/close`);
    expect(closed.body.status).toBe('closed');
    const late = await (await as('officer1')).post(`/api/tickets/${ticketId}/messages`, { text: 'Late' });
    expect(late.status).toBe(409);
    expect(late.body.error.reason).toBe('ticket_closed');
  });
});

describe('a policy notice', () => {
  let noticeId: string;
  const texts = { 'zh-CN': { title: '关于活猪供港检疫的通知', body: '自下月起……' }, en: { title: 'Live pigs for Hong Kong: quarantine', body: 'From next month…' } };

  it('is published by an officer to the port, and only to its own port', async () => {
    expect((await (await as('officerOtherPort')).post('/api/notices', { portId: world.ports.main, texts })).status).toBe(403);
    expect((await (await as('entA')).post('/api/notices', { portId: null, texts })).status).toBe(403);
    expect((await (await as('officer1')).post('/api/notices', { portId: world.ports.main, texts: {} })).status).toBe(400);
    const res = await (await as('officer1')).post('/api/notices', { portId: world.ports.main, riskClasses: ['B'], texts });
    expect(res.status).toBe(201);
    // Enterprise A is class B with a declaration at the port; B is class C.
    expect(res.body.enterprises).toBe(1);
    noticeId = res.body.id;
    expect(await notified('entA', 'notice.published')).toHaveLength(1);
    expect(await notified('entB', 'notice.published')).toHaveLength(0);
  });

  it('is seen by the enterprises it is for, and acknowledged once', async () => {
    expect((await (await as('entB')).get('/api/notices')).body).toEqual([]);
    expect((await (await as('entB')).post(`/api/notices/${noticeId}/acknowledge`)).status).toBe(404);
    const seen = (await (await as('entA')).get('/api/notices')).body;
    expect(seen).toEqual([expect.objectContaining({ id: noticeId, acknowledgedAt: null })]);
    const first = await (await as('entA')).post(`/api/notices/${noticeId}/acknowledge`);
    expect(first.body.acknowledgedAt).not.toBeNull();
    const again = await (await as('brokerA')).post(`/api/notices/${noticeId}/acknowledge`);
    expect(again.body.acknowledgedAt).toBe(first.body.acknowledgedAt);
    expect((await (await as('officer1')).get('/api/notices')).body).toEqual([expect.objectContaining({ id: noticeId, acknowledged: 1 })]);
  });
});

describe("the enterprise's record", () => {
  it('shows the enterprise its registration, risk class history, sites, declarations, inspections and open rectifications', async () => {
    const { services } = platform;
    const actors = {
      entA: (await services.auth.login('entA', PASSWORD)).principal,
      officer1: (await services.auth.login('officer1', PASSWORD)).principal,
      admin: (await services.auth.login('admin', PASSWORD)).principal,
    };
    await services.admin.createSite(actors.admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Alpha cold store', kind: 'warehouse' });
    await services.admin.setRiskClass(actors.admin, world.enterprises.a, 'C');
    const inspection = await startLiveInspection(services, actors, world, {
      declaration: { number: '530120261000000099', goodsDescription: 'Frozen dumplings', declaredQuantity: 100, quantityUnit: 'carton', sealNumbers: [] },
      type: 'label_rectification',
    });
    await services.verdicts.record(actors.officer1, inspection.sessionId, { outcome: 'rectify', findings: 'Labels lack the importer address', followUp: 'Relabel and book again within 10 days' });

    const record = (await (await as('entA')).get(`/api/enterprises/${world.enterprises.a}/record`)).body;
    expect(record.enterprise).toMatchObject({ name: 'Alpha Foods', riskClass: 'C' });
    expect(record.riskHistory).toEqual([expect.objectContaining({ riskClass: 'C' })]);
    expect(record.sites).toEqual([expect.objectContaining({ name: 'Alpha cold store', kind: 'warehouse', cameras: 0 })]);
    expect(record.declarations.total).toBe(2);
    expect(record.inspections).toEqual([expect.objectContaining({ declarationNumber: '530120261000000099', outcome: 'rectify' })]);
    expect(record.openRectifications).toEqual([expect.objectContaining({ declarationNumber: '530120261000000099', followUp: 'Relabel and book again within 10 days' })]);

    expect((await (await as('officer1')).get(`/api/enterprises/${world.enterprises.a}/record`)).status).toBe(200);
    expect((await (await as('officerOtherPort')).get(`/api/enterprises/${world.enterprises.a}/record`)).status).toBe(404);
    expect((await (await as('entB')).get(`/api/enterprises/${world.enterprises.a}/record`)).status).toBe(404);
  });
});
