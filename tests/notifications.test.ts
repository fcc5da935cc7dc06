/**
 * Notifications leaving the platform, through the real platform, a real SMTP server and HTTP receivers on
 * 127.0.0.1: an address is used only once verified by the code sent to it; a notification reaches the in-app
 * centre and, by the user's choice, email or SMS (signed), in the user's language with a link, held in quiet
 * hours; a webhook endpoint gets each event signed, retried with back-off, paused after failing in a row
 * (the administrators told) and caught up when resumed; a resend keeps the idempotency key; and nothing in
 * the outbox is lost when the platform stops while the mail server is down.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries, notifications, users } from '../server/db/schema.ts';
import { localTime } from '../server/contracts/local-time.ts';
import { verifySignature } from '../server/notify/index.ts';
import { storeNotifications } from '../server/services/recipients.ts';
import { loggedInClients, startTestPlatform, type TestPlatform } from './support/platform.ts';
import { startReceiver, startSmtp } from './support/receivers.ts';
import { waitFor } from './support/wait.ts';
import { createWorld, PASSWORD, type World } from './support/world.ts';

const SMS_SECRET = 'sms-gateway-secret-0123456789';
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let platform: TestPlatform;
let world: World;
let env: Record<string, string>;
const clients = loggedInClients(() => platform.url, PASSWORD);
const as = (key: Parameters<typeof clients.as>[0]) => clients.as(key);
let noticeCount = 0;

/** Officer 1 publishes a notice to the main port's enterprises (A and B); returns its title. */
async function publishNotice(): Promise<string> {
  const title = `通知 ${++noticeCount}`;
  const res = await (await as('officer1')).post('/api/notices', { portId: world.ports.main, texts: { 'zh-CN': { title, body: '请阅读。' } } });
  expect(res.status).toBe(201);
  return title;
}

const mailTo = (address: string, subjectPart: string) => smtp.mails.filter((m) => m.to.includes(address) && m.subject.includes(subjectPart));
const postsTo = (path: string) => receiver.posts.filter((p) => p.path === path);

beforeAll(async () => {
  smtp = await startSmtp();
  receiver = await startReceiver();
  env = {
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Watchpost <noreply@watchpost.example>',
    SMS_GATEWAY_URL: receiver.url('/sms'),
    SMS_GATEWAY_SECRET: SMS_SECRET,
    PUBLIC_URL: 'https://watchpost.example',
    DELIVERY_RETRY_SECONDS: '0.3',
    WEBHOOK_PAUSE_AFTER: '2',
  };
  platform = await startTestPlatform({ env });
  world = await createWorld(platform.services);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  await smtp?.close();
  await receiver?.close();
});

describe("a user's addresses", () => {
  it('are used only once verified with the code sent there; bad ones and unconfigured channels are refused', async () => {
    const entA = await as('entA');
    expect((await entA.get('/api/account/notifications')).body).toMatchObject({ available: ['email', 'sms'], contacts: [], quietHours: null });
    const im = await entA.put('/api/account/contacts/im', { address: 'alpha_chen' });
    expect([im.status, im.body.error.reason]).toEqual([503, 'channel_not_configured']);
    expect((await entA.put('/api/account/contacts/email', { address: 'not an address' })).status).toBe(400);
    expect((await entA.put('/api/account/contacts/sms', { address: '13800000000' })).status).toBe(400);

    expect((await entA.put('/api/account/contacts/email', { address: 'chen@alpha.example' })).status).toBe(200);
    const mail = await waitFor(() => smtp.mails.find((m) => m.to.includes('chen@alpha.example')), 'the code by email');
    const code = /(\d{6})/.exec(mail.subject)![1]!;
    const again = await entA.put('/api/account/contacts/email', { address: 'chen@alpha.example' });
    expect([again.status, again.body.error.reason]).toEqual([429, 'code_sent_recently']);
    const wrong = await entA.post('/api/account/contacts/email/verify', { code: code === '000000' ? '111111' : '000000' });
    expect([wrong.status, wrong.body.error.reason]).toEqual([400, 'code_wrong']);
    const verified = await entA.post('/api/account/contacts/email/verify', { code });
    expect(verified.body.contacts).toEqual([{ channel: 'email', address: 'chen@alpha.example', verified: true, codeSent: false }]);

    // The phone: the code goes to the SMS gateway as a signed POST.
    expect((await entA.put('/api/account/contacts/sms', { address: '+8613800000000' })).status).toBe(200);
    const sms = await waitFor(() => postsTo('/sms').at(-1), 'the code by SMS');
    expect(verifySignature(SMS_SECRET, String(sms.headers['watchpost-signature']), sms.body)).toBe(true);
    const smsBody = JSON.parse(sms.body);
    expect(smsBody).toMatchObject({ channel: 'sms', to: '+8613800000000', kind: 'contact.verify' });
    await entA.post('/api/account/contacts/sms/verify', { code: /(\d{6})/.exec(smsBody.text)![1] });
    expect((await entA.get('/api/account/notifications')).body.contacts.filter((c: { verified: boolean }) => c.verified)).toHaveLength(2);
  });
});

