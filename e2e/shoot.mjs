// Screenshots of the main pages in both languages (a look, not a test):
//   MEDI_E2E_BASE_URL=http://127.0.0.1:18280 node shoot.mjs [width]
import { launch, shot } from './lib.mjs';
const width = Number(process.argv[2] || 390);
const { context, close } = await launch();
const page = context.pages()[0] || (await context.newPage());
await page.setViewportSize({ width, height: 900 });
page.on('console', (m) => m.type() === 'error' && console.log('console error:', m.text()));
page.on('pageerror', (e) => console.log('page error:', e.message));
const paths = ['/', '/?q=두통', '/chat', '/drugs?q=타이레놀', '/drugs/1', '/clinics?open_now=true', '/categories', '/categories/head-neurology', '/conditions', '/conditions/migraine', '/emergency', '/emergency/guides/cpr-adult', '/login', '/signup', '/account', '/nope'];
for (const lang of ['ko', 'en']) {
  await page.goto('/');
  await page.evaluate((l) => localStorage.setItem('medi.lang', l), lang);
  for (const p of paths) {
    await page.goto(p);
    await page.waitForTimeout(600);
    const name = `look-${width}-${lang}-${p.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'home'}`;
    await shot(page, name);
  }
}
await close();
