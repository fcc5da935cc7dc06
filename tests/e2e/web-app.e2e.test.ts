/**
 * The web app end to end in real Debian Chromium with fake cameras: an enterprise user on a phone books an
 * inspection, the officer confirms and starts it, both join; the officer sees the enterprise video playing
 * (frames decoded keep increasing) and a site camera with its live count, sends a command the enterprise
 * acknowledges, takes a snapshot, receives a photo, records a verdict; the enterprise sees the verdict; a
 * supervisor finds the session in the archive and plays it with the timeline under it. On the way every
 * page is checked for strings not in its language, in all three languages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeUdpPortPair } from '../../media/network.ts';
import { startCameraSimulator } from '../../scripts/camera-simulator.ts';
import { startRtspCamera } from '../../scripts/rtsp-camera.ts';
import type { Platform } from '../../server/platform.ts';
import { alarms, cameras, visionSamples } from '../../server/db/schema.ts';
import { startTestPlatform } from '../support/platform.ts';
import { startSmtp } from '../support/receivers.ts';
import { waitFor } from '../support/wait.ts';
import { createWorld, inspectionActors, PASSWORD, startLiveInspection, type World } from '../support/world.ts';
import { en } from '../../web/src/i18n/en.ts';
import { zhCN } from '../../web/src/i18n/zh-CN.ts';
import { ru } from '../../web/src/i18n/ru.ts';
import { buildWebApp, launchChromium, login, newContext, screenshot, switchLanguage, untranslated, type Locale } from './support/browser.ts';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/vision');
const DECLARATION = '530120261000000777';
let platform: Platform;
let world: World;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let webDir: string;
const browsers: Browser[] = [];
const stops: Array<() => Promise<unknown>> = [];
let sessionId: string;
let penCamera: string;

const text = { en, 'zh-CN': zhCN, ru } as const;
const L = (locale: Locale, key: keyof typeof en, params: Record<string, string | number> = {}) => text[locale][key].replace(/\{(\w+)\}/g, (_, k: string) => String(params[k]));

/** Frames the page's first video in `selector` has decoded. */
const framesDecoded = (page: Page, selector: string) =>
  page.evaluate((sel) => (document.querySelector(`${sel} video`) as HTMLVideoElement | null)?.getVideoPlaybackQuality().totalVideoFrames ?? 0, selector);
const videoWidth = (page: Page, selector: string) => page.evaluate((sel) => (document.querySelector(`${sel} video`) as HTMLVideoElement | null)?.videoWidth ?? 0, selector);

async function expectInLanguage(page: Page, locale: Locale, what: string) {
  expect(await untranslated(page, locale), `${what} in ${locale}`).toEqual([]);
}

/** Checks the page in every language through the header's switch, then returns to `back`. */
async function walkLanguages(page: Page, what: string, back: Locale) {
  for (const locale of ['zh-CN', 'en', 'ru'] as const) {
    await switchLanguage(page, locale);
    await expectInLanguage(page, locale, what);
  }
  await switchLanguage(page, back);
}

/** What the page's videos were doing when a check failed. */
const diagnose = (page: Page) => async (err: unknown) => {
  const videos = await page.evaluate(() =>
    [...document.querySelectorAll('video')].map((v) => ({
      ready: v.readyState,
      paused: v.paused,
      frames: v.getVideoPlaybackQuality().totalVideoFrames,
      tracks: (v.srcObject as MediaStream | null)?.getTracks().map((t) => `${t.kind}:${t.readyState}:${t.muted ? 'muted' : 'unmuted'}`),
    })),
  );
  console.log('videos:', JSON.stringify(videos));
  await screenshot(page, `failed-${Date.now()}`);
  throw err;
};

beforeAll(async () => {
  webDir = await buildWebApp();
  // The pen camera shows a still picture: camera_frozen fires soon, for the alarm panel, and repeats
  // every few seconds (counted on the one incident).
  // A mail server: users verify an address and choose how they are told.
  smtp = await startSmtp();
  stops.push(() => smtp.close());
  platform = await startTestPlatform({ env: { WEB_DIST: webDir, INFERENCE_WORKERS: '1', LOG_LEVEL: 'warn', CAMERA_FROZEN_SECONDS: '8', ALARM_COOLDOWN_SECONDS: '4', SMTP_URL: smtp.url } });
  world = await createWorld(platform.services);
  const { services } = platform;
  const admin = (await services.auth.login('admin', PASSWORD)).principal;
  // A farm of enterprise A with a fixed camera over the pen, counted live.
  const site = await services.admin.createSite(admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Alpha pig farm', kind: 'farm' });
  const { rtpPort } = await freeUdpPortPair();
  const url = `udp://127.0.0.1:${rtpPort}`;
  const sim = startCameraSimulator({ to: url, file: path.join(fixtures, 'pigs-pen.jpg'), width: 960, height: 540, fps: 10 });
  stops.push(() => sim.stop());
  penCamera = (await services.admin.createCamera(admin, { siteId: site.id, name: 'Pen 1', sourceUrl: url, analysis: ['count'] })).id;
  // The gate camera is registered but sends nothing: offline.
  const silent = await freeUdpPortPair();
  await services.admin.createCamera(admin, { siteId: site.id, name: 'Gate', sourceUrl: `udp://127.0.0.1:${silent.rtpPort}`, analysis: [] });
  await services.declarations.create(admin, {
    number: DECLARATION,
    enterpriseId: world.enterprises.a,
    portId: world.ports.main,
    siteId: site.id,
    goodsDescription: 'Live pigs for Hong Kong',
    declaredQuantity: 40,
    quantityUnit: 'head',
    sealNumbers: ['CN1234567'],
  });
  browsers.push(await launchChromium(), await launchChromium());
}, 120_000);

afterAll(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  for (const stop of stops) await stop().catch(() => {});
  await platform?.stop();
  if (webDir) fs.rmSync(webDir, { recursive: true, force: true });
});

