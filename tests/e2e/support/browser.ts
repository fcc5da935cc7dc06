/**
 * Real Debian Chromium for end-to-end tests: fake camera and microphone, the built web app served by
 * the platform under test, screenshots kept under test-artifacts/ (git-ignored), and a check that every
 * visible string of a page is in the page's language.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { en } from '../../../web/src/i18n/en.ts';
import { zhCN } from '../../../web/src/i18n/zh-CN.ts';
import { ru } from '../../../web/src/i18n/ru.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-artifacts/e2e');
const repoRoot = path.resolve(import.meta.dirname, '../../..');

/** Builds the web app into a temporary folder (the tests never depend on a stale web/dist). */
export async function buildWebApp(): Promise<string> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchpost-web-'));
  await build({ configFile: path.join(repoRoot, 'web/vite.config.ts'), build: { outDir, emptyOutDir: true }, logLevel: 'warn' });
  return outDir;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export type Locale = 'zh-CN' | 'en' | 'ru';
const catalogues: Record<Locale, Record<string, string>> = { 'zh-CN': zhCN, en, ru };

/** A context in one language (stored the way the app stores the user's choice). */
export async function newContext(browser: Browser, options: { locale?: Locale; phone?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: options.phone ? { width: 390, height: 844 } : { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    locale: options.locale ?? 'zh-CN',
  });
  if (options.locale) await context.addInitScript(`localStorage.setItem('watchpost.locale', ${JSON.stringify(options.locale)})`);
  return context;
}

export async function login(page: Page, baseUrl: string, username: string, password: string, next = '/'): Promise<void> {
  await page.goto(`${baseUrl}${next}`);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.locator('input[name=password]').waitFor({ state: 'detached' });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Every visible text node and every placeholder, title and aria-label of the page. */
async function visibleStrings(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim();
      const parent = node.parentElement;
      if (!text || !parent || parent.closest('script,style')) continue;
      if (parent.tagName !== 'OPTION' && parent.getClientRects().length === 0) continue;
      out.push(text);
    }
    for (const el of document.querySelectorAll('[placeholder],[title],[aria-label]')) {
      for (const attr of ['placeholder', 'title', 'aria-label']) {
        const v = el.getAttribute(attr)?.trim();
        if (v) out.push(...v.split('\n'));
      }
    }
    return out;
  });
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A message as a whole-string pattern: its {params} match anything. */
const patternOf = (template: string) =>
  new RegExp(
    `^${template
      .split(/\{\w+\}/)
      .map(escapeRegExp)
      .join('.+?')}$`,
  );

/**
 * The strings of the page that are not in `locale`: message keys shown raw (a missing translation) and,
 * for zh-CN and ru, English messages that the language translates differently.
 */
export async function untranslated(page: Page, locale: Locale): Promise<string[]> {
  const strings = await visibleStrings(page);
  const keys = new Set(Object.keys(en));
  const catalogue = catalogues[locale];
  const englishOnly =
    locale === 'en'
      ? []
      : Object.entries(en)
          // A lone lowercase word is a fragment of a sentence (a role, a problem) that could equally be data
          // (a username); the sentences it is used in are checked whole.
          .filter(([key, text]) => catalogue[key] !== text && /[A-Za-z]{3}/.test(text) && !/^[a-z]+$/.test(text))
          .map(([key, text]) => ({ key, pattern: patternOf(text) }));
  const found: string[] = [];
  for (const s of strings) {
    if (keys.has(s)) found.push(`raw key: ${s}`);
    for (const { key, pattern } of englishOnly) if (pattern.test(s)) found.push(`English "${s}" (${key})`);
  }
  return [...new Set(found)];
}

/** Switches the page's language with the switch in the header. */
export async function switchLanguage(page: Page, locale: Locale): Promise<void> {
  await page.locator('[data-testid=language]').selectOption(locale);
  await page.waitForFunction((l) => document.documentElement.lang === l, locale);
}
