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
import { addDays, localDay, zonedInstant } from '../server/contracts/local-time.ts';
import { DeadlineReminderService } from '../server/services/deadline-reminders.service.ts';
import { AnnualReportService } from '../server/services/annual-reports.service.ts';
import type { Principal } from '../server/services/access.ts';
import { createWorld, inspectionActors, PASSWORD, startLiveInspection, type UserKey, type World } from './support/world.ts';

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
    const actors = await inspectionActors(services);
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
    expect(record.openRectifications).toEqual([
      expect.objectContaining({ declarationNumber: '530120261000000099', status: 'open', required: 'Labels lack the importer address\nRelabel and book again within 10 days' }),
    ]);

    expect((await (await as('officer1')).get(`/api/enterprises/${world.enterprises.a}/record`)).status).toBe(200);
    expect((await (await as('officerOtherPort')).get(`/api/enterprises/${world.enterprises.a}/record`)).status).toBe(404);
    expect((await (await as('entB')).get(`/api/enterprises/${world.enterprises.a}/record`)).status).toBe(404);
  });
});

describe('a rectification', () => {
  const zone = 'Asia/Shanghai';
  let actors: Record<'entA' | 'officer1' | 'admin', Principal>;
  let rectificationId: string;
  let declarationId: string;
  let dueOn: string;

  beforeAll(async () => {
    const { services } = platform;
    actors = await inspectionActors(services);
  });

  it('is opened by a rectify verdict with the day to put it right by, and the enterprise is told', async () => {
    const inspection = await startLiveInspection(platform.services, actors, world, {
      declaration: { number: '530120261000000098', goodsDescription: 'Chilled pork', declaredQuantity: 40, quantityUnit: 'carton', sealNumbers: [] },
      type: 'label_rectification',
    });
    declarationId = inspection.declarationId;
    const verdict = { outcome: 'rectify', findings: 'Cartons lack the Chinese label', followUp: 'Relabel every carton' };
    // A day in the past is refused, and nothing is recorded.
    const bad = await (await as('officer1')).post(`/api/sessions/${inspection.sessionId}/verdict`, { ...verdict, rectifyBy: '2020-01-01' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.reason).toBe('rectify_by_invalid');
    expect((await (await as('officer1')).get(`/api/sessions/${inspection.sessionId}/verdict`)).status).toBe(404);

    dueOn = addDays(localDay(new Date(), zone), 3);
    expect((await (await as('officer1')).post(`/api/sessions/${inspection.sessionId}/verdict`, { ...verdict, rectifyBy: dueOn })).status).toBe(201);
    const mine = (await (await as('entA')).get('/api/rectifications?status=open')).body;
    const opened = mine.find((r: { declarationNumber: string }) => r.declarationNumber === '530120261000000098');
    expect(opened).toMatchObject({ dueOn, status: 'open', overdue: false, required: 'Cartons lack the Chinese label\nRelabel every carton' });
    rectificationId = opened.id;
    expect((await notified('entA', 'rectification.opened')).map((n) => n.payload)).toContainEqual({ rectificationId, declarationNumber: '530120261000000098', dueOn });
    expect((await (await as('entB')).get(`/api/rectifications/${rectificationId}`)).status).toBe(404);
    expect((await (await as('officerOtherPort')).get(`/api/rectifications/${rectificationId}`)).status).toBe(404);
    const record = (await (await as('entA')).get(`/api/enterprises/${world.enterprises.a}/record`)).body;
    expect(record.openRectifications).toContainEqual(expect.objectContaining({ id: rectificationId, status: 'open', dueOn }));
  });

  it('goes back and forth: reported by the enterprise, returned with a note, reported again and accepted; each side told', async () => {
    const url = `/api/rectifications/${rectificationId}`;
    const early = await (await as('officer1')).post(`${url}/review`, { accept: true });
    expect([early.status, early.body.error.reason]).toEqual([409, 'rectification_not_reported']);
    expect((await (await as('entA')).post(`${url}/report`, { text: '' })).status).toBe(400);
    expect((await (await as('officer1')).post(`${url}/report`, { text: 'Done' })).status).toBe(403);
    const reported = await (await as('entA')).post(`${url}/report`, { text: 'All 40 cartons relabelled; photos attached to the ticket' });
    expect(reported.body.status).toBe('reported');
    expect(await notified('officer1', 'rectification.reported')).toHaveLength(1);
    expect(await notified('officerOtherPort', 'rectification.reported')).toHaveLength(0);
    const twice = await (await as('brokerA')).post(`${url}/report`, { text: 'Done again' });
    expect([twice.status, twice.body.error.reason]).toEqual([409, 'rectification_not_open']);
    expect((await (await as('officerOtherPort')).post(`${url}/review`, { accept: true })).status).toBe(404);
    const noNote = await (await as('officer1')).post(`${url}/review`, { accept: false });
    expect([noNote.status, noNote.body.error.reason]).toEqual([400, 'note_required']);
    expect((await (await as('officer1')).post(`${url}/review`, { accept: false, note: 'The photos show ten cartons only' })).body.status).toBe('open');
    expect(await notified('entA', 'rectification.returned')).toHaveLength(1);
    await (await as('entA')).post(`${url}/report`, { text: 'Photos of all 40 cartons' });
    const accepted = (await (await as('officer1')).post(`${url}/review`, { accept: true, note: 'Seen' })).body;
    expect(accepted).toMatchObject({ status: 'accepted', closedAt: expect.any(String) });
    expect(accepted.steps.map((s: { kind: string }) => s.kind)).toEqual(['opened', 'reported', 'returned', 'reported', 'accepted']);
    expect(await notified('entA', 'rectification.accepted')).toHaveLength(1);
    const record = (await (await as('entA')).get(`/api/enterprises/${world.enterprises.a}/record`)).body;
    expect(record.openRectifications.map((r: { id: string }) => r.id)).not.toContain(rectificationId);
  });

  it('is closed by a later inspection of the declaration that passes', async () => {
    const { services } = platform;
    const first = await startLiveInspection(services, actors, world, { declaration: { id: declarationId }, type: 'label_rectification' });
    await services.verdicts.record(actors.officer1, first.sessionId, { outcome: 'rectify', findings: 'Two cartons still unlabelled' });
    const [open] = await services.rectifications.list(actors.entA, { status: 'open', enterpriseId: world.enterprises.a });
    expect(open).toMatchObject({ declarationId, dueOn: addDays(localDay(new Date(), zone), 15) });
    const again = await startLiveInspection(services, actors, world, { declaration: { id: declarationId }, type: 'label_rectification' });
    await services.verdicts.record(actors.officer1, again.sessionId, { outcome: 'pass', findings: '' });
    const closed = await services.rectifications.get(actors.entA, open!.id);
    expect(closed.status).toBe('accepted');
    expect(closed.steps.at(-1)?.kind).toBe('passed_inspection');
  });

  it('reminds the enterprise before its due day, and the port as well once it is overdue, each once; not once it is reported', async () => {
    const { services } = platform;
    const inspection = await startLiveInspection(services, actors, world, {
      declaration: { number: '530120261000000097', goodsDescription: 'Frozen beef', declaredQuantity: 10, quantityUnit: 'carton', sealNumbers: [] },
      type: 'label_rectification',
    });
    const due = addDays(localDay(new Date(), zone), 5);
    await services.verdicts.record(actors.officer1, inspection.sessionId, { outcome: 'rectify', findings: 'Seal damaged', rectifyBy: due });
    const [r] = await services.rectifications.list(actors.entA, { status: 'open', enterpriseId: world.enterprises.a });
    const at = (day: string, hhmm: string) => zonedInstant(day, hhmm, zone);
    const reminders = (now: Date) => new DeadlineReminderService({ db: platform.database.db, annualReports: services.annualReports, declarationEndingDays: 7, clock: () => now });
    const planned = async (now: Date) => {
      const out = [];
      for await (const d of reminders(now).deadlines(now)) if (d.subjectId === r!.id) out.push(d.stage);
      return out;
    };

    // Two days before, at 09:00 local: the enterprise. A minute early, it waits.
    const dueAt = at(addDays(due, -2), '09:00');
    expect(await reminders(new Date(dueAt.getTime() - 60_000)).send('rectification', r!.id, 'due')).toEqual({ notBefore: dueAt });
    expect(await planned(dueAt)).toEqual(['due']);
    const sent = await reminders(new Date(dueAt.getTime() + 60_000)).send('rectification', r!.id, 'due');
    expect(sent).toMatchObject({ kind: 'rectification.due', payload: { rectificationId: r!.id, dueOn: due } });
    expect(await reminders(new Date(dueAt.getTime() + 120_000)).send('rectification', r!.id, 'due')).toBeNull();

    // The day after: the enterprise and the port's officers.
    const overdueAt = at(addDays(due, 1), '09:00');
    expect(await planned(overdueAt)).toEqual(['due', 'overdue']);
    const overdue = await reminders(overdueAt).send('rectification', r!.id, 'overdue');
    expect(overdue).toMatchObject({ kind: 'rectification.overdue' });
    const officer1 = (await services.auth.login('officer1', PASSWORD)).principal.userId;
    expect((overdue as { userIds: string[] }).userIds).toContain(officer1);
    expect((await notified('officer1', 'rectification.overdue')).map((n) => n.payload)).toContainEqual(expect.objectContaining({ rectificationId: r!.id }));

    // Reported: nothing more is planned; a planned overdue reminder waits a day at a time (customs may return it).
    await services.rectifications.report(actors.entA, r!.id, 'New seal fitted');
    expect(await planned(overdueAt)).toEqual([]);
    const waiting = await reminders(overdueAt).send('rectification', r!.id, 'overdue');
    expect(waiting).toEqual({ notBefore: new Date(overdueAt.getTime() + 86_400_000) });
  });
});

describe("a declaration's validity", () => {
  it('refuses an inspection after its last day, and reminds the enterprise a week before it ends if it has not been inspected', async () => {
    const { services } = platform;
    const zone = 'Asia/Shanghai';
    const validUntil = addDays(localDay(new Date(), zone), 10);
    const bad = await (await as('entA')).post('/api/declarations', {
      number: '530120261000000096',
      enterpriseId: world.enterprises.a,
      portId: world.ports.main,
      goodsDescription: 'Live pigs',
      declaredQuantity: 60,
      quantityUnit: 'head',
      validUntil: '2026-02-30',
    });
    expect(bad.status).toBe(400);
    const created = await (await as('entA')).post('/api/declarations', {
      number: '530120261000000096',
      enterpriseId: world.enterprises.a,
      portId: world.ports.main,
      goodsDescription: 'Live pigs',
      declaredQuantity: 60,
      quantityUnit: 'head',
      validUntil,
    });
    expect(created.body.validUntil).toBe(validUntil);
    const late = zonedInstant(addDays(validUntil, 1), '10:00', zone);
    const refused = await (await as('entA')).post('/api/bookings', {
      declarationId: created.body.id,
      type: 'destination_inspection',
      slotStart: late.toISOString(),
      slotEnd: new Date(late.getTime() + 3_600_000).toISOString(),
    });
    expect([refused.status, refused.body.error.reason]).toEqual([400, 'declaration_expired']);

    const endingAt = zonedInstant(addDays(validUntil, -7), '09:00', zone);
    const reminders = new DeadlineReminderService({ db: platform.database.db, annualReports: services.annualReports, declarationEndingDays: 7, clock: () => endingAt });
    const planned = [];
    for await (const d of reminders.deadlines(endingAt)) if (d.subjectId === created.body.id) planned.push(d);
    expect(planned).toEqual([{ kind: 'declaration', subjectId: created.body.id, stage: 'ending', at: endingAt }]);
    expect(await reminders.send('declaration', created.body.id, 'ending')).toMatchObject({ kind: 'declaration.ending', payload: { declarationNumber: '530120261000000096', validUntil } });
    expect((await notified('entA', 'declaration.ending')).map((n) => n.payload)).toContainEqual(expect.objectContaining({ validUntil }));
  });
});

describe('the annual report', () => {
  const contents = { contactName: 'Li Wei', contactPhone: '+86 20 1234 5678', address: '1 Harbour Road, Guangzhou', employees: 120, exportValue: 3500, importValue: 200, changes: '' };

  it('is filed by the enterprise for last year, checked, corrected until the due day, and read by customs', async () => {
    const { year } = platform.services.annualReports.current();
    const url = `/api/enterprises/${world.enterprises.a}/annual-report`;
    const before = (await (await as('entA')).get(url)).body;
    expect(before).toMatchObject({ year, submitted: null });
    const overdueBefore = (await (await as('officer1')).get('/api/annual-reports/overdue')).body;
    if (before.overdue) expect(overdueBefore.enterprises.map((e: { id: string }) => e.id)).toContain(world.enterprises.a);

    expect((await (await as('entA')).put(`${url}/${year}`, { ...contents, employees: -1 })).status).toBe(400);
    expect((await (await as('entA')).put(`${url}/${year}`, { ...contents, contactPhone: 'call me' })).status).toBe(400);
    const wrongYear = await (await as('entA')).put(`${url}/${year - 1}`, contents);
    expect([wrongYear.status, wrongYear.body.error.reason]).toEqual([400, 'annual_report_year']);
    expect((await (await as('entB')).put(`${url}/${year}`, contents)).status).toBe(403);
    expect((await (await as('officer1')).put(`${url}/${year}`, contents)).status).toBe(403);
    expect((await (await as('entA')).get(url)).body.submitted).toBeNull();

    const filed = (await (await as('entA')).put(`${url}/${year}`, contents)).body;
    expect(filed.submitted).toMatchObject({ year, contents, late: before.overdue });
    expect((await (await as('officer1')).get(url)).body.submitted.contents).toEqual(contents);
    expect((await (await as('entB')).get(url)).status).toBe(404);
    expect((await (await as('officerOtherPort')).get(url)).status).toBe(404);
    expect((await (await as('officer1')).get('/api/annual-reports/overdue')).body.enterprises.map((e: { id: string }) => e.id)).not.toContain(world.enterprises.a);
    const again = await (await as('entA')).put(`${url}/${year}`, { ...contents, employees: 121 });
    // Filed in time: corrected; filed late: kept as it was.
    if (before.overdue) expect([again.status, again.body.error.reason]).toEqual([409, 'annual_report_closed']);
    else expect(again.body.submitted.contents.employees).toBe(121);
  });

  it('reminds an enterprise that has not filed thirty days before the due day and the day after, each once', async () => {
    const { services } = platform;
    // May 2027: the report for 2026 is due on 30 June.
    const dueSoon = new Date('2027-05-31T01:00:00Z');
    const reports = new AnnualReportService({ db: platform.database.db, dueDay: '06-30', clock: () => dueSoon });
    const reminders = (now: Date) => new DeadlineReminderService({ db: platform.database.db, annualReports: reports, declarationEndingDays: 7, clock: () => now });
    const planned = async (now: Date) => {
      const out = [];
      for await (const d of reminders(now).deadlines(now)) if (d.kind === 'annual_report') out.push(`${d.subjectId}:${d.stage}`);
      return out.sort();
    };
    expect(await planned(dueSoon)).toEqual([`${world.enterprises.a}:due_2026`, `${world.enterprises.b}:due_2026`].sort());
    expect(await reminders(dueSoon).send('annual_report', world.enterprises.b, 'due_2026')).toMatchObject({ kind: 'annual_report.due', payload: { year: 2026, dueOn: '2027-06-30' } });
    expect(await reminders(dueSoon).send('annual_report', world.enterprises.b, 'due_2026')).toBeNull();
    expect(await notified('entB', 'annual_report.due')).toHaveLength(1);
    // Filed in June: no overdue reminder for it.
    const entA = (await services.auth.login('entA', PASSWORD)).principal;
    await reports.submit(entA, world.enterprises.a, 2026, contents);
    const overdueAt = new Date('2027-07-01T01:00:00Z');
    expect(await planned(overdueAt)).toEqual([`${world.enterprises.b}:overdue_2026`]);
    expect(await reminders(overdueAt).send('annual_report', world.enterprises.a, 'overdue_2026')).toBeNull();
    expect(await reminders(overdueAt).send('annual_report', world.enterprises.b, 'overdue_2026')).toMatchObject({ kind: 'annual_report.overdue' });
  });
});
