import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { Clock } from '../src/platform/clock';
import { freePort } from '../src/platform/database/embedded-postgres';
import { createTestApp, type TestApp } from './support/app';
import { bearer, login, register, STRONG_PASSWORD, uniqueEmail } from './support/auth';
import {
  type BrowserDiagnostics,
  instrumentedContext,
  launchChromium,
  screenshot,
  virtualAuthenticator,
  type VirtualAuthenticator,
} from './support/browser';
import { expectClean, loginView, signIn, text } from './support/console-page';
import { captureEvents, type EventCapture } from './support/events';
import { enableTotp, totpAt } from './support/mfa';
import { SoftAuthenticator } from './support/soft-authenticator';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MINUTE = 60_000;
/** Past REAUTH_MAX_AGE's default (10 minutes): the sign-in is no longer recent. */
const PAST_MAX_AGE = 11 * MINUTE;

const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

// ------------------------------------------------------------------ page helpers

const passkeysCard = (page: Page): Locator => page.locator('#passkeys');
const passkeyRows = (page: Page): Locator => page.locator('#passkeys-list li');
const stepUpDialog = (page: Page): Locator => page.getByRole('dialog', { name: 'Confirm it is you' });

/** Asks the passkeys card for a new passkey with this name (what follows is the test's to wait for). */
async function addPasskey(page: Page, name: string): Promise<void> {
  await passkeysCard(page).getByLabel('Name of the passkey (optional)').fill(name);
  await passkeysCard(page).getByRole('button', { name: 'Add a passkey' }).click();
}

/**
 * The console's passkeys, in Chromium with a virtual authenticator (CDP `WebAuthn`): adding one,
 * signing in with it alone and as the second factor after the password, renaming and removing
 * it, and the step-up prompt of a sensitive action when the sign-in is no longer recent.
 *
 * WebAuthn needs a secure context whose host is the relying party's ID, and an IP address is
 * not a valid RP ID: the console is opened at http://localhost:<port>, which the app's
 * WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS name (the port is chosen before the app starts).
 */