describe('the web app', () => {
  it('books, runs and reviews an inspection: enterprise phone, officer console, supervisor archive', async () => {
    const [enterpriseBrowser, officerBrowser] = browsers as [Browser, Browser];
    const base = platform.url;

    // The enterprise, on a phone, in Chinese.
    const enterprise = await (await newContext(enterpriseBrowser, { locale: 'zh-CN', phone: true })).newPage();
    await enterprise.goto(base);
    await expectInLanguage(enterprise, 'zh-CN', 'login page');
    await screenshot(enterprise, 'login-phone-zh');
    await login(enterprise, base, 'entA', PASSWORD);
    await enterprise.waitForURL(`${base}/enterprise`);
    const declaration = enterprise.locator('[data-testid=declaration]', { hasText: DECLARATION });
    await declaration.getByRole('button', { name: L('zh-CN', 'enterprise.requestInspection') }).click();
    const form = enterprise.locator('[data-testid=request-form]');
    const start = new Date(Date.now() + 5 * 60_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    await form.locator('input[name=slotStart]').fill(`${start.getFullYear()}-${pad(start.getMonth() + 1)}-${pad(start.getDate())}T${pad(start.getHours())}:${pad(start.getMinutes())}`);
    await form.locator('select[name=type]').selectOption('routine_supervision');
    await form.locator('input[name=vehiclePlate]').fill('粤Z·A123港');
    await form.locator('textarea[name=note]').fill('Truck arrives at gate 2');
    await screenshot(enterprise, 'enterprise-request');
    await form.locator('button[type=submit]').click();
    const booking = enterprise.locator('[data-testid=booking]', { hasText: DECLARATION });
    await expect.poll(() => booking.getAttribute('data-status')).toBe('requested');
    await expectInLanguage(enterprise, 'zh-CN', 'enterprise home');
    await screenshot(enterprise, 'enterprise-home');

    // The officer, at a large screen, in English: confirms and starts it.
    const officer = await (await newContext(officerBrowser, { locale: 'en' })).newPage();
    officer.on('console', (m) => m.type() === 'error' && !m.text().includes('401') && console.log('[officer console]', m.text())); // 401: /auth/me before login
    officer.on('pageerror', (e) => console.log('[officer page error]', e.message));
    await login(officer, base, 'officer1', PASSWORD);
    await officer.waitForURL(`${base}/officer`);
    const request = officer.locator('[data-testid=group-requests] [data-testid=booking-row]', { hasText: DECLARATION });
    // The enterprise's note reaches the officer.
    await request.locator('[data-testid=booking-note]', { hasText: 'Truck arrives at gate 2' }).waitFor();
    await request.getByRole('button', { name: L('en', 'booking.confirm') }).click();
    const confirmed = officer.locator('[data-testid=group-today] [data-testid=booking-row]', { hasText: DECLARATION });
    await confirmed.waitFor();
    // The slot has not begun: no-show is not offered yet.
    expect(await confirmed.getByRole('button', { name: L('en', 'booking.noShow') }).count()).toBe(0);
    await expectInLanguage(officer, 'en', 'officer bookings');
    await screenshot(officer, 'officer-bookings');
    await expect.poll(() => booking.getAttribute('data-status')).toBe('confirmed'); // pushed to the phone
    await confirmed.getByRole('button', { name: L('en', 'booking.start') }).click();
    await officer.waitForURL(/\/officer\/session\/[0-9a-f-]+$/);
    sessionId = officer.url().split('/').pop()!;

    // The enterprise joins from its booking (the Join button appears by itself).
    await booking.getByRole('link', { name: L('zh-CN', 'enterprise.join') }).click();
    await enterprise.waitForURL(`${base}/enterprise/session/${sessionId}`);
    await expect.poll(() => enterprise.locator('[data-testid=status]').getAttribute('data-status'), { timeout: 20_000 }).toBe('live');

    // The officer sees the enterprise video playing: decoded frames keep increasing.
    await expect
      .poll(() => framesDecoded(officer, '[data-testid=enterprise-video]'), { timeout: 30_000 })
      .toBeGreaterThan(10)
      .catch(async (err: unknown) => {
        // What each side showed, for a failure to be read from the log alone.
        const seen = async (page: Page) =>
          page.evaluate(() => ({
            status: document.querySelector('[data-testid=status]')?.getAttribute('data-status') ?? null,
            videos: [...document.querySelectorAll('video')].map((v) => ({
              frames: v.getVideoPlaybackQuality().totalVideoFrames,
              ready: v.readyState,
              tracks: (v.srcObject as MediaStream | null)?.getTracks().length ?? 0,
            })),
            alerts: [...document.querySelectorAll('[role=alert]')].map((a) => a.textContent),
          }));
        console.log('[web-app] the officer sees no enterprise video:', JSON.stringify({ officer: await seen(officer), enterprise: await seen(enterprise) }));
        throw err;
      });
    const before = await framesDecoded(officer, '[data-testid=enterprise-video]');
    await officer.waitForTimeout(2000);
    expect(await framesDecoded(officer, '[data-testid=enterprise-video]')).toBeGreaterThan(before + 20); // the fake camera runs at ~30 fps
    // The site camera is beside it, with the animals counted live and drawn over the picture.
    await expect
      .poll(() => framesDecoded(officer, `[data-testid=camera-tile][data-camera="${penCamera}"]`), { timeout: 60_000 })
      .toBeGreaterThan(5)
      .catch(diagnose(officer));
    const liveCount = officer.locator('[data-testid=camera-tile] [data-testid=live-count]');
    await liveCount.waitFor({ timeout: 120_000 });
    expect(Number(await liveCount.textContent())).toBeGreaterThan(0);
    // The officer places the counting line where the animals walk: two clicks on the pen's picture.
    await officer.locator('[data-testid=draw-line]').first().click();
    const penTile = officer.locator(`[data-testid=camera-tile][data-camera="${penCamera}"]`).first();
    const penBox = (await penTile.boundingBox())!;
    await penTile.click({ position: { x: penBox.width * 0.2, y: penBox.height * 0.45 } });
    await penTile.click({ position: { x: penBox.width * 0.8, y: penBox.height * 0.5 } });
    await officer.locator('[data-testid=drawing-hint]').waitFor({ state: 'detached' });
    // Every tile subscribed at once when the console opened, over one receiving transport: no error shown.
    expect(await officer.locator('[role=alert]').count()).toBe(0);

    // The still pen camera raises camera_frozen, and stays frozen: one incident whose occurrences are counted.
    const frozen = officer.locator('[data-testid=alarms] li', { hasText: L('en', 'rule.camera_frozen') });
    await frozen.waitFor({ timeout: 60_000 });
    await officer.locator('[data-testid=camera-tile] .alarm-badge').first().waitFor();
    await expect.poll(() => frozen.getAttribute('data-occurrences').then(Number), { timeout: 60_000 }).toBeGreaterThan(1);
    expect(await frozen.count()).toBe(1);
    await frozen.locator('.occurrences').waitFor();
    // The gate camera sends nothing: its alarm reaches the panel without a reload, and its tile says since when.
    const offline = officer.locator('[data-testid=alarms] li', { hasText: L('en', 'rule.camera_offline') });
    await offline.waitFor({ timeout: 60_000 });
    await officer.locator('[data-testid=camera-tile] [data-testid=camera-state][data-state=offline]').waitFor();
    await screenshot(officer, 'officer-console-incidents');
    // The gate's offline alarm is muted for an hour; then everything open is acknowledged at once.
    await offline.getByRole('button', { name: L('en', 'console.muteAlarm') }).click();
    await offline.locator('.badge').waitFor();
    await officer.locator('[data-testid=acknowledge-all]').click();
    await expect.poll(() => officer.locator('[data-testid=alarms] li[data-alarm-status=acknowledged]').count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);

    // The phone loses the network for a while: it says so, reconnects by itself and sends its camera again.
    await enterprise.context().setOffline(true);
    await expect.poll(() => enterprise.locator('[data-testid=status]').getAttribute('data-status'), { timeout: 60_000 }).toBe('reconnecting');
    await screenshot(enterprise, 'enterprise-reconnecting');
    await enterprise.context().setOffline(false);
    await expect.poll(() => enterprise.locator('[data-testid=status]').getAttribute('data-status'), { timeout: 60_000 }).toBe('live');
    await expect.poll(() => framesDecoded(officer, '[data-testid=enterprise-video]'), { timeout: 30_000 }).toBeGreaterThan(10);

    // The officer talks: the enterprise plays the officer's audio.
    await expect.poll(() => enterprise.evaluate(() => (document.querySelector('[data-testid=officer-audio]') as HTMLAudioElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(0.5);

    // A command, shown large on the phone and acknowledged there.
    await officer.locator('[data-testid=command-bar] input[type=number]').fill('3');
    await officer.locator('[data-preset=open_carton]').click();
    const prompt = enterprise.locator('[data-testid=command-prompt]');
    await expect.poll(() => prompt.textContent()).toContain(L('zh-CN', 'command.open_carton', { n: 3 }));
    await screenshot(enterprise, 'enterprise-command');
    await walkLanguages(enterprise, 'enterprise session', 'zh-CN');
    await enterprise.locator('[data-testid=acknowledge]').click();
    await prompt.waitFor({ state: 'detached' });
    await officer.locator('[data-testid=timeline] [data-kind=acknowledgement]').waitFor();

    // A snapshot by the officer, a photo from the enterprise.
    await officer.locator('[data-testid=snapshot]').click();
    await officer.locator('[data-testid=timeline] [data-kind=snapshot] img').first().waitFor({ timeout: 20_000 });
    await enterprise.locator('input[type=file]').setInputFiles(path.join(fixtures, 'seal.jpg'));
    await officer.locator('[data-testid=timeline] [data-kind=snapshot]', { hasText: L('en', 'timeline.photo') }).waitFor();
    await screenshot(enterprise, 'enterprise-session');

    // Another enterprise's user is refused, told only that there is nothing there for them (a 403 would
    // confirm the session exists).
    const outsider = await (await newContext(enterpriseBrowser, { locale: 'en', phone: true })).newPage();
    await login(outsider, base, 'entB', PASSWORD, `/enterprise/session/${sessionId}`);
    await expect.poll(() => outsider.locator('[data-testid=status]').getAttribute('data-status'), { timeout: 20_000 }).toBe('failed');
    expect(await outsider.locator('[role=alert]').textContent()).toContain(L('en', 'error.not_found'));
    await outsider.context().close();

    await walkLanguages(officer, 'officer console', 'en');
    await screenshot(officer, 'officer-console');
    // The camera wall: every site camera, one click to enlarge.
    await officer.locator('[data-testid=wall-link]').click();
    await officer.locator(`[data-testid=camera-wall] [data-testid=camera-tile][data-camera="${penCamera}"]`).click();
    await officer.locator('[role=dialog] [data-testid=camera-tile]').waitFor();
    await expect
      .poll(() => framesDecoded(officer, '[role=dialog] [data-testid=camera-tile]'), { timeout: 20_000 })
      .toBeGreaterThan(5)
      .catch(diagnose(officer));
    await screenshot(officer, 'camera-wall-enlarged');
    await officer.keyboard.press('Escape');
    await expectInLanguage(officer, 'en', 'camera wall');
    await officer.getByRole('link', { name: L('en', 'console.title') }).click();

    // The verdict closes the session; the phone shows it.
    const verdictForm = officer.locator('[data-testid=verdict-form]');
    await verdictForm.locator('input[value=rectify]').check();
    await verdictForm.locator('textarea[name=findings]').fill('Two cartons without Chinese labels.');
    await verdictForm.locator('input[name=followUp]').fill('Relabel and show again within 3 days.');
    officer.once('dialog', (d) => void d.accept());
    await verdictForm.locator('button[type=submit]').click();
    await officer.waitForURL(`${base}/archive/session/${sessionId}`);
    const verdict = enterprise.locator('[data-testid=verdict]');
    await verdict.waitFor({ timeout: 20_000 });
    expect(await verdict.textContent()).toContain(L('zh-CN', 'verdict.rectify'));
    await expectInLanguage(enterprise, 'zh-CN', 'verdict on the phone');
    await screenshot(enterprise, 'enterprise-verdict');

    // A supervisor, in Russian, finds the session and plays it with its timeline.
    const supervisor = await (await newContext(officerBrowser, { locale: 'ru' })).newPage();
    await login(supervisor, base, 'supervisor', PASSWORD);
    await supervisor.waitForURL(`${base}/supervisor`);
    // By part of the farm's name, then by the last digits of the declaration.
    await supervisor.locator('input[name=text]').fill('pig farm');
    await supervisor.locator('[data-testid=archive-search] button[type=submit]').click();
    const rows = supervisor.locator('[data-testid=archive-row]');
    await expect.poll(() => rows.count()).toBe(1);
    await supervisor.locator('input[name=text]').fill('');
    await supervisor.locator('input[name=declarationNumber]').fill(DECLARATION.slice(-6));
    await supervisor.locator('[data-testid=archive-search] button[type=submit]').click();
    await expect.poll(() => supervisor.url()).toContain(`declarationNumber=${DECLARATION.slice(-6)}`);
    await expect.poll(() => rows.count()).toBe(1);
    // The result as CSV: the same session, in the file a spreadsheet opens.
    const [download] = await Promise.all([supervisor.waitForEvent('download'), supervisor.locator('[data-testid=archive-csv]').click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[1]).toContain(`${sessionId},${DECLARATION},`);
    await walkLanguages(supervisor, 'archive', 'ru');
    await screenshot(supervisor, 'archive');
    await rows.first().locator('a').click();
    await supervisor.waitForURL(`${base}/archive/session/${sessionId}`);
    // The evidence is sealed once the recordings are finalised; the badge says it verifies.
    await expect.poll(() => supervisor.locator('[data-testid=integrity]').getAttribute('data-ok'), { timeout: 90_000 }).toBe('true');
    const video = supervisor.locator('[data-testid=player-video]');
    await video.waitFor();
    const bar = supervisor.locator('[data-testid=timeline-bar]');
    for (const kind of ['command', 'acknowledgement', 'snapshot', 'verdict']) expect(await bar.locator(`[data-kinds~=${kind}]`).count(), kind).toBeGreaterThan(0);
    const timelineText = await supervisor.locator('[data-testid=player-timeline]').textContent();
    expect(timelineText).toContain(L('ru', 'command.open_carton', { n: 3 }));
    expect(timelineText).toContain(L('ru', 'timeline.verdict', { outcome: L('ru', 'verdict.rectify') }));
    // Clicking the snapshot's marker seeks the recording to that moment and plays.
    await bar.locator('[data-kinds~=snapshot]').first().click();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(1);
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    // The conversation plays with it: both sides' microphones, in step with the picture.
    expect(await supervisor.locator('[data-testid=conversation-audio]').count()).toBeGreaterThanOrEqual(2);
    await expect
      .poll(() => supervisor.evaluate(() => [...document.querySelectorAll<HTMLAudioElement>('[data-testid=conversation-audio]')].filter((a) => !a.paused && a.currentTime > 0).length), {
        timeout: 20_000,
      })
      .toBeGreaterThanOrEqual(2);
    // Watching another camera's recording, a marker seeks within that recording (it covers the moment)
    // instead of jumping back to the first one.
    const snapshotAt = await supervisor.evaluate(async (id) => {
      const events = (await (await fetch(`/api/sessions/${id}/timeline`)).json()) as Array<{ kind: string; at: string }>;
      return Date.parse(events.find((e) => e.kind === 'snapshot')!.at);
    }, sessionId);
    const watchedFirst = await video.getAttribute('data-recording');
    const other = (await api<Array<{ id: string; mediaKind: string; status: string; startedAt: string; endedAt: string | null }>>(supervisor, `/api/sessions/${sessionId}/recordings`)).find(
      (r) => r.id !== watchedFirst && r.mediaKind === 'video' && r.status === 'ready' && Date.parse(r.startedAt) <= snapshotAt && r.endedAt && Date.parse(r.endedAt) >= snapshotAt,
    );
    expect(other, 'a second video recording covering the snapshot').toBeDefined();
    await supervisor.locator(`[data-testid=recording-tab][data-recording="${other!.id}"]`).click();
    await expect.poll(() => video.getAttribute('data-recording')).toBe(other!.id);
    await bar.locator('[data-kinds~=snapshot]').first().click();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 20_000 }).toBeGreaterThan(1);
    expect(await video.getAttribute('data-recording')).toBe(other!.id);
    await supervisor.locator('[data-testid=count-chart]').waitFor();
    await walkLanguages(supervisor, 'session player', 'ru');
    await screenshot(supervisor, 'session-player');
  }, 420_000);

  it('sets up a new organisation in Chinese: a port, an enterprise and its user, who registers a declaration and books it; a disabled user is shut out', async () => {
    const base = platform.url;
    const admin = await (await newContext(browsers[1]!, { locale: 'zh-CN' })).newPage();
    admin.on('dialog', (d) => void d.accept());
    await login(admin, base, 'admin', PASSWORD, '/admin?tab=ports');
    const portForm = admin.locator('.inline-form');
    await portForm.locator('input[name=code]').fill('MO9');
    await portForm.locator('input[name=name]').fill('澳门新口岸');
    await portForm.locator('button[type=submit]').click();
    await admin.locator('tr', { hasText: '澳门新口岸' }).waitFor();
    await screenshot(admin, 'admin-ports');
    await admin.locator('[data-tab=enterprises]').click();
    const enterpriseForm = admin.locator('.inline-form');
    await enterpriseForm.locator('input[name=name]').fill('伽马贸易');
    await enterpriseForm.locator('input[name=customsCode]').fill('4401100099');
    await enterpriseForm.locator('button[type=submit]').click();
    await admin.locator('tr', { hasText: '伽马贸易' }).waitFor();
    await admin.locator('[data-tab=users]').click();
    const userForm = admin.locator('.inline-form');
    await userForm.locator('input[name=username]').fill('gamma');
    await userForm.locator('input[name=displayName]').fill('伽马报关员');
    await userForm.locator('input[name=password]').fill(PASSWORD);
    await userForm.locator('select[name=role]').selectOption('enterprise_user');
    await userForm.locator('select[name=enterpriseId]').selectOption({ label: '伽马贸易' });
    await userForm.locator('button[type=submit]').click();
    const gammaRow = admin.locator('tr', { hasText: '伽马报关员' });
    await gammaRow.waitFor();

    // The new enterprise, on its phone: no declarations yet, so it registers one and books it.
    const phone = await (await newContext(browsers[0]!, { locale: 'zh-CN', phone: true })).newPage();
    await login(phone, base, 'gamma', PASSWORD);
    await phone.waitForURL(`${base}/enterprise`);
    await phone.locator('[data-testid=register-declaration]').click();
    const form = phone.locator('[data-testid=declaration-form]');
    await form.locator('input[name=number]').fill('531620261000099001');
    await form.locator('select[name=portId]').selectOption({ label: '澳门新口岸' });
    await form.locator('textarea[name=goodsDescription]').fill('冷冻猪肉');
    await form.locator('input[name=declaredQuantity]').fill('120');
    await form.locator('input[name=quantityUnit]').fill('箱');
    await form.locator('input[name=sealNumbers]').fill('MO-7781');
    await expectInLanguage(phone, 'zh-CN', 'declaration form');
    await screenshot(phone, 'enterprise-register-declaration');
    await form.locator('button[type=submit]').click();
    const card = phone.locator('[data-testid=declaration]', { hasText: '531620261000099001' });
    await card.waitFor();
    const book = async () => {
      await card.getByRole('button', { name: L('zh-CN', 'enterprise.requestInspection') }).click();
      const request = phone.locator('[data-testid=request-form]');
      await request.locator('select[name=type]').selectOption('label_rectification');
      await request.locator('input[name=slotStart]').fill(localInput(new Date(Date.now() + 26 * 3_600_000)));
      await request.locator('button[type=submit]').click();
      return request;
    };
    await book();
    await phone.locator('[data-testid=booking][data-status=requested]', { hasText: '531620261000099001' }).waitFor();
    // The same declaration again at the same time: refused, said once, in Chinese, with no English from the server.
    const again = await book();
    const refusal = again.locator('[role=alert]');
    await refusal.waitFor();
    expect((await refusal.textContent())?.trim()).toBe(L('zh-CN', 'error.reason.declaration_already_booked'));
    await expectInLanguage(phone, 'zh-CN', 'booking refused');
    await screenshot(phone, 'enterprise-booking-refused');

    // The administrator disables the user: the phone is logged out, and logging in again is refused (one message, Chinese).
    await gammaRow.locator('[data-action=toggle]').click();
    await expect.poll(() => gammaRow.getAttribute('class')).toContain('disabled');
    await screenshot(admin, 'admin-user-disabled');
    await phone.reload();
    await phone.locator('input[name=password]').waitFor();
    await phone.locator('input[name=username]').fill('gamma');
    await phone.locator('input[name=password]').fill(PASSWORD);
    await phone.locator('form button[type=submit]').click();
    const loginError = phone.locator('[role=alert]');
    await loginError.waitFor();
    expect((await loginError.textContent())?.trim()).toBe(L('zh-CN', 'error.invalid_credentials'));
    await admin.context().close();
    await phone.context().close();
  }, 120_000);

  it('shows the supervised farm cameras live on the wall of the port officer, and not to another enterprise', async () => {
    const { services } = platform;
    const admin = (await services.auth.login('admin', PASSWORD)).principal;
    const site = await services.admin.createSite(admin, { enterpriseId: world.enterprises.a, portId: world.ports.main, name: 'Alpha breeding farm', kind: 'farm' });
    // An IP camera behind a real RTSP server: a 1280x720 main stream and a 640x360 sub-stream.
    const rtsp = await startRtspCamera({ name: 'yard', main: { width: 1280, height: 720, fps: 15, bitrate: '1500k' }, sub: { width: 640, height: 360, fps: 15 }, sway: true });
    stops.push(() => rtsp.stop());
    const yard = await services.admin.createCamera(admin, { siteId: site.id, name: 'Isolation yard', sourceUrl: rtsp.mainUrl, subSourceUrl: rtsp.subUrl, supervision: true, recording: 'continuous' });
    // A pen counted and recorded all day, whose left half is an isolation pen that must be empty: it has pigs.
    const penPort = await freeUdpPortPair();
    const penSim = startCameraSimulator({
      to: `udp://127.0.0.1:${penPort.rtpPort}`,
      file: path.join(import.meta.dirname, '..', 'fixtures', 'vision', 'pigs-pen.jpg'),
      width: 960,
      height: 540,
      fps: 10,
      sway: true,
    });
    stops.push(() => penSim.stop());
    const pen = await services.admin.createCamera(admin, {
      siteId: site.id,
      name: 'Pen 7',
      sourceUrl: `udp://127.0.0.1:${penPort.rtpPort}`,
      supervision: true,
      recording: 'continuous',
      analysis: ['count'],
    });
    await services.zones.create(admin, pen.id, {
      name: 'Quarantine pen',
      kind: 'isolation_pen',
      polygon: [
        [0, 0],
        [0.5, 0],
        [0.5, 1],
        [0, 1],
      ],
    });
    // The farm's back gate camera sends nothing: offline on the wall, and an item in the review queue.
    const silent = await freeUdpPortPair();
    const gate = await services.admin.createCamera(admin, { siteId: site.id, name: 'Back gate', sourceUrl: `udp://127.0.0.1:${silent.rtpPort}`, supervision: true });
    const officer = await (await newContext(browsers[1]!, { locale: 'ru' })).newPage();
    await login(officer, platform.url, 'officer1', PASSWORD);
    await officer.getByRole('link', { name: L('ru', 'nav.farms') }).click();
    await officer.waitForURL(`${platform.url}/farms`);
    const tile = `[data-testid=wall-tile][data-camera="${yard.id}"]`;
    await officer.locator(tile).waitFor();
    // Live: the tile's decoded frames keep increasing (the camera came up on its own, no booking).
    await expect
      .poll(() => framesDecoded(officer, tile), { timeout: 60_000 })
      .toBeGreaterThan(5)
      .catch(diagnose(officer));
    // Both farm cameras live: each tile's decoded frames keep increasing.
    const penTile = `[data-testid=wall-tile][data-camera="${pen.id}"]`;
    await expect.poll(() => framesDecoded(officer, penTile), { timeout: 60_000 }).toBeGreaterThan(5);
    const before = [await framesDecoded(officer, tile), await framesDecoded(officer, penTile)];
    await officer.waitForTimeout(1500);
    expect(await framesDecoded(officer, tile)).toBeGreaterThan(before[0]!);
    expect(await framesDecoded(officer, penTile)).toBeGreaterThan(before[1]!);
    // The isolation pen's alarm shows on the pen's tile (and not on the yard's).
    await officer.locator(`${penTile} .alarm-badge`).waitFor({ timeout: 60_000 });
    expect(await officer.locator(`${tile} .alarm-badge`).count()).toBe(0);
    await officer.locator(`[data-testid=wall-tile][data-camera="${gate.id}"] [data-testid=camera-state][data-state=offline]`).waitFor({ timeout: 60_000 });
    await expectInLanguage(officer, 'ru', 'camera wall');
    await screenshot(officer, 'farm-wall');
    // The tile plays the sub-stream; opened, the camera plays its main stream full size.
    expect(await videoWidth(officer, tile)).toBe(640);
    await officer.locator(`${tile} [data-testid=camera-tile]`).click();
    await expect.poll(() => framesDecoded(officer, '[data-testid=wall-enlarged]'), { timeout: 20_000 }).toBeGreaterThan(3);
    expect(await videoWidth(officer, '[data-testid=wall-enlarged]')).toBe(1280);
    await officer.keyboard.press('Escape');
    // The pen is counted: the officer corrects a count on its frozen frame, on a laptop's screen, where the
    // picture, the points and Save all fit (Save was below the fold at 1366x768).
    await officer.setViewportSize({ width: 1366, height: 768 });
    await officer.locator(`${penTile} [data-testid=camera-tile]`).click();
    await officer.locator('[data-testid=correct-count]').click();
    const canvas = officer.locator('[data-testid=correction-canvas]');
    await canvas.waitFor({ timeout: 20_000 });
    const save = officer.locator('[data-testid=correction-save]');
    const saveBox = (await save.boundingBox())!;
    expect(saveBox.y + saveBox.height).toBeLessThanOrEqual(768);
    const box = (await canvas.boundingBox())!;
    expect(box.width / box.height).toBeCloseTo(1280 / 720, 1);
    const pointsBefore = await officer.locator('.correction-point').count();
    await canvas.click({ position: { x: box.width * 0.9, y: box.height * 0.1 } });
    expect(await officer.locator('.correction-point').count()).toBe(pointsBefore + 1);
    await screenshot(officer, 'farm-correction');
    await save.click();
    await officer.locator('[data-testid=correction-saved]').waitFor();
    const [sample] = await platform.database.db.select().from(visionSamples).where(eq(visionSamples.cameraId, pen.id));
    expect(sample).toMatchObject({ task: 'count', label: { points: expect.any(Array) } });
    expect((sample!.label as { points: unknown[] }).points).toHaveLength(pointsBefore + 1);
    await officer.keyboard.press('Escape'); // the editor
    await officer.keyboard.press('Escape'); // the enlarged camera
    await officer.setViewportSize({ width: 1440, height: 900 });
    // The review queue has the isolation pen's alarm: it plays the pen's recording at the alarm's time, and
    // the officer marks it reviewed.
    await officer.getByRole('link', { name: L('ru', 'nav.review') }).click();
    const isolation = officer.locator('[data-testid=review-item][data-rule=animals_in_isolation]', { hasText: 'Pen 7' });
    await isolation.waitFor();
    // Its footage is stored once the segment of that moment closes.
    const [raised] = await platform.database.db
      .select()
      .from(alarms)
      .where(and(eq(alarms.cameraId, pen.id), eq(alarms.rule, 'animals_in_isolation')));
    const officerPrincipal = (await services.auth.login('officer1', PASSWORD)).principal;
    const moment = await waitFor(
      async () => {
        const found = await services.footage.at(officerPrincipal, pen.id, raised!.createdAt);
        return found && 'offsetMs' in found ? found : null;
      },
      'the footage of the alarm',
      30_000,
    );
    await isolation.locator('[data-testid=play-footage]').click();
    const video = officer.locator('[data-testid=footage-video]');
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState >= 2), { timeout: 20_000 }).toBe(true);
    // Played from the alarm's moment in its segment.
    expect(Math.abs((await video.evaluate((v: HTMLVideoElement) => v.currentTime)) - moment.offsetMs / 1000)).toBeLessThan(1.5);
    await screenshot(officer, 'farm-review-footage');
    await officer.keyboard.press('Escape');
    await isolation.locator('[data-testid=mark-reviewed]').click();
    await isolation.waitFor({ state: 'detached' });
    // The gate's offline incident is there too; the officer marks it reviewed.
    const item = officer.locator('[data-testid=review-item][data-rule=camera_offline]', { hasText: 'Back gate' });
    await item.waitFor();
    await expectInLanguage(officer, 'ru', 'review queue');
    await screenshot(officer, 'farm-review');
    // The gate records nothing (recording off): the review says so and offers neither playing nor holding.
    expect(await item.locator('[data-testid=not-recorded]').textContent()).toBe(L('ru', 'review.notRecorded'));
    expect(await item.locator('[data-testid=play-footage], [data-testid=hold-footage]').count()).toBe(0);
    await item.locator('[data-testid=mark-reviewed]').click();
    await item.waitFor({ state: 'detached' }); // the queue shows what is not reviewed yet
    await officer.locator('select[name=state]').selectOption('reviewed');
    await officer.locator('[data-testid=review-item]', { hasText: 'Back gate' }).locator('[data-testid=reviewed-by]').waitFor();
    await officer.context().close();
    // Another enterprise has no camera of this farm on its wall.
    const other = await (await newContext(browsers[0]!, { locale: 'zh-CN', phone: true })).newPage();
    await login(other, platform.url, 'entB', PASSWORD, '/farms');
    await other.getByText(L('zh-CN', 'wall.none')).waitFor();
    expect(await other.locator(tile).count()).toBe(0);
    await other.context().close();
  }, 120_000);

  it('gives the officer a day view and a history of finished sessions', async () => {
    const officer = await (await newContext(browsers[1]!, { locale: 'ru' })).newPage();
    await login(officer, platform.url, 'officer1', PASSWORD);
    await officer.waitForURL(`${platform.url}/officer`);
    await officer.locator('[data-testid=group-finished] [data-testid=finished-row]', { hasText: DECLARATION }).waitFor();
    await officer.locator('[data-testid=group-alarms]').waitFor();
    // Open alarms are the running sessions' and the port's farms' not yet reviewed: the count says both, and a
    // farm's card leads to its review queue.
    const [penRow] = await platform.database.db.select().from(cameras).where(eq(cameras.id, penCamera));
    await platform.database.db.insert(alarms).values({ siteId: penRow!.siteId, cameraId: penCamera, rule: 'camera_frozen', frameAt: new Date(), lastSeenAt: new Date(), dedupeKey: 'e2e:today' });
    await officer.reload();
    const sessionAlarms = await api<unknown[]>(officer, '/api/alarms/open');
    const farmAlarms = await api<{ total: number }>(officer, '/api/review/alarms?state=unreviewed');
    expect(farmAlarms.total).toBeGreaterThan(0);
    await officer.locator('[data-testid=group-alarms] h2 .count', { hasText: String(sessionAlarms.length + farmAlarms.total) }).waitFor();
    expect(await officer.locator('[data-testid=open-farm-alarm]').count()).toBe(Math.min(20, farmAlarms.total));
    await officer.locator('[data-testid=open-farm-alarm] a').first().click();
    await officer.waitForURL(/\/review\?siteId=/);
    await officer.goBack();
    await officer.locator('[data-testid=group-alarms]').waitFor();
    await expectInLanguage(officer, 'ru', 'officer today');
    await screenshot(officer, 'officer-today');
    await officer.getByRole('link', { name: L('ru', 'nav.archive') }).click();
    await officer.waitForURL(`${platform.url}/archive`);
    await officer.locator('[data-testid=archive-row]', { hasText: DECLARATION }).waitFor();
    await expectInLanguage(officer, 'ru', 'officer history');
    await screenshot(officer, 'officer-history');
    await officer.context().close();
  }, 60_000);

  it('lets the farm fill in a daily form on a phone in Chinese, and shows the officer the forms it is behind with', async () => {
    // The farm was registered three days ago: its first days' daily forms are overdue past the grace period.
    await platform.database.db.execute(sql`update sites set created_at = now() - interval '3 days' where kind = 'farm'`);
    const phone = await (await newContext(browsers[0]!, { locale: 'zh-CN', phone: true })).newPage();
    await login(phone, platform.url, 'entA', PASSWORD);
    await phone.getByRole('link', { name: L('zh-CN', 'nav.forms') }).click();
    await phone.locator('[data-testid=form-list]').waitFor();
    await expectInLanguage(phone, 'zh-CN', 'farm forms');
    await screenshot(phone, 'farm-forms-phone');
    await phone.locator('[data-testid=form-husbandry_daily]').click();
    await phone.locator('[data-testid=form-fields]').waitFor();
    for (const [name, value] of Object.entries({ herdAtStart: '120', herdAtEnd: '119', feedGiven: '300', penTemperature: '80', keeper: '李伟' })) await phone.locator(`[name=${name}]`).fill(value);
    await phone.locator('input[name=waterOk]').first().check();
    await phone.locator('input[name=abnormal]').last().check();
    await phone.locator('[data-testid=form-submit]').click();
    // The same check as the server's, in Chinese, under the field: nothing is sent.
    await phone.getByText(L('zh-CN', 'formError.above_max', { max: 50 })).waitFor();
    await expectInLanguage(phone, 'zh-CN', 'a refused form');
    await screenshot(phone, 'farm-form-refused');
    await phone.locator('[name=penTemperature]').fill('18');
    await phone.locator('[data-testid=form-submit]').click();
    await phone.locator('.form-meta').getByText(L('zh-CN', 'forms.state.submitted')).waitFor();
    await screenshot(phone, 'farm-form-submitted');

    // The farm imports its vehicle register from the ERP (the README's sample, its days moved to this week).
    await phone.getByRole('link', { name: L('zh-CN', 'nav.forms') }).click();
    await phone.locator('[data-testid=import-panel]').waitFor();
    const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
    const sample = fs
      .readFileSync(path.resolve(import.meta.dirname, '../../scripts/samples/vehicle-entry.csv'), 'utf8')
      .replaceAll('2026-12-01', day(2))
      .replaceAll('2026-12-02', day(1));
    await phone.locator('[data-testid=import-file]').setInputFiles({ name: 'vehicle-entry.csv', mimeType: 'text/csv', buffer: Buffer.from(sample) });
    await phone.locator('[data-testid=import-dry-run]').uncheck();
    await phone.locator('[data-testid=import-start]').click();
    await phone.locator('[data-testid=import-result][data-status=done]').waitFor();
    expect(await phone.locator('[data-testid=import-problem]').count()).toBe(3);
    await phone.getByText(L('zh-CN', 'formError.not_a_time')).waitFor();
    await expectInLanguage(phone, 'zh-CN', 'an import and its report');
    await phone.locator('[data-testid=import-result]').scrollIntoViewIfNeeded();
    await screenshot(phone, 'farm-import-report');

    // The farm asks customs a question, and reads the port's notice.
    const officer1 = (await platform.services.auth.login('officer1', PASSWORD)).principal;
    await platform.services.notices.publish(officer1, {
      portId: world.ports.main,
      riskClasses: [],
      siteKinds: ['farm'],
      texts: { 'zh-CN': { title: '活猪供港检疫新要求', body: '自下月起，每批须附实验室检测报告。' } },
    });
    await phone.getByRole('link', { name: L('zh-CN', 'nav.desk') }).click();
    await phone.locator('[data-testid=notice-acknowledge]').click();
    await phone
      .locator('[data-testid=notice]')
      .getByText(/确认阅读/)
      .waitFor();
    await phone.locator('[data-testid=ticket-about]').selectOption({ index: 1 });
    await phone.locator('[data-testid=ticket-title]').fill('装车消毒记录的格式');
    await phone.locator('[data-testid=ticket-text]').fill('车辆消毒记录可以用我们ERP的导出格式吗？');
    await phone.locator('[data-testid=ticket-raise]').click();
    await phone.locator('[data-testid=ticket-thread]').waitFor();
    await expectInLanguage(phone, 'zh-CN', 'a ticket');
    await screenshot(phone, 'enterprise-ticket');
    // A rectify verdict the farm reports done from its record (another officer's inspection: officer1's day is booked).
    const actors = await inspectionActors(platform.services, 'officer2');
    const relabel = await startLiveInspection(platform.services, actors, world, {
      declaration: { number: '530120261000000077', goodsDescription: '冷冻猪肉', declaredQuantity: 20, quantityUnit: 'carton', sealNumbers: [] },
      type: 'label_rectification',
    });
    await platform.services.verdicts.record(actors.officer1, relabel.sessionId, { outcome: 'rectify', findings: '外箱缺少中文标签', followUp: '加贴中文标签' });
    await phone.getByRole('link', { name: L('zh-CN', 'nav.record') }).click();
    await phone.locator('[data-testid=record]').getByText('Alpha Foods').first().waitFor();
    const rectification = phone.locator('[data-testid=open-rectification]', { hasText: '530120261000000077' });
    await rectification.locator('textarea').fill('已为全部20箱加贴中文标签');
    await rectification.getByRole('button', { name: L('zh-CN', 'rectification.report') }).click();
    await rectification.getByText(L('zh-CN', 'rectification.waitingForCustoms')).waitFor();
    await phone.locator('[data-testid=annual-report] input[name=contactName]').waitFor();
    await expectInLanguage(phone, 'zh-CN', "the enterprise's record");
    await screenshot(phone, 'enterprise-record');
    await phone.getByRole('link', { name: L('zh-CN', 'nav.desk') }).click();
    await phone.locator('[data-testid=tickets]').getByText('装车消毒记录的格式').click();

    const officer = await (await newContext(browsers[1]!, { locale: 'ru' })).newPage();
    await login(officer, platform.url, 'officer1', PASSWORD);
    const overdue = officer.locator('[data-testid=overdue-form]', { hasText: 'Alpha pig farm' }).first();
    await overdue.waitFor();
    const waiting = officer.locator('[data-testid=waiting-ticket]', { hasText: '装车消毒记录的格式' });
    await waiting.waitFor();
    const reported = officer.locator('[data-testid=rectification-card]', { hasText: '530120261000000077' });
    await reported.getByText(L('ru', 'rectification.status.reported')).waitFor();
    await expectInLanguage(officer, 'ru', 'overdue forms, waiting tickets, rectifications to follow up');
    await screenshot(officer, 'officer-dashboard-forms-tickets');
    await reported.getByRole('button', { name: L('ru', 'rectification.accept') }).click();
    await reported.waitFor({ state: 'detached' });
    await waiting.getByRole('link').click();
    await officer.locator('[data-testid=ticket-reply]').fill('Да, CSV из вашей ERP подходит: загрузите его в «Записи хозяйства».');
    await officer.locator('[data-testid=ticket-send]').click();
    await officer.locator('[data-testid=ticket-thread] li').nth(1).waitFor();
    // The answer reaches the farm's open page without a reload.
    await phone.locator('[data-testid=ticket-thread] li').nth(1).waitFor();
    // The farm's notifications: the bell counts them, the centre lists them (in Chinese); it chooses how it is told.
    await phone.locator('[data-testid=unread-count]').waitFor();
    await phone.locator('[data-testid=notification-bell]').click();
    await phone.locator('[data-testid=notification]', { hasText: '海关已答复' }).first().waitFor();
    await expectInLanguage(phone, 'zh-CN', 'the notification centre');
    await screenshot(phone, 'enterprise-notifications');
    await phone.goto(`${platform.url}/account`);
    const settings = phone.locator('[data-testid=notification-settings]');
    await settings.locator('input[name=address-email]').fill('chen@alpha.example');
    await settings.getByRole('button', { name: L('zh-CN', 'notifications.sendCode') }).click();
    const codeMail = await waitFor(() => smtp.mails.find((m) => m.to.includes('chen@alpha.example')), 'the code by email');
    await settings.locator('input[name=code-email]').fill(/(\d{6})/.exec(codeMail.subject)![1]!);
    await settings.getByRole('button', { name: L('zh-CN', 'notifications.verify'), exact: true }).click();
    await settings.getByText(L('zh-CN', 'notifications.verified')).waitFor();
    await settings.locator('input[aria-label="notice email"]').uncheck();
    await settings.getByRole('button', { name: L('zh-CN', 'notifications.save'), exact: true }).click();
    await settings.getByText(L('zh-CN', 'notifications.saved')).waitFor();
    await expectInLanguage(phone, 'zh-CN', 'how one is told');
    await screenshot(phone, 'enterprise-notification-settings');
    expect((await api<{ channels: Record<string, string[]> }>(phone, '/api/account/notifications')).channels.notice).toEqual([]);
    await phone.context().close();
    await officer.goto(`${platform.url}/officer`);
    await overdue.getByRole('link').click();
    await officer.locator('[data-testid=form-grid]').waitFor();
    await expectInLanguage(officer, 'ru', "a farm's forms");
    await screenshot(officer, 'officer-farm-forms');
    // The port's supervision plan by risk class.
    await officer.getByRole('link', { name: L('ru', 'nav.plan') }).click();
    await officer.locator('[data-testid=plan-visit]').first().waitFor();
    await expectInLanguage(officer, 'ru', 'the supervision plan');
    await screenshot(officer, 'officer-plan');
    await officer.context().close();
  }, 90_000);

  it('lets the officer propose another time and the enterprise accept it', async () => {
    const { services } = platform;
    const entA = (await services.auth.login('entA', PASSWORD)).principal;
    const slotStart = new Date(Date.now() + 2 * 86_400_000);
    const requested = await services.bookings.request(entA, { declarationId: world.declarations.a, type: 'label_rectification', slotStart, slotEnd: new Date(slotStart.getTime() + 3_600_000) });
    const officer = await (await newContext(browsers[1]!, { locale: 'ru' })).newPage();
    await login(officer, platform.url, 'officer1', PASSWORD);
    const row = officer.locator(`[data-booking="${requested.id}"]`);
    await row.getByRole('button', { name: L('ru', 'booking.propose') }).click();
    const dialog = officer.locator('[role=dialog]');
    await dialog.locator('input[name=reason]').fill('Инспектор занят утром');
    await expectInLanguage(officer, 'ru', 'propose another time');
    await screenshot(officer, 'officer-propose');
    await dialog.locator('button[type=submit]').click();
    await dialog.waitFor({ state: 'detached' });
    await row.getByText(L('ru', 'status.proposed')).waitFor();

    const enterprise = await (await newContext(browsers[0]!, { locale: 'zh-CN', phone: true })).newPage();
    await login(enterprise, platform.url, 'entA', PASSWORD);
    const card = enterprise.locator('[data-testid=booking][data-status=proposed]');
    expect(await card.textContent()).toContain('Инспектор занят утром');
    await card.getByRole('button', { name: L('zh-CN', 'booking.acceptSlot') }).click();
    await expect.poll(() => enterprise.locator('[data-testid=booking]').first().getAttribute('data-status')).toBe('confirmed');
    await row.getByText(L('ru', 'status.confirmed')).waitFor(); // pushed to the officer's list
    expect(new Date((await services.bookings.get(entA, requested.id)).slotStart).getTime()).toBeGreaterThan(slotStart.getTime());
    await officer.context().close();
    await enterprise.context().close();
  }, 90_000);

  it('shows every other page in each language with nothing left untranslated', async () => {
    const browser = browsers[1]!;
    for (const locale of ['zh-CN', 'en', 'ru'] as const) {
      const context = await newContext(browser, { locale });
      const page = await context.newPage();
      await page.goto(platform.url);
      await expectInLanguage(page, locale, 'login');
      await login(page, platform.url, 'admin', PASSWORD);
      await page.waitForURL(`${platform.url}/admin`);
      for (const tab of ['enterprises', 'ports', 'users', 'delegations', 'sites', 'cameras', 'vehicles', 'webhooks', 'integration']) {
        await page.locator(`[data-tab=${tab}]`).click();
        await page.locator('.inline-form').waitFor();
        await page.waitForLoadState('networkidle');
        await expectInLanguage(page, locale, `admin ${tab}`);
        if (locale === 'en') await screenshot(page, `admin-${tab}`);
      }
      // The notification centre (told in the reader's language by the server) and how one is told.
      await page.locator('[data-testid=notification-bell]').click();
      await page.locator('[data-testid=notifications]').waitFor();
      await page.waitForLoadState('networkidle');
      await expectInLanguage(page, locale, 'notifications');
      await screenshot(page, `notifications-${locale}`);
      await page.locator('[data-testid=account-link]').click();
      await page.locator('[data-testid=notification-settings]').waitFor();
      await expectInLanguage(page, locale, 'notification settings');
      await context.close();
    }
    // The administrator tests a camera: one frame from its source.
    const context = await newContext(browser, { locale: 'en' });
    const page = await context.newPage();
    await login(page, platform.url, 'admin', PASSWORD, '/admin?tab=cameras');
    await page.locator('tr', { hasText: 'Pen 1' }).locator('[data-testid=camera-preview]').click();
    await page.locator('[data-testid=camera-still]').waitFor({ timeout: 30_000 });
    await screenshot(page, 'admin-camera-test');
    await context.close();
  }, 180_000);
});

/** The value of a datetime-local field for `d` in the browser's (and this machine's) time zone. */
function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A GET of the API with the page's login. */
function api<T>(page: Page, url: string): Promise<T> {
  return page.evaluate(async (u) => (await fetch(u)).json(), url) as Promise<T>;
}
