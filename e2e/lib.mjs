// Shared helpers of the browser tests: one Chromium (Debian's, never a
// downloaded one) driven by playwright-core, a fresh profile per run.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BASE = process.env.MEDI_E2E_BASE_URL || 'http://127.0.0.1:8080';
export const ARTIFACTS = process.env.MEDI_E2E_ARTIFACTS || new URL('../var/e2e-artifacts', import.meta.url).pathname;
export const SEOUL = { latitude: 37.5665, longitude: 126.978 }; // Seoul City Hall
mkdirSync(ARTIFACTS, { recursive: true });

/** Launches Chromium with a throwaway profile: {browser, close}. */
export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'medi-e2e-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.MEDI_E2E_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    viewport: { width: 390, height: 844 },
    locale: 'ko-KR',
    geolocation: SEOUL,
    permissions: ['geolocation'],
    baseURL: BASE,
  });
  const close = async () => {
    await browser.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { context: browser, close };
}

/** A full-page PNG in the artifacts folder. */
export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A unique e-mail per run so reruns never collide. */
export function uniqueEmail(tag) {
  return `e2e-${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** Console errors and failed API responses, collected per page for the assertions. */
export function watch(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  return problems;
}

/** Clicks a header navigation item, opening the mobile menu first when it is collapsed. */
export async function clickNav(page, testId) {
  const item = page.getByTestId(testId);
  if (!(await item.isVisible())) await page.locator('.menu-toggle').click();
  await item.click();
}