describe('account console: passkeys and step-up (e2e, Chromium)', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let diagnostics: BrowserDiagnostics;
  let page: Page;
  let authenticator: VirtualAuthenticator;
  let published: EventCapture;
  /** Every API request the page sent, as "METHOD /path". */
  let requests: string[];

  /** The user's passkeys as the API lists them (a password sign-in: for accounts without two-factor authentication). */
  async function listedPasskeys(email: string): Promise<Json[]> {
    const res = await t.inject({ method: 'GET', url: '/api/v1/auth/passkeys', headers: bearer(await login(t, email)) });
    expect(res.statusCode).toBe(200);
    return res.json<{ items: Json[] }>().items;
  }

  /** The user's passkeys as stored (also of an account with two-factor authentication, which `login` cannot sign in). */
  const storedPasskeys = (email: string): Promise<{ id: string; name: string; last_used_at: Date | null }[]> =>
    t.db.query(
      `SELECT p.id, p.name, p.last_used_at FROM passkeys p JOIN users u ON u.id = p.user_id WHERE u.email = $1
       ORDER BY p.created_at`,
      [email],
    );

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    t = await createTestApp({
      env: { PUBLIC_BASE_URL: base, WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: base },
    });
    await t.app.listen(port, '127.0.0.1');
    published = captureEvents(t);
    browser = await launchChromium();
  });
  afterAll(async () => {
    published?.stop();
    await browser?.close();
    await t?.close();
  });

  beforeEach(async () => {
    ({ context, diagnostics } = await instrumentedContext(browser, { viewport: { width: 1100, height: 900 } }));
    page = await context.newPage();
    requests = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/console/vendor/')) {
        requests.push(`${request.method()} ${url.pathname}`);
      }
    });
    authenticator = await virtualAuthenticator(context, page);
    published.clear();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await context.close();
  });

  it('serves @simplewebauthn/browser as ES modules from its package, under the console CSP; only the modules', async () => {
    const entry = await t.inject({ method: 'GET', url: '/console/vendor/simplewebauthn-browser/index.js' });
    expect(entry.statusCode).toBe(200);
    expect(entry.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(entry.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(entry.headers['cache-control']).toBe('public, max-age=0');
    expect(entry.body).toContain("export * from './methods/startRegistration.js';");
    const method = await t.inject({
      method: 'GET',
      url: '/console/vendor/simplewebauthn-browser/methods/startAuthentication.js',
    });
    expect(method.statusCode).toBe(200);
    expect(method.body).toContain('export async function startAuthentication');
    for (const other of ['index.d.ts', 'index.d.ts.map', 'package.json', '', '../../package.json']) {
      const res = await t.inject({ method: 'GET', url: `/console/vendor/simplewebauthn-browser/${other}` });
      expect([other, res.statusCode]).toEqual([other, 404]);
    }
    // Passkeys work in the console's own pages (only): the API keeps WebAuthn off.
    const consolePage = await t.inject({ method: 'GET', url: '/console/' });
    expect(consolePage.headers['permissions-policy']).toContain('publickey-credentials-get=(self)');
    expect(consolePage.headers['permissions-policy']).toContain('publickey-credentials-create=(self)');
    expect(consolePage.headers['permissions-policy']).toContain('camera=()');
    const api = await t.inject({ method: 'GET', url: '/health/live' });
    expect(api.headers['permissions-policy']).toContain('publickey-credentials-get=()');
  });

  it('adds a passkey, signs in with it alone, renames it and removes it', async () => {
    const email = uniqueEmail('console-passkey');
    await register(t, email);
    await page.goto(`${base}/console/`);
    await signIn(page, email, STRONG_PASSWORD);
    await page.locator('#view-account').waitFor();
    await page.locator('#passkeys-count').filter({ hasText: 'You have no passkeys yet.' }).waitFor();
    // The library loads when a passkey is first used, not with the page.
    expect(requests.filter((r) => r.includes('/console/vendor/'))).toEqual([]);

    await addPasskey(page, 'Laptop');
    await page.locator('#passkey-add-done').filter({ hasText: '“Laptop” is added: you can sign in with it.' }).waitFor();
    expect(await passkeyRows(page).allTextContents()).toEqual([expect.stringMatching(/^Laptop\s*Added .+ · not used yet/)]);
    expect(await text(page, '#passkeys-count')).toBe('1 passkey.');
    expect(await passkeysCard(page).getByLabel('Name of the passkey (optional)').inputValue()).toBe('');
    expect(requests).toContain('GET /console/vendor/simplewebauthn-browser/index.js');
    const [stored] = await listedPasskeys(email);
    expect(stored).toMatchObject({ name: 'Laptop', last_used_at: null });
    // The authenticator holds it: a discoverable credential for this site, its id the one the server stored.
    const held = await authenticator.credentials();
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ rpId: 'localhost', isResidentCredential: true });
    const [row] = await t.db.query<{ credential_id: string }>('SELECT credential_id FROM passkeys WHERE id = $1', [stored.id]);
    expect(Buffer.from(held[0].credentialId, 'base64').toString('base64url')).toBe(row.credential_id);
    await screenshot(page, 'account-passkeys');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.locator('#view-login').waitFor();
    await screenshot(page, 'login-passkey');
    await loginView(page).getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.locator('#view-account').waitFor();
    expect(await text(page, '#welcome')).toBe(`You are signed in as ${email}.`);
    expect(await text(page, '#profile-email')).toBe(email);
    expect(await text(page, '#status')).toBe('Signed in.');
    expect(published.payloadsOf('auth.passkey_login_succeeded')).toEqual([
      expect.objectContaining({ passkey_id: stored.id, stage: 'sign_in' }),
    ]);
    expect((await listedPasskeys(email))[0].last_used_at).not.toBeNull();
    expect((await authenticator.credentials())[0].signCount).toBeGreaterThan(0);
    // A session cookie like a password sign-in's: a reload keeps it.
    await page.reload();
    await page.locator('#view-account').waitFor();
    await passkeyRows(page).filter({ hasText: 'last used' }).waitFor();

    await page.getByRole('button', { name: 'Rename the passkey Laptop' }).click();
    const rename = page.locator('#passkey-rename-form');
    await rename.waitFor();
    expect(await text(page, '#passkey-rename-title')).toBe('Rename “Laptop”');
    expect(await rename.getByLabel('New name').inputValue()).toBe('Laptop');
    await rename.getByLabel('New name').fill('Work laptop');
    await rename.getByRole('button', { name: 'Save the name' }).click();
    await page.locator('#status').filter({ hasText: 'The passkey is now called “Work laptop”.' }).waitFor();
    expect(await rename.isHidden()).toBe(true);
    expect(await passkeyRows(page).locator('strong').allTextContents()).toEqual(['Work laptop']);
    expect((await listedPasskeys(email)).map((p) => p.name)).toEqual(['Work laptop']);

    await page.getByRole('button', { name: 'Remove the passkey Work laptop' }).click();
    expect(await text(page, '#passkey-remove-text')).toContain('Remove “Work laptop”?');
    await page.getByRole('button', { name: 'Remove the passkey', exact: true }).click();
    await page.locator('#status').filter({ hasText: 'Removed the passkey “Work laptop”.' }).waitFor();
    expect(await passkeyRows(page).count()).toBe(0);
    expect(await text(page, '#passkeys-count')).toBe('You have no passkeys yet.');
    expect(await listedPasskeys(email)).toEqual([]);
    // A sign-in with a passkey is a recent authentication: removing needed no step-up.
    expect(requests.filter((r) => r.includes('/auth/reauthenticate'))).toEqual([]);
    expectClean(diagnostics, []);
  });

  it('with two-factor authentication on, a passkey added in the console is the second step after the password; a code confirms a step-up', async () => {
    const email = uniqueEmail('console-passkey-mfa');
    await register(t, email);
    const { secret } = await enableTotp(t, await login(t, email));

    await page.goto(`${base}/console/`);
    await signIn(page, email, STRONG_PASSWORD);
    const code = loginView(page).getByLabel('Authentication code');
    await code.waitFor();
    // No passkey yet: only codes are offered.
    expect(await loginView(page).getByRole('button', { name: 'Use a passkey' }).count()).toBe(0);
    await code.fill(totpAt(secret, Date.now() + 30_000)); // the next step: the one that activated is spent
    await loginView(page).getByRole('button', { name: 'Verify' }).click();
    await page.locator('#view-account').waitFor();

    await addPasskey(page, 'Security key');
    await page.locator('#passkey-add-done').filter({ hasText: '“Security key” is added' }).waitFor();
    const [stored] = await storedPasskeys(email);
    expect(stored).toMatchObject({ name: 'Security key', last_used_at: null });
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.locator('#view-login').waitFor();

    published.clear();
    requests.length = 0;
    await signIn(page, email, STRONG_PASSWORD);
    const usePasskey = loginView(page).getByRole('button', { name: 'Use a passkey' });
    await usePasskey.waitFor();
    expect(await text(page, '#mfa-help')).toContain('or use a passkey');
    await screenshot(page, 'login-second-factor-passkey');
    // The user does not confirm (the authenticator cannot verify them): a calm word, and the prompt stays.
    await authenticator.cdp.send('WebAuthn.setUserVerified', {
      authenticatorId: authenticator.authenticatorId,
      isUserVerified: false,
    });
    await usePasskey.click();
    await page
      .locator('#login-error')
      .filter({ hasText: 'No passkey was used: the request was cancelled or timed out. You can try again, or use another way.' })
      .waitFor();
    expect(await loginView(page).getByLabel('Authentication code').isVisible()).toBe(true);
    // Again: its mfa_token is spent, so the console gets a new one (the password step once more) first.
    await authenticator.cdp.send('WebAuthn.setUserVerified', {
      authenticatorId: authenticator.authenticatorId,
      isUserVerified: true,
    });
    await usePasskey.click();
    await page.locator('#view-account').waitFor();
    expect(await text(page, '#welcome')).toBe(`You are signed in as ${email}.`);
    expect(await text(page, '#mfa-state')).toContain('Two-factor authentication is on');
    // The passkey answered a challenge bound to this account, as the second factor of a password sign-in.
    expect(published.payloadsOf('auth.passkey_login_succeeded')).toEqual([
      expect.objectContaining({ passkey_id: stored.id, stage: 'second_factor' }),
    ]);
    expect(published.payloadsOf('auth.login_succeeded')).toHaveLength(1);
    expect((await storedPasskeys(email))[0].last_used_at).not.toBeNull();
    expect(requests.filter((r) => r.startsWith('POST /api/v1/auth/'))).toEqual([
      'POST /api/v1/auth/token', // the password: mfa_required, with an mfa_token
      'POST /api/v1/auth/passkeys/authentication/options', // spends it; then the passkey is not confirmed
      'POST /api/v1/auth/token', // the password again: a new mfa_token
      'POST /api/v1/auth/passkeys/authentication/options',
      'POST /api/v1/auth/token', // with passkey_response
    ]);

    // A step-up on this account offers the code too; a code from the app confirms it.
    const moved = Date.now() + PAST_MAX_AGE;
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => new Date(moved));
    await page.getByRole('button', { name: 'Remove the passkey Security key' }).click();
    await page.getByRole('button', { name: 'Remove the passkey', exact: true }).click();
    const dialog = stepUpDialog(page);
    await dialog.waitFor();
    expect(await dialog.getByRole('button', { name: 'Use a passkey' }).isVisible()).toBe(true);
    await dialog.getByLabel('Code from your authenticator app, or a recovery code').fill(totpAt(secret, moved));
    await dialog.getByRole('button', { name: 'Confirm with the code' }).click();
    await page.locator('#status').filter({ hasText: 'Removed the passkey “Security key”.' }).waitFor();
    expect(await storedPasskeys(email)).toEqual([]);
    expect(published.payloadsOf('auth.reauthenticated')).toEqual([expect.objectContaining({ method: 'totp' })]);
    expectClean(diagnostics, [
      '401 /api/v1/auth/token?cookie=1', // mfa_required of the first sign-in (then the code)
      '401 /api/v1/auth/token?cookie=1',
      '401 /api/v1/auth/token?cookie=1',
      `401 /api/v1/auth/passkeys/${stored.id}`, // reauthentication_required
    ]);
  });

  it('step-up: an old sign-in gets the prompt; Cancel leaves it undone; the password completes it; later a passkey does', async () => {
    const email = uniqueEmail('console-step-up');
    await register(t, email);
    await page.goto(`${base}/console/`);
    await signIn(page, email, STRONG_PASSWORD);
    await page.locator('#view-account').waitFor();
    await page.locator('#passkeys-count').filter({ hasText: 'You have no passkeys yet.' }).waitFor();

    const clock = t.app.get(Clock);
    jest.spyOn(clock, 'now').mockImplementation(() => new Date(Date.now() + PAST_MAX_AGE));

    // Cancel: nothing happens, and the card says why.
    await addPasskey(page, 'Phone');
    const dialog = stepUpDialog(page);
    await dialog.waitFor();
    // A password sign-in without two-factor authentication and no passkey yet: only the password is offered.
    expect(await dialog.getByLabel('Password').isVisible()).toBe(true);
    expect(await dialog.locator('#step-up-code-form').isHidden()).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Use a passkey' }).count()).toBe(0);
    await screenshot(page, 'step-up');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('#passkeys-error').filter({ hasText: 'This needs a recent sign-in' }).waitFor();
    expect(await listedPasskeys(email)).toEqual([]);
    expect(await authenticator.credentials()).toEqual([]);

    // A wrong password keeps the dialog open; the right one completes the action, once.
    await addPasskey(page, 'Phone');
    await dialog.waitFor();
    await dialog.getByLabel('Password').fill(`${STRONG_PASSWORD}-wrong`);
    await dialog.getByRole('button', { name: 'Confirm with the password' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'The password is incorrect.' }).waitFor();
    await dialog.getByLabel('Password').fill(STRONG_PASSWORD);
    await dialog.getByRole('button', { name: 'Confirm with the password' }).click();
    await page.locator('#passkey-add-done').filter({ hasText: '“Phone” is added: you can sign in with it.' }).waitFor();
    expect(await dialog.isHidden()).toBe(true);
    expect(await text(page, '#passkeys-error')).toBe('');
    const [phone] = await listedPasskeys(email);
    expect(phone).toMatchObject({ name: 'Phone' });
    expect(await authenticator.credentials()).toHaveLength(1);
    expect(published.payloadsOf('auth.reauthentication_failed')).toEqual([expect.objectContaining({ method: 'password' })]);
    expect(published.payloadsOf('auth.reauthenticated')).toEqual([expect.objectContaining({ method: 'password' })]);

    // Later still: removing it needs another step-up, and now the passkey itself can give it.
    jest.spyOn(clock, 'now').mockImplementation(() => new Date(Date.now() + 2 * PAST_MAX_AGE));
    await page.getByRole('button', { name: 'Remove the passkey Phone' }).click();
    await page.getByRole('button', { name: 'Remove the passkey', exact: true }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Use a passkey' }).click();
    await page.locator('#status').filter({ hasText: 'Removed the passkey “Phone”.' }).waitFor();
    expect(await dialog.isHidden()).toBe(true);
    expect(await listedPasskeys(email)).toEqual([]);
    expect(published.payloadsOf('auth.reauthenticated')).toEqual([
      expect.objectContaining({ method: 'password' }),
      expect.objectContaining({ method: 'passkey' }),
    ]);

    // The 401s were never taken for an expired token: no refresh, each action sent once more after the step-up.
    expect(requests.filter((r) => r.includes('/auth/refresh'))).toEqual([]);
    expect(requests.filter((r) => r.startsWith('POST /api/v1/auth/') || r.startsWith('DELETE '))).toEqual([
      'POST /api/v1/auth/token',
      'POST /api/v1/auth/passkeys/registration/options', // 401, cancelled
      'POST /api/v1/auth/passkeys/registration/options', // 401
      'POST /api/v1/auth/reauthenticate', // 400 wrong password
      'POST /api/v1/auth/reauthenticate',
      'POST /api/v1/auth/passkeys/registration/options',
      'POST /api/v1/auth/passkeys/registration',
      `DELETE /api/v1/auth/passkeys/${phone.id}`, // 401
      'POST /api/v1/auth/reauthenticate/options',
      'POST /api/v1/auth/reauthenticate',
      `DELETE /api/v1/auth/passkeys/${phone.id}`,
    ]);
    expectClean(diagnostics, [
      '401 /api/v1/auth/passkeys/registration/options',
      '401 /api/v1/auth/passkeys/registration/options',
      '400 /api/v1/auth/reauthenticate',
      `401 /api/v1/auth/passkeys/${phone.id}`,
    ]);
  });
  it('explains a passkey the server refuses and the limit of passkeys per account', async () => {
    const email = uniqueEmail('console-passkey-refused');
    await register(t, email);
    await page.goto(`${base}/console/`);
    await signIn(page, email, STRONG_PASSWORD);
    await page.locator('#passkeys-count').filter({ hasText: 'You have no passkeys yet.' }).waitFor();

    // What reaches the server says it was made for another site (a phishing page's origin): refused.
    await page.route('**/api/v1/auth/passkeys/registration', async (route) => {
      const body = route.request().postDataJSON() as Json;
      const clientData = JSON.parse(Buffer.from(body.response.response.clientDataJSON, 'base64url').toString('utf8'));
      body.response.response.clientDataJSON = Buffer.from(
        JSON.stringify({ ...clientData, origin: 'https://bastion-login.example' }),
      ).toString('base64url');
      await route.continue({ postData: JSON.stringify(body) });
    });
    await addPasskey(page, 'Forged');
    await page
      .locator('#passkeys-error')
      .filter({ hasText: 'The passkey could not be verified. Try again, or use another way.' })
      .waitFor();
    await page.unroute('**/api/v1/auth/passkeys/registration');
    expect(await listedPasskeys(email)).toEqual([]);
    expect(await passkeyRows(page).count()).toBe(0);

    // Ten passkeys (made elsewhere): the eleventh is refused before the browser is asked for one.
    const tokens = await login(t, email);
    for (let i = 1; i <= 10; i++) {
      const options = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/passkeys/registration/options',
        headers: bearer(tokens),
        payload: {},
      });
      const response = new SoftAuthenticator({ origin: base }).register(options.json<PublicKeyCredentialCreationOptionsJSON>());
      const created = await t.inject({
        method: 'POST',
        url: '/api/v1/auth/passkeys/registration',
        headers: bearer(tokens),
        payload: { response, name: `Key ${i}` },
      });
      expect(created.statusCode).toBe(201);
    }
    await page.reload();
    await page.locator('#passkeys-count').filter({ hasText: '10 passkeys.' }).waitFor();
    const heldBefore = (await authenticator.credentials()).length;
    await addPasskey(page, 'Eleventh');
    await page
      .locator('#passkeys-error')
      .filter({ hasText: 'You have the most passkeys an account can have (10): remove one first.' })
      .waitFor();
    expect(await authenticator.credentials()).toHaveLength(heldBefore);
    expect(await listedPasskeys(email)).toHaveLength(10);
    expectClean(diagnostics, ['400 /api/v1/auth/passkeys/registration', '409 /api/v1/auth/passkeys/registration/options']);
  });
});
