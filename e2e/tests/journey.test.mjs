// The flows of issue 6, in the order a person would use them, in one browser
// profile: sign up, log in, a cited chatbot answer, an emergency question
// (119 banner first), drug search + interaction check, an open clinic near a
// Seoul location, language switch, log out. Screenshots of each page go to
// the artifacts folder.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SEOUL, clickNav, launch, shot, uniqueEmail, watch } from '../lib.mjs';

const PASSWORD = 'correct horse battery';
let browser;
let page;
let problems;
const email = uniqueEmail('journey');

/** Text must never look like a raw API error body. */
async function assertNoRawJson() {
  const body = await page.locator('body').innerText();
  assert.ok(!body.includes('{"error"'), 'raw JSON error shown');
  assert.ok(!/validation_failed|"code"|request_id/.test(body), 'raw error fields shown');
}

describe('medi SPA through nginx', () => {
  before(async () => {
    browser = await launch();
    page = await browser.context.newPage();
    problems = watch(page);
    page.setDefaultTimeout(15000);
  });
  after(async () => {
    await browser?.close();
  });

  it('serves the SPA in Korean by default with the disclaimer and a 119 link', async () => {
    await page.goto('/');
    assert.equal(await page.getAttribute('html', 'lang'), 'ko');
    await page.getByRole('heading', { level: 1, name: '무엇이 궁금하세요?' }).waitFor();
    const disclaimer = page.getByTestId('disclaimer').first();
    assert.match(await disclaimer.innerText(), /진단이나 치료를 대신하지 않습니다/);
    assert.equal(await page.getByTestId('call-119').first().getAttribute('href'), 'tel:119');
    await shot(page, '01-home-ko');
  });

  it('is keyboard usable: the first Tab reaches the skip link, which moves focus to the main content', async () => {
    await page.keyboard.press('Tab');
    const skip = page.locator('.skip-link');
    assert.equal(await skip.evaluate((el) => el === document.activeElement), true);
    assert.equal((await skip.innerText()).trim(), '본문으로 건너뛰기');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'main');
    // every form control on the page has an accessible name
    const unlabeled = await page.$$eval('input, select, textarea', (els) =>
      els.filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))).length,
    );
    assert.equal(unlabeled, 0);
  });

  it('searches drugs, conditions, clinics and guides from the home search box', async () => {
    await page.getByTestId('home-search').fill('두통');
    await page.getByTestId('home-search').press('Enter');
    const results = page.getByTestId('home-results');
    await results.waitFor();
    await results.getByRole('heading', { name: '질환' }).waitFor();
    assert.ok((await results.getByRole('link').count()) > 0, 'no result links');
    await shot(page, '02-home-search');
  });

  it('shows a plain sentence, not JSON, when signup input is rejected', async () => {
    await page.goto('/signup');
    await page.getByTestId('signup-name').fill('테스트');
    await page.getByTestId('signup-email').fill(email);
    await page.getByTestId('signup-password').fill('short');
    await page.getByTestId('signup-submit').click();
    const err = page.getByTestId('error');
    await err.waitFor();
    assert.match(await err.innerText(), /비밀번호는 10~128자/);
    assert.match(await err.innerText(), /문의 번호: [0-9a-f]+/);
    await assertNoRawJson();
    await shot(page, '03-signup-error');
  });

  it('signs up', async () => {
    await page.getByTestId('signup-password').fill(PASSWORD);
    await page.getByTestId('signup-submit').click();
    await page.waitForURL('**/account');
    await page.getByTestId('account-greeting').waitFor();
    assert.match(await page.getByTestId('account-greeting').innerText(), /테스트님/);
    await shot(page, '04-account');
  });

  it('saves the health profile and rejects a bad birth year in plain words', async () => {
    await page.getByTestId('birth-year').fill('1850');
    await page.getByTestId('save-profile').click();
    await page.getByText('출생 연도를 1900년부터 올해 사이로 입력하세요.').waitFor();
    await page.getByTestId('birth-year').fill('1988');
    await page.getByTestId('allergies').fill('페니실린');
    await page.getByTestId('med-search').fill('와파린');
    await page.getByTestId('med-search').press('Enter');
    await page.getByTestId('med-hit').first().click();
    await page.getByTestId('medications').getByText(/와파린/).waitFor();
    await page.getByTestId('save-profile').click();
    await page.getByTestId('saved').waitFor();
    await page.reload();
    await page.getByTestId('account-greeting').waitFor();
    assert.equal(await page.getByTestId('birth-year').inputValue(), '1988');
    assert.equal(await page.getByTestId('allergies').inputValue(), '페니실린');
    await page.getByTestId('medications').getByText(/와파린/).waitFor();
    await shot(page, '04b-health-profile');
  });

  it('logs out and logs back in (a wrong password gets a plain sentence)', async () => {
    await clickNav(page, 'logout');
    await page.waitForURL('**/login');
    await page.getByText('로그아웃했습니다.').waitFor();
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-password').fill('not the password at all');
    await page.getByTestId('login-submit').click();
    await page.getByText('이메일 또는 비밀번호가 맞지 않습니다.').waitFor();
    await assertNoRawJson();
    await shot(page, '05-login-error');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL('**/account');
    await page.getByTestId('account-greeting').waitFor();
    await page.getByTestId('nav-account').waitFor({ state: 'attached' });
  });

  it('asks the chatbot a question and gets a streamed, cited answer', async () => {
    await page.goto('/chat');
    await page.getByTestId('chat-input').fill('타이레놀 하루에 최대 얼마나 먹어도 돼요?');
    await page.getByTestId('chat-send').click();
    const answer = page.getByTestId('bot-message').last();
    await answer.getByTestId('citations').waitFor();
    const text = await answer.getByTestId('answer-text').innerText();
    assert.match(text, /타이레놀/);
    const citations = answer.getByTestId('citation');
    assert.ok((await citations.count()) >= 1, 'no citation');
    // every answer carries the disclaimer
    assert.match(await answer.getByTestId('disclaimer').innerText(), /진단이나 치료를 대신하지 않습니다/);
    // not an emergency: no 119 banner
    assert.notEqual(await answer.getByTestId('triage-banner').getAttribute('data-level'), 'emergency');
    await shot(page, '06-chat-cited');
    // thumbs up is stored
    await answer.getByTestId('thumbs-up').click();
    await answer.getByText('의견 감사합니다.').waitFor();
    // the citation opens its source page
    const title = (await citations.first().innerText()).trim();
    await citations.first().click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    await shot(page, '07-citation-opened');
  });

  it('keeps the conversation in the signed-in user\'s session list', async () => {
    await page.goto('/chat');
    await page.getByRole('heading', { name: '대화 목록' }).waitFor();
    await page.getByRole('button', { name: /대화 1/ }).waitFor();
    await page.getByTestId('user-message').first().waitFor();
  });

  it('answers an emergency question with the 119 banner before the answer text', async () => {
    await page.getByTestId('new-session').click();
    await page.getByText('아직 대화가 없습니다').waitFor();
    await page.getByTestId('chat-input').fill('아버지가 가슴이 쥐어짜듯 아프고 식은땀을 흘려요');
    await page.getByTestId('chat-send').click();
    const answer = page.getByTestId('bot-message').last();
    const banner = answer.getByTestId('triage-banner');
    await banner.waitFor();
    assert.equal(await banner.getAttribute('data-level'), 'emergency');
    assert.equal(await banner.getByRole('link', { name: /119/ }).getAttribute('href'), 'tel:119');
    await answer.getByTestId('disclaimer').waitFor();
    // DOM order: the banner precedes the answer text
    const before = await answer.evaluate((el) => {
      const b = el.querySelector('[data-testid=triage-banner]');
      const t = el.querySelector('[data-testid=answer-text]');
      return !!(b.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
    assert.ok(before, 'the 119 banner must come before the answer');
    assert.match(await answer.getByTestId('answer-text').innerText(), /119/);
    await shot(page, '08-chat-emergency');

    // reopened from the session list: the stored answer keeps its banner
    await page.getByRole('button', { name: /대화 1/ }).click();
    await page.getByTestId('user-message').first().waitFor();
    await page.getByRole('button', { name: /대화 2/ }).click();
    await page.getByText('아버지가 가슴이 쥐어짜듯').waitFor();
    const reopened = page.getByTestId('bot-message').last().getByTestId('triage-banner');
    await reopened.waitFor();
    assert.equal(await reopened.getAttribute('data-level'), 'emergency');
  });

  it('searches a drug and opens its detail page', async () => {
    await page.goto('/drugs');
    await page.getByTestId('drug-search').fill('타이레놀');
    await page.getByTestId('drug-search').press('Enter');
    const results = page.getByTestId('drug-results');
    await results.getByRole('link').first().waitFor();
    assert.ok((await results.getByRole('link').count()) >= 1);
    await shot(page, '09-drug-search');
    await results.getByRole('link').first().click();
    await page.getByRole('heading', { name: '성분' }).waitFor();
    await page.getByText('아세트아미노펜').first().waitFor();
    await shot(page, '10-drug-detail');
  });

  it('checks an interaction (warfarin + aspirin is major)', async () => {
    await page.goto('/drugs');
    await page.getByTestId('ix-input').fill('와파린');
    await page.getByTestId('ix-input').press('Enter');
    await page.getByTestId('ix-input').fill('아스피린');
    await page.getByTestId('ix-check').click();
    const report = page.getByTestId('interaction-report');
    await report.waitFor();
    const first = report.getByTestId('interaction').first();
    assert.equal(await first.getAttribute('data-severity'), 'major');
    assert.match(await first.innerText(), /심각/);
    assert.match(await first.innerText(), /출혈/);
    await report.scrollIntoViewIfNeeded();
    await shot(page, '11-interaction');
  });

  it('explains in words when only one drug is entered', async () => {
    await page.goto('/drugs');
    await page.getByTestId('ix-input').fill('와파린');
    await page.getByTestId('ix-check').click();
    await page.getByText('약을 두 가지 이상 입력하세요.').waitFor();
  });

  it('finds clinics near a Seoul location, nearest first, and filters open now', async () => {
    await page.goto('/clinics');
    await page.getByTestId('clinic-near-me').click();
    await page.getByTestId('near-active').waitFor();
    const url = new URL(page.url());
    assert.equal(Number(url.searchParams.get('lat')).toFixed(3), SEOUL.latitude.toFixed(3));
    const distances = page.getByTestId('clinic-distance');
    await distances.first().waitFor();
    const km = (await distances.allInnerTexts()).map((s) => Number(s.match(/([\d.]+)\s*km/)[1]));
    assert.ok(km.length > 0, 'no clinic with a distance');
    assert.deepEqual(km, [...km].sort((a, b) => a - b), 'not sorted by distance');
    assert.ok(km[0] <= 10, 'nearest clinic is further than the 10 km radius');
    await shot(page, '12-clinics-near');
    // open now: true at any hour is that the filter is applied and either
    // every listed clinic says "진료 중" or the plain "none open" sentence shows
    await page.getByTestId('clinic-open-now').check();
    await page.locator('[data-testid=clinic-results][data-open-now=true]').waitFor();
    const clinics = page.getByTestId('clinic');
    const n = await clinics.count();
    if (n === 0) {
      assert.match(await page.getByTestId('clinic-none').innerText(), /지금 진료 중인 병원이 없습니다/);
    } else {
      for (let i = 0; i < n; i++) assert.match(await clinics.nth(i).innerText(), /진료 중/);
    }
    assert.equal(new URL(page.url()).searchParams.get('open_now'), 'true');
    await shot(page, '13-clinics-open-now');
  });

  it('shows the emergency page with a big 119 button, step-by-step first aid and the nearest ERs', async () => {
    await page.goto('/emergency');
    assert.equal(await page.locator('.emergency-hero [data-testid=call-119]').getAttribute('href'), 'tel:119');
    await page.getByTestId('find-rooms').click();
    await page.getByTestId('room').first().waitFor();
    await shot(page, '14-emergency');
    await page.getByTestId('guides').getByRole('link').first().click();
    const count = page.getByTestId('step-count');
    await count.waitFor();
    const firstStep = await page.getByTestId('step-text').innerText();
    await page.getByTestId('step-next').click();
    assert.match(await count.innerText(), /^2 \//);
    assert.notEqual(await page.getByTestId('step-text').innerText(), firstStep);
    await shot(page, '15-first-aid-guide');
  });

  it('switches to English everywhere, keeps it across reloads, and back to Korean', async () => {
    await page.goto('/drugs/1');
    await page.getByTestId('lang-switch').click();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.getByRole('heading', { name: 'Ingredients' }).waitFor();
    await page.getByRole('heading', { level: 1, name: /Tylenol/ }).waitFor();
    await page.reload();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.getByRole('heading', { name: 'Ingredients' }).waitFor();
    await shot(page, '16-drug-detail-en');
    // errors are English sentences too
    await page.goto('/drugs/999999');
    await page.getByText('Nothing was found.').waitFor();
    await assertNoRawJson();
    await page.goto('/chat');
    await page.getByTestId('chat-input').fill('I have chest pain and I am sweating a lot');
    await page.getByTestId('chat-send').click();
    const answer = page.getByTestId('bot-message').last();
    const banner = answer.getByTestId('triage-banner');
    await banner.waitFor();
    assert.equal(await banner.getAttribute('data-level'), 'emergency');
    assert.match(await banner.innerText(), /Call 119/);
    await answer.getByTestId('disclaimer').waitFor();
    await shot(page, '17-chat-emergency-en');
    await page.goto('/clinics');
    await page.getByRole('heading', { level: 1, name: 'Find a clinic' }).waitFor();
    await shot(page, '18-clinics-en');
    await page.goto('/emergency');
    await page.getByRole('heading', { level: 1, name: 'Emergency' }).waitFor();
    await shot(page, '19-emergency-en');
    await page.getByTestId('lang-switch').click();
    assert.equal(await page.getAttribute('html', 'lang'), 'ko');
    await page.getByRole('heading', { level: 1, name: '응급' }).waitFor();
  });

  it('shows categories and conditions pages', async () => {
    await page.goto('/categories');
    await page.getByTestId('categories').getByRole('link').first().click();
    await page.getByRole('heading', { name: '진료과 목록' }).waitFor();
    await shot(page, '20-category');
    await page.goto('/conditions');
    await page.getByRole('heading', { level: 1, name: '질환' }).waitFor();
    await page.locator('.card a').first().click();
    await page.getByRole('heading', { name: '진료과' }).waitFor();
    await shot(page, '21-condition');
  });

  it('logs out', async () => {
    await clickNav(page, 'logout');
    await page.waitForURL('**/login');
    await page.getByTestId('nav-login').waitFor({ state: 'attached' });
    await page.goto('/account');
    await page.waitForURL('**/login');
    await page.getByText('로그인이 필요합니다.').waitFor();
    await shot(page, '22-logged-out');
  });

  it('had no script errors in the browser console', () => {
    // 4xx answers the tests provoked on purpose show up as failed resources
    const real = problems.filter((p) => !/Failed to load resource: the server responded with a status of (400|401|404|409)/.test(p));
    assert.deepEqual(real, []);
  });
});
