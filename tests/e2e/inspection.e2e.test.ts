/**
 * End to end in two real Debian Chromium instances with fake cameras: the enterprise joins and sends
 * video and audio, the officer joins and receives it (frames decoded keep increasing) and talks back
 * (the enterprise receives the officer's audio), the officer's command is acknowledged by the enterprise
 * page, and a user of another enterprise is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../server/platform.ts';
import { startTestPlatform } from '../support/platform.ts';
import { createWorld, PASSWORD, type World } from '../support/world.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-artifacts/e2e');
const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-harness-'));
let platform: Platform;
let world: World;
let sessionId: string;
const browsers: Browser[] = [];

async function launch(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    ],
  });
  browsers.push(browser);
  return browser;
}

async function open(browser: Browser, user: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${platform.url}/?user=${user}&password=${encodeURIComponent(PASSWORD)}&session=${sessionId}`);
  return page;
}

const wp = <T>(page: Page, expr: string) => page.evaluate(`(async () => { const wp = window.wp; return ${expr}; })()`) as Promise<T>;

async function waitUntil(page: Page, expr: string, what: string, timeoutMs = 20_000) {
  try {
    await page.waitForFunction(`(() => { const wp = window.wp; return ${expr}; })()`, undefined, { timeout: timeoutMs, polling: 200 });
  } catch (err) {
    const status = await wp<string>(page, 'JSON.stringify({ status: wp.status, error: wp.error })').catch(() => '?');
    throw new Error(`${what}: ${(err as Error).message.split('\n')[0]} (page: ${status})`);
  }
}

beforeAll(async () => {
  await build({ entryPoints: [path.join(import.meta.dirname, 'harness/harness.ts')], bundle: true, format: 'iife', target: 'chrome110', outfile: path.join(webDir, 'harness.js'), logLevel: 'silent' });
  fs.copyFileSync(path.join(import.meta.dirname, 'harness/index.html'), path.join(webDir, 'index.html'));
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  platform = await startTestPlatform({ env: { WEB_DIST: webDir } });
  world = await createWorld(platform.services);
  const { services } = platform;
  const entA = (await services.auth.login('entA', PASSWORD)).principal;
  const officer = (await services.auth.login('officer1', PASSWORD)).principal;
  const slotStart = new Date(Date.now() + 10 * 60_000);
  const booking = await services.bookings.request(entA, { declarationId: world.declarations.a, type: 'label_rectification', slotStart, slotEnd: new Date(slotStart.getTime() + 3_600_000) });
  await services.bookings.confirm(officer, booking.id);
  sessionId = (await services.bookings.start(officer, booking.id)).sessionId!;
}, 60_000);

afterAll(async () => {
  for (const b of browsers) await b.close().catch(() => {});
  await platform?.stop();
  fs.rmSync(webDir, { recursive: true, force: true });
});

describe('live inspection in two browsers', () => {
  it('carries the enterprise camera to the officer, and the officer\'s command back', async () => {
    const [enterpriseBrowser, officerBrowser] = await Promise.all([launch(), launch()]);
    const enterprise = await open(enterpriseBrowser, 'entA');
    await waitUntil(enterprise, "wp.status === 'publishing'", 'enterprise publishing');
    expect(await wp(enterprise, 'wp.role')).toBe('enterprise');

    const officer = await open(officerBrowser, 'officer1');
    await waitUntil(officer, "wp.status === 'watching'", 'officer watching');
    await waitUntil(officer, '(async () => (await wp.framesDecoded()) > 10)()', 'officer decoding frames');
    const before = await wp<number>(officer, 'wp.framesDecoded()');
    await officer.waitForTimeout(2000);
    const after = await wp<number>(officer, 'wp.framesDecoded()');
    expect(after).toBeGreaterThan(before + 20); // the fake camera runs at ~30 fps
    await officer.screenshot({ path: path.join(SCREENSHOTS, 'officer-receiving.png') });

    const command = await wp<{ id: number; payload: { text: string } }>(officer, "wp.sendCommand('open_carton', { n: 3 })");
    expect(command.payload.text).toBe('Open carton 3');
    await waitUntil(enterprise, 'wp.commands.length > 0', 'command shown to the enterprise');
    expect(await enterprise.textContent('#command')).toBe('Open carton 3');
    await enterprise.screenshot({ path: path.join(SCREENSHOTS, 'enterprise-command.png') });
    const ack = await wp<{ kind: string; payload: { commandId: number } }>(enterprise, 'wp.acknowledgeLatest()');
    expect(ack).toMatchObject({ kind: 'acknowledgement', payload: { commandId: command.id } });
    await waitUntil(officer, 'wp.acknowledgements.length > 0', 'acknowledgement shown to the officer');

    // The officer talks back: the enterprise receives the officer's audio.
    await waitUntil(enterprise, '(async () => (await wp.audioPacketsReceived()) > 50)()', 'enterprise hearing the officer');

    const snapshot = await wp<{ kind: string; payload: { width: number; height: number } }>(officer, 'wp.snapshot()');
    expect(snapshot).toMatchObject({ kind: 'snapshot', payload: { width: 640, height: 480 } });
  }, 90_000);

  it('refuses a user of another enterprise', async () => {
    const browser = browsers[1] ?? (await launch());
    const outsider = await open(browser, 'entB');
    await waitUntil(outsider, 'wp.error !== undefined', 'refusal');
    expect(await wp(outsider, 'wp.error')).toEqual({ code: 'forbidden', message: 'You are not a participant of this inspection' });
  }, 30_000);
});
