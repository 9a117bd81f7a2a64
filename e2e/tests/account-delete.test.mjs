// Account deletion from the account page: the account is gone afterwards
// (logging in again fails with a plain sentence).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launch, shot, uniqueEmail } from '../lib.mjs';

const PASSWORD = 'another long passphrase';
let browser;
let page;

describe('account deletion', () => {
  before(async () => {
    browser = await launch();
    page = await browser.context.newPage();
    page.setDefaultTimeout(15000);
  });
  after(async () => {
    await browser?.close();
  });

  it('signs up, deletes the account after typing the confirmation word, and cannot log in again', async () => {
    const email = uniqueEmail('delete');
    await page.goto('/');
    await page.evaluate(() => localStorage.setItem('medi.lang', 'en'));
    await page.goto('/signup');
    await page.getByTestId('signup-name').fill('Deleter');
    await page.getByTestId('signup-email').fill(email);
    await page.getByTestId('signup-password').fill(PASSWORD);
    await page.getByTestId('signup-submit').click();
    await page.getByTestId('account-greeting').waitFor();
    assert.equal(await page.getByTestId('delete-account').isDisabled(), true);
    await page.getByTestId('delete-confirm').fill('delete');
    await shot(page, '30-account-delete-en');
    await page.getByTestId('delete-account').click();
    await page.waitForURL('**/login');
    await page.getByText('Your account has been deleted.').waitFor();
    await page.getByTestId('nav-login').waitFor({ state: 'attached' });
    await page.getByTestId('login-email').fill(email);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByText('The email or password is not correct.').waitFor();
  });
});
