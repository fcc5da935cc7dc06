/**
 * `npm run bench:notify [-- N]`: N notifications (500 by default) through the whole path as `npm start` runs
 * it (embedded database, its own Redis): stored with their outbox rows, swept, rendered in the user's
 * language, sent by email to a local SMTP server and as signed webhooks to a local receiver. Prints deliveries
 * per second and the time from the notification to its delivery (p50, p95), against the baseline measured in
 * the same run: the same emails and POSTs sent straight, four at a time (as each channel's worker sends).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import { loadConfig } from '../../server/config.ts';
import { startPlatform } from '../../server/platform.ts';
import { deliveries, userContacts } from '../../server/db/schema.ts';
import { storeNotifications } from '../../server/services/recipients.ts';
import { postSigned, render, smtpSender } from '../../server/notify/index.ts';
import { startReceiver, startSmtp } from '../../tests/support/receivers.ts';

const N = Number(process.argv[2] ?? 500);
const USERS = 50;
const CONCURRENCY = 4;

const smtp = await startSmtp();
const receiver = await startReceiver();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-bench-notify-'));
const { DATABASE_URL: _db, REDIS_URL: _redis, ...env } = process.env;
const platform = await startPlatform(loadConfig({ ...env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', SMTP_URL: smtp.url, DELIVERY_RATE_PER_MINUTE: '100000' }));
const { services } = platform;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** Runs the tasks `CONCURRENCY` at a time; returns the seconds it took. */
async function pool(tasks: Array<() => Promise<unknown>>): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
  return (performance.now() - started) / 1000;
}

try {
  const port = await services.admin.createPort(null, { code: 'BENCH', name: 'Bench port' });
  const enterprise = await services.admin.createEnterprise(null, { name: 'Bench foods', customsCode: '4400000002', riskClass: 'B' });
  const userIds: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const user = await services.admin.createUser(null, { username: `bench${i}`, displayName: `Bench ${i}`, password: 'bench-password-1', role: 'enterprise_user', enterpriseId: enterprise.id });
    userIds.push(user.id);
  }
  // Verified as the account page would leave them.
  await services.db.insert(userContacts).values(userIds.map((userId, i) => ({ userId, channel: 'email' as const, address: `bench${i}@bench.example`, verifiedAt: new Date(), updatedAt: new Date() })));
  const admin = await services.admin.createUser(null, { username: 'benchadmin', displayName: 'Bench admin', password: 'bench-password-1', role: 'admin' });
  const adminP = (await services.auth.login(admin.username, 'bench-password-1')).principal;
  const endpoint = await services.webhooks.create(adminP, { url: receiver.url('/hook'), description: 'bench', events: ['notice.published'] });
  console.log(`${N} notifications to ${USERS} users (email each) and one webhook endpoint: ${2 * N} deliveries; port ${port.code}`);

  // Baseline: the same messages sent straight, no platform.
  const direct = smtpSender(smtp.url, 'Bench <bench@bench.example>');
  const sample = render('notice.published', { noticeId: 'x', titles: { 'zh-CN': '基准测试通知' } }, { locale: 'zh-CN', timeZone: 'Asia/Shanghai', baseUrl: 'http://bench' });
  const baselineSeconds = await pool([
    ...Array.from({ length: N }, (_, i) => () => direct({ id: crypto.randomUUID(), to: `bench${i % USERS}@bench.example`, subject: sample.title, text: sample.body, html: `<p>${sample.body}</p>` })),
    ...Array.from({ length: N }, () => () => postSigned(receiver.url('/baseline'), endpoint.secret, { id: crypto.randomUUID(), type: 'notice.published' }, crypto.randomUUID())),
  ]);
  direct.close();
  const baselineRate = (2 * N) / baselineSeconds;
  console.log(`baseline (sent straight, ${CONCURRENCY} at a time per kind): ${baselineRate.toFixed(0)} messages/s`);

  // Through the platform: each notification its own transaction, as a service tells it.
  const mailsBefore = smtp.mails.length;
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const userId = userIds[i % USERS]!;
    const payload = { noticeId: crypto.randomUUID(), titles: { 'zh-CN': `基准测试通知 ${i}` } };
    await services.db.transaction((tx) => storeNotifications(tx, [userId], 'notice.published', payload));
    services.events.emit('user.notified', { userIds: [userId], kind: 'notice.published', payload });
  }
  const storedSeconds = (performance.now() - started) / 1000;
  const hooks = () => receiver.posts.filter((p) => p.path === '/hook').length;
  const deadline = Date.now() + 10 * 60_000;
  let shown = Date.now();
  while (smtp.mails.length - mailsBefore < N || hooks() < N) {
    if (Date.now() > deadline) throw new Error(`timed out: ${smtp.mails.length - mailsBefore} mails, ${hooks()} webhooks`);
    if (Date.now() - shown > 2000) {
      console.log(`  delivered ${smtp.mails.length - mailsBefore + hooks()} / ${2 * N}`);
      shown = Date.now();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = await services.db
    .select({ createdAt: deliveries.createdAt, sentAt: deliveries.sentAt, channel: deliveries.channel })
    .from(deliveries)
    .where(inArray(deliveries.channel, ['email', 'webhook']));
  const sent = rows.filter((r) => r.sentAt);
  const latencies = sent.map((r) => r.sentAt!.getTime() - r.createdAt.getTime());
  const rate = (2 * N) / seconds;
  console.log(`stored ${N} notifications with their outbox rows in ${storedSeconds.toFixed(1)} s (${(N / storedSeconds).toFixed(0)}/s)`);
  console.log(`platform: ${2 * N} deliveries in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} deliveries/s (${(rate / baselineRate).toFixed(2)}x the baseline)`);
  console.log(`notification to delivery: p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${Math.max(...latencies)} ms`);
  const duplicates = smtp.mails.length - mailsBefore - N;
  const failed = (await services.db.select({ id: deliveries.id }).from(deliveries).where(eq(deliveries.status, 'failed'))).length;
  console.log(`duplicates: ${duplicates} mails, ${hooks() - N} webhooks; failed: ${failed}`);
} finally {
  await platform.stop();
  await smtp.close();
  await receiver.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