describe('a notification', () => {
  it('reaches the in-app centre and, verified, the email of each user, in their language with a link', async () => {
    const title = await publishNotice();
    const mail = await waitFor(() => mailTo('chen@alpha.example', title)[0], 'the notice by email');
    expect(mail.subject).toBe(`海关公告：${title}`);
    expect(mail.raw).toContain('https://watchpost.example/desk');
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@watchpost>$/);
    // Enterprise B has no verified address: in-app only.
    const entB = (await (await as('entB')).get('/api/notifications')).body;
    expect(entB.items[0]).toMatchObject({ kind: 'notice.published', readAt: null });
    const entA = await as('entA');
    const list = (await entA.get('/api/notifications?unread=true')).body;
    expect(list.unread).toBeGreaterThanOrEqual(1);
    expect((await entA.post('/api/notifications/read', { ids: [] })).status).toBe(400);
    expect((await entA.post('/api/notifications/read', { all: true })).body.unread).toBe(0);
    // Another user's notifications are not marked by this.
    expect((await (await as('entB')).get('/api/notifications')).body.unread).toBeGreaterThanOrEqual(1);
  });

  it('goes by the channels the user chose for its kind, and waits for the end of quiet hours', async () => {
    const entA = await as('entA');
    expect((await entA.put('/api/account/notifications', { channels: { notice: ['fax'] }, quietHours: null })).status).toBe(400);
    expect((await entA.put('/api/account/notifications', { channels: { notice: ['sms'] }, quietHours: { start: '25:00', end: '07:00' } })).status).toBe(400);
    expect((await entA.put('/api/account/notifications', { channels: { notice: ['sms'] }, quietHours: null })).body.channels.notice).toEqual(['sms']);
    const title = await publishNotice();
    const sms = await waitFor(() => postsTo('/sms').find((p) => p.body.includes(title)), 'the notice by SMS');
    expect(verifySignature(SMS_SECRET, String(sms.headers['watchpost-signature']), sms.body)).toBe(true);
    const body = JSON.parse(sms.body);
    expect(body).toMatchObject({ channel: 'sms', to: '+8613800000000', kind: 'notice.published', locale: 'zh-CN', link: 'https://watchpost.example/desk' });
    expect(sms.headers['idempotency-key']).toBe(body.id);
    expect(mailTo('chen@alpha.example', title)).toEqual([]);

    // Quiet from an hour ago to an hour ahead (the port's zone): held until then.
    const hour = 3_600_000;
    const quietHours = { start: localTime(new Date(Date.now() - hour), 'Asia/Shanghai'), end: localTime(new Date(Date.now() + hour), 'Asia/Shanghai') };
    await entA.put('/api/account/notifications', { channels: { notice: ['sms'] }, quietHours });
    const held = await publishNotice();
    await new Promise((r) => setTimeout(r, 1500));
    expect(postsTo('/sms').filter((p) => p.body.includes(held))).toEqual([]);
    const [pending] = await platform.database.db
      .select()
      .from(deliveries)
      .innerJoin(users, eq(users.id, deliveries.userId))
      .where(and(eq(users.username, 'entA'), eq(deliveries.status, 'pending')));
    expect(pending!.deliveries.nextAt.getTime()).toBeGreaterThan(Date.now() + hour - 120_000);
    await entA.put('/api/account/notifications', { channels: {}, quietHours: null });
  });
});

