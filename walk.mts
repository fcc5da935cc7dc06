import { launchChromium } from './tests/e2e/support/browser.ts';
const base = 'http://127.0.0.1:3999';
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
page.on('console', (m) => m.type() === 'error' && console.log('console:', m.text()));
async function login(user: string) {
  await page.goto(`${base}/`);
  await page.fill('input[name=username], input[autocomplete=username]', user);
  await page.fill('input[type=password]', 'watchpost-demo');
  await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/auth/login')), page.click('button[type=submit]')]);
  await page.waitForTimeout(1500);
}
await login('demo.officer');
await page.goto(`${base}/farms`);
await page.waitForTimeout(8000);
await page.screenshot({ path: '/tmp/s1-wall.png' });
const tiles = await page.$$('[data-testid=wall-tile], .wall-tile, .camera-wall .tile');
console.log('tiles', tiles.length);
// open the deck camera
const deck = page.locator('.camera-wall > *').nth(1);
await deck.click();
await page.waitForTimeout(3000);
await page.screenshot({ path: '/tmp/s2-enlarged.png' });
const btn = page.locator('[data-testid=correct-count]');
console.log('correct buttons', await btn.count());
if (await btn.count()) {
  await btn.first().click();
  await page.waitForSelector('[data-testid=correction-canvas]', { timeout: 10000 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: '/tmp/s3-editor.png' });
  const canvas = page.locator('[data-testid=correction-canvas]');
  const box = (await canvas.boundingBox())!;
  await page.mouse.click(box.x + box.width * 0.05, box.y + box.height * 0.05);
  console.log(await page.locator('[data-testid=correction-count]').textContent());
  await page.click('[data-testid=correction-save]');
  await page.waitForSelector('[data-testid=correction-saved]', { timeout: 10000 });
  await page.screenshot({ path: '/tmp/s4-saved.png' });
}
await page.context().clearCookies();
await login('demo.admin');
await page.goto(`${base}/admin?tab=models`);
await page.waitForTimeout(2500);
await page.screenshot({ path: '/tmp/s5-models.png', fullPage: true });
await browser.close();