describe('a booking confirmation', () => {
  it('reaches the enterprise in-app, by email in its language and by SMS signed for the gateway', async () => {
    const entA = await as('entA');
    await entA.put('/api/account/notifications', { channels: { booking: ['email', 'sms'] }, quietHours: null });
    const slotStart = new Date(Date.now() + 2 * 3_600_000);
    const booking = (
      await entA.post('/api/bookings', {
        declarationId: world.declarations.a,
        type: 'label_rectification',
        slotStart: slotStart.toISOString(),
        slotEnd: new Date(slotStart.getTime() + 3_600_000).toISOString(),
      })
    ).body;
    expect((await (await as('officer1')).post(`/api/bookings/${booking.id}/confirm`)).status).toBe(200);
    const mail = await waitFor(() => mailTo('chen@alpha.example', '查验已确认')[0], 'the confirmation by email');
    expect(mail.subject).toBe('查验已确认：530120261000000001');
    const sms = await waitFor(() => postsTo('/sms').find((p) => JSON.parse(p.body).kind === 'booking.confirmed'), 'the confirmation by SMS');
    expect(verifySignature(SMS_SECRET, String(sms.headers['watchpost-signature']), sms.body)).toBe(true);
    expect(verifySignature('another-secret-0123456789', String(sms.headers['watchpost-signature']), sms.body)).toBe(false);
    const inApp = (await entA.get('/api/notifications')).body.items.find((n: { kind: string }) => n.kind === 'booking.confirmed');
    expect(inApp).toMatchObject({ title: '查验已确认：530120261000000001', link: '/' });
    await entA.put('/api/account/notifications', { channels: {}, quietHours: null });
  });

  it('is held in quiet hours, as any reminder is; an alarm is not', async () => {
    // Officer 1 with a verified email and quiet hours now.
    const officer = await as('officer1');
    await officer.put('/api/account/contacts/email', { address: 'wang@customs.example' });
    const mail = await waitFor(() => smtp.mails.find((m) => m.to.includes('wang@customs.example')), 'the code');
    await officer.post('/api/account/contacts/email/verify', { code: /(\d{6})/.exec(mail.subject)![1] });
    const hour = 3_600_000;
    await officer.put('/api/account/notifications', {
      channels: {},
      quietHours: { start: localTime(new Date(Date.now() - hour), 'Asia/Shanghai'), end: localTime(new Date(Date.now() + hour), 'Asia/Shanghai') },
    });
    // Told through the one seam every notification takes.
    await platform.database.db.transaction(async (tx) => {
      await storeNotifications(tx, [world.users.officer1.id], 'booking.reminder', { bookingId: crypto.randomUUID(), slotStart: new Date().toISOString(), type: 'label_rectification' });
      await storeNotifications(tx, [world.users.officer1.id], 'alarm.raised', { alarmId: crypto.randomUUID(), rule: 'seal_mismatch', place: 'Alpha pig farm · Gate', at: new Date().toISOString() });
    });
    await platform.sweepDeliveries();
    const alarm = await waitFor(() => smtp.mails.find((m) => m.to.includes('wang@customs.example') && m.subject.startsWith('告警')), 'the alarm in quiet hours');
    expect(alarm.subject).toBe('告警：Alpha pig farm · Gate 封志号未申报');
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.mails.filter((m) => m.to.includes('wang@customs.example') && m.subject.startsWith('查验即将开始'))).toEqual([]);
    await officer.put('/api/account/notifications', { channels: {}, quietHours: null });
  });
});

describe('a webhook endpoint', () => {
  let endpoint: { id: string; secret: string };

  it('is registered by an administrator, its secret shown once, and gets each event it wants signed', async () => {
    const admin = await as('admin');
    expect((await admin.post('/api/admin/webhooks', { url: 'ftp://erp.example/hook' })).status).toBe(400);
    expect((await admin.post('/api/admin/webhooks', { url: receiver.url('/hook'), events: ['notice.invented'] })).status).toBe(400);
    expect((await (await as('officer1')).post('/api/admin/webhooks', { url: receiver.url('/hook') })).status).toBe(403);
    const created = await admin.post('/api/admin/webhooks', { url: receiver.url('/hook'), description: 'Customs ERP', events: ['notice.published'] });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    endpoint = created.body;
    expect((await admin.get('/api/admin/webhooks')).body).toEqual([expect.not.objectContaining({ secret: expect.anything() })]);

    const title = await publishNotice();
    const post = await waitFor(() => postsTo('/hook').find((p) => p.body.includes(title)), 'the event at the endpoint');
    const signature = String(post.headers['watchpost-signature']);
    expect(verifySignature(endpoint.secret, signature, post.body)).toBe(true);
    expect(verifySignature(endpoint.secret, signature, post.body.replace(title, 'forged'))).toBe(false);
    expect(verifySignature('whsec_other', signature, post.body)).toBe(false);
    expect(verifySignature(endpoint.secret, signature, post.body, { now: new Date(Date.now() + 600_000) })).toBe(false);
    const event = JSON.parse(post.body);
    expect(event).toMatchObject({ version: 1, type: 'notice.published', data: { noticeId: expect.any(String) } });
    expect(post.headers['idempotency-key']).toEqual(expect.any(String));
    // A ticket is not an event it wants.
    const before = postsTo('/hook').length;
    await (await as('entA')).post('/api/tickets', { enterpriseId: world.enterprises.a, subject: 'general', portId: world.ports.main, title: 'Webhook filter', text: 'Not for the ERP' });
    await platform.sweepDeliveries();
    await new Promise((r) => setTimeout(r, 500));
    expect(postsTo('/hook')).toHaveLength(before);
  });

  it('is retried with back-off when it fails, paused after failing in a row (administrators told), and caught up when resumed', async () => {
    const admin = await as('admin');
    receiver.answer(503);
    const title = await publishNotice();
    await waitFor(async () => (await admin.get('/api/admin/webhooks')).body[0].pausedAt, 'the endpoint paused', 20_000);
    const failed = postsTo('/hook').filter((p) => p.body.includes(title));
    expect(failed).toHaveLength(2);
    expect(new Set(failed.map((p) => p.headers['idempotency-key'])).size).toBe(1);
    const [told] = await platform.database.db
      .select({ payload: notifications.payload })
      .from(notifications)
      .innerJoin(users, eq(users.id, notifications.userId))
      .where(and(eq(users.username, 'admin'), eq(notifications.kind, 'webhook.paused')));
    expect(told?.payload).toMatchObject({ endpointId: endpoint.id, failures: 2 });
    const log = (await admin.get(`/api/admin/deliveries?endpointId=${endpoint.id}&status=pending`)).body;
    expect(log[0].log.map((a: { ok: boolean; response: string }) => [a.ok, a.response.slice(0, 3)])).toEqual([
      [false, '503'],
      [false, '503'],
    ]);

    // Paused: nothing more is tried; resumed: what waited is sent, with the same key.
    await new Promise((r) => setTimeout(r, 1500));
    expect(postsTo('/hook').filter((p) => p.body.includes(title))).toHaveLength(2);
    receiver.answer(200);
    expect((await admin.post(`/api/admin/webhooks/${endpoint.id}/resume`)).body).toMatchObject({ pausedAt: null, consecutiveFailures: 0 });
    await waitFor(() => postsTo('/hook').filter((p) => p.body.includes(title)).length === 3, 'the event after resuming');
    const delivered = await waitFor(async () => (await admin.get(`/api/admin/deliveries?endpointId=${endpoint.id}&status=sent`)).body.find((d: { id: string }) => d.id === log[0].id), 'sent');
    expect(delivered.attempts).toBe(3);
    expect(
      postsTo('/hook')
        .filter((p) => p.body.includes(title))
        .at(-1)!.headers['idempotency-key'],
    ).toBe(failed[0]!.headers['idempotency-key']);

    // Resent by hand: the same delivery id again.
    expect((await (await as('officer1')).post(`/api/admin/deliveries/${delivered.id}/resend`)).status).toBe(403);
    await admin.post(`/api/admin/deliveries/${delivered.id}/resend`);
    await waitFor(() => postsTo('/hook').filter((p) => p.body.includes(title)).length === 4, 'the resent event');
    await new Promise((r) => setTimeout(r, 800));
    expect(postsTo('/hook').filter((p) => p.body.includes(title))).toHaveLength(4);
  });

  it('stops when removed', async () => {
    const admin = await as('admin');
    await admin.delete(`/api/admin/webhooks/${endpoint.id}`);
    const before = postsTo('/hook').length;
    await publishNotice();
    await platform.sweepDeliveries();
    await new Promise((r) => setTimeout(r, 500));
    expect(postsTo('/hook')).toHaveLength(before);
    expect((await admin.get('/api/admin/webhooks')).body).toEqual([]);
  });
});

describe('an email that cannot go now', () => {
  it('is tried again when the mail server refuses for a while, and sent once', async () => {
    smtp.refuse(451);
    const title = await publishNotice();
    const admin = await as('admin');
    await waitFor(async () => (await admin.get('/api/admin/deliveries?channel=email&status=pending')).body.find((d: { attempts: number }) => d.attempts >= 1), 'a refused attempt');
    smtp.refuse(null);
    await waitFor(() => mailTo('chen@alpha.example', title)[0], 'the mail once the server takes it');
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailTo('chen@alpha.example', title)).toHaveLength(1);
  });

  it('is kept when the platform stops while the mail server is down, and sent once after both are back', async () => {
    await smtp.close();
    const title = await publishNotice();
    const admin = await as('admin');
    await waitFor(async () => (await admin.get('/api/admin/deliveries?channel=email&status=pending')).body.find((d: { attempts: number }) => d.attempts >= 1), 'a failed attempt');
    platform.keepData();
    await platform.stop();
    const port = smtp.port;
    smtp = await startSmtp(port);
    platform = await startTestPlatform({ restartOf: platform, env });
    await waitFor(() => mailTo('chen@alpha.example', title)[0], 'the mail after the restart', 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(mailTo('chen@alpha.example', title)).toHaveLength(1);
  }, 60_000);
});
