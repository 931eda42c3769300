import type { LightMyRequestResponse } from 'fastify';
import { generateSync } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestApp, type TestApp } from './support/app';
import { bearer, login, person, register, requestRefresh, requestToken, STRONG_PASSWORD, uniqueEmail } from './support/auth';
import { type BrowserDiagnostics, instrumentedContext, launchChromium, screenshot } from './support/browser';
import { expectClean, expectFitsWidth, loginView, signIn, text } from './support/console-page';
import { captureEvents } from './support/events';
import { eventually } from './support/eventually';

const ADMIN_EMAIL = 'console.admin@example.com';
const ADMIN_PASSWORD = 'console-admin-passphrase-Tr0ub4dor';
const REFRESH_COOKIE = '__Host-bastion_refresh';
const CSRF_COOKIE = '__Host-bastion_csrf';

const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; " +
  "form-action 'self'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

// ------------------------------------------------------------------ cookie helpers (inject)

/** What light-my-request calls this server: requests from a page of it carry this Origin. */
const HOST = 'console.example.test';
const ORIGIN = `http://${HOST}`;
const SAME_ORIGIN = { host: HOST, origin: ORIGIN, 'sec-fetch-site': 'same-origin' };

type Jar = Record<string, string>;

function setCookies(res: LightMyRequestResponse): string[] {
  const header = res.headers['set-cookie'];
  return header === undefined ? [] : Array.isArray(header) ? header : [header];
}

/** The cookies a response set, as a browser would keep them (Max-Age=0 deletes). */
function jarFrom(res: LightMyRequestResponse, jar: Jar = {}): Jar {
  const next = { ...jar };
  for (const line of setCookies(res)) {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
    if (attributes.includes('Max-Age=0')) delete next[name];
    else next[name] = value;
  }
  return next;
}

const cookieHeader = (jar: Jar): string =>
  Object.entries(jar)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

// ------------------------------------------------------------------ browser helpers

const totpAt = (secret: string, epochSeconds: number): string => generateSync({ secret, epoch: epochSeconds });

describe('account console (e2e, Chromium)', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_EMAIL, ADMIN_PASSWORD } });
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  describe('serving', () => {
    it('serves the pages under /console/ with their own strict CSP (no unsafe-inline) and reports violations', async () => {
      const res = await t.inject({ method: 'GET', url: '/console/' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.headers['content-security-policy']).not.toContain('unsafe');
      expect(res.headers['content-security-policy-report-only']).toBe(
        `${CONSOLE_CSP}; report-uri /api/v1/security/csp-report; report-to csp-endpoint`,
      );
      expect(res.headers['x-frame-options']).toBe('DENY');
      for (const asset of ['app.js', 'api.js', 'dom.js', 'theme.js', 'console.css', 'favicon.svg']) {
        const file = await t.inject({ method: 'GET', url: `/console/${asset}` });
        expect([asset, file.statusCode]).toEqual([asset, 200]);
        expect(file.headers['content-security-policy']).toBe(CONSOLE_CSP);
      }
      const redirect = await t.inject({ method: 'GET', url: '/console' });
      expect(redirect.statusCode).toBe(301);
      expect(redirect.headers.location).toBe('/console/');
      const missing = await t.inject({ method: 'GET', url: '/console/nope.js' });
      expect(missing.statusCode).toBe(404);
      expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
      // The API keeps its own policy.
      const api = await t.inject({ method: 'GET', url: '/health/live' });
      expect(api.headers['content-security-policy']).toBe(
        "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
      );
    });
  });

  describe('cookie mode of the token endpoints', () => {
    const cookieLogin = async (email: string, headers: Record<string, string> = SAME_ORIGIN): Promise<LightMyRequestResponse> =>
      t.inject({ method: 'POST', url: '/api/v1/auth/token?cookie=1', payload: { email, password: STRONG_PASSWORD }, headers });
    const cookieRefresh = (
      jar: Jar,
      headers: Record<string, string> = {},
      payload: object = {},
    ): Promise<LightMyRequestResponse> =>
      t.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh?cookie=1',
        payload,
        headers: { ...SAME_ORIGIN, cookie: cookieHeader(jar), ...headers },
      });

    it('login puts the refresh token in an HttpOnly __Host- cookie, never in the body, and returns the CSRF token', async () => {
      const email = uniqueEmail('cookie');
      await register(t, email);
      const res = await cookieLogin(email);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['access_token', 'csrf_token', 'expires_in', 'token_type']);
      expect(res.headers['cache-control']).toBe('no-store');
      const [refresh, csrf] = setCookies(res);
      expect(refresh).toMatch(
        /^__Host-bastion_refresh=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; Secure; SameSite=Strict; HttpOnly$/,
      );
      expect(csrf).toBe(`${CSRF_COOKIE}=${body.csrf_token}; Max-Age=86400; Path=/; Secure; SameSite=Strict`);
      expect(res.body).not.toContain(jarFrom(res)[REFRESH_COOKIE]);
      expect((await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(body) })).json().email).toBe(email);
    });

    it('refuses cookie mode to cross-site requests and to requests without Origin', async () => {
      const email = uniqueEmail('cookie');
      await register(t, email);
      const attempts: Record<string, string>[] = [
        { host: HOST, origin: 'https://evil.example.net' },
        { host: HOST, origin: 'https://console.example.test' }, // same host, other scheme
        { host: HOST },
        { ...SAME_ORIGIN, 'sec-fetch-site': 'same-site' },
        { ...SAME_ORIGIN, 'sec-fetch-site': 'cross-site' },
      ];
      for (const headers of attempts) {
        const res = await cookieLogin(email, headers);
        expect([headers, res.statusCode, res.json().code]).toEqual([headers, 403, 'cross_site_request']);
        expect(setCookies(res)).toEqual([]);
      }
      const res = await cookieRefresh({ [REFRESH_COOKIE]: 'x'.repeat(43) }, { origin: 'https://evil.example.net' });
      expect(res.statusCode).toBe(403);
    });

    it('refresh needs X-CSRF-Token equal to the CSRF cookie and bound to the refresh cookie; then it rotates both', async () => {
      const email = uniqueEmail('cookie');
      await register(t, email);
      const jar = jarFrom(await cookieLogin(email));
      const other = jarFrom(await cookieLogin(email));

      const refusals: [Record<string, string>, Jar][] = [
        [{}, jar], // no header
        [{ 'x-csrf-token': 'A'.repeat(43) }, jar], // header and cookie differ
        [{ 'x-csrf-token': jar[CSRF_COOKIE] }, { [REFRESH_COOKIE]: jar[REFRESH_COOKIE] }], // no CSRF cookie
        // Double submit alone is not enough: another session's CSRF token, in cookie and header.
        [{ 'x-csrf-token': other[CSRF_COOKIE] }, { [REFRESH_COOKIE]: jar[REFRESH_COOKIE], [CSRF_COOKIE]: other[CSRF_COOKIE] }],
      ];
      for (const [headers, cookies] of refusals) {
        const res = await cookieRefresh(cookies, headers);
        expect([res.statusCode, res.json().code]).toEqual([403, 'invalid_csrf_token']);
        expect(setCookies(res)).toEqual([]);
      }
      const inBody = await cookieRefresh(jar, { 'x-csrf-token': jar[CSRF_COOKIE] }, { refresh_token: jar[REFRESH_COOKIE] });
      expect([inBody.statusCode, inBody.json().errors[0].code]).toEqual([400, 'not_allowed_in_cookie_mode']);

      const ok = await cookieRefresh(jar, { 'x-csrf-token': jar[CSRF_COOKIE] });
      expect(ok.statusCode).toBe(200);
      const rotated = jarFrom(ok, jar);
      expect(rotated[REFRESH_COOKIE]).not.toBe(jar[REFRESH_COOKIE]);
      expect(rotated[CSRF_COOKIE]).toBe(ok.json().csrf_token);
      expect(rotated[CSRF_COOKIE]).not.toBe(jar[CSRF_COOKIE]);
      expect(ok.json().refresh_token).toBeUndefined();

      // The old cookie again: reuse detection revokes the family, and the response clears both cookies.
      const reuse = await cookieRefresh(jar, { 'x-csrf-token': jar[CSRF_COOKIE] });
      expect([reuse.statusCode, reuse.json().code]).toEqual([401, 'refresh_token_reused']);
      expect(jarFrom(reuse, jar)).toEqual({});
      const dead = await cookieRefresh(rotated, { 'x-csrf-token': rotated[CSRF_COOKIE] });
      expect(dead.statusCode).toBe(401);

      const none = await cookieRefresh({});
      expect([none.statusCode, none.json().code]).toEqual([401, 'invalid_refresh_token']);
    });

    it('logout in cookie mode needs the CSRF token, revokes the session and clears both cookies', async () => {
      const email = uniqueEmail('cookie');
      await register(t, email);
      const jar = jarFrom(await cookieLogin(email));
      const logout = (headers: Record<string, string>): Promise<LightMyRequestResponse> =>
        t.inject({
          method: 'POST',
          url: '/api/v1/auth/logout?cookie=1',
          payload: {},
          headers: { ...SAME_ORIGIN, cookie: cookieHeader(jar), ...headers },
        });
      const forged = await logout({});
      expect([forged.statusCode, forged.json().code]).toEqual([403, 'invalid_csrf_token']);
      const res = await logout({ 'x-csrf-token': jar[CSRF_COOKIE] });
      expect(res.statusCode).toBe(204);
      expect(setCookies(res).every((line) => line.includes('Max-Age=0'))).toBe(true);
      expect(jarFrom(res, jar)).toEqual({});
      const after = await cookieRefresh(jar, { 'x-csrf-token': jar[CSRF_COOKIE] });
      expect(after.statusCode).toBe(401);
    });

    it('leaves the JSON mode as it was, and rejects an unknown cookie flag', async () => {
      const missing = await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: {} });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().errors).toEqual([
        { field: 'refresh_token', code: 'is_length', message: 'refresh_token must be longer than or equal to 1 characters' },
        { field: 'refresh_token', code: 'is_string', message: 'refresh_token must be a string' },
      ]);
      const extra = await t.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: 'x', extra: 1 } });
      expect([extra.statusCode, extra.json().errors]).toEqual([
        400,
        [{ field: 'extra', code: 'unknown_field', message: 'property extra should not exist' }],
      ]);
      const { email, tokens } = await person(t, 'json');
      const refreshed = await requestRefresh(t, tokens.refresh_token);
      expect(refreshed.statusCode).toBe(200);
      expect(refreshed.json().refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(setCookies(refreshed)).toEqual([]);
      const flag = await t.inject({ method: 'POST', url: '/api/v1/auth/token?cookie=yes', payload: { email, password: 'x' } });
      expect([flag.statusCode, flag.json().errors[0].field]).toEqual([400, 'cookie']);
    });
  });

  describe('in the browser', () => {
    let context: BrowserContext;
    let diagnostics: BrowserDiagnostics;
    let page: Page;

    beforeEach(async () => {
      ({ context, diagnostics } = await instrumentedContext(browser, { viewport: { width: 1100, height: 900 } }));
      page = await context.newPage();
    });
    afterEach(async () => {
      await context.close();
    });

    it('a wrong password shows the error; then the login leads to the account page, with tokens out of reach of scripts', async () => {
      const email = uniqueEmail('console');
      await register(t, email);
      await page.goto(`${base}/console/`);
      await page.locator('#view-login').waitFor();
      await screenshot(page, 'login');

      await signIn(page, email, `${STRONG_PASSWORD}-wrong`);
      await page.getByRole('alert').filter({ hasText: 'incorrect' }).waitFor();
      expect(await text(page, '#login-error')).toBe('The email or password is incorrect.');
      expect(await page.locator('#view-account').isHidden()).toBe(true);
      await screenshot(page, 'login-error');

      await loginView(page).getByLabel('Password', { exact: true }).fill(STRONG_PASSWORD);
      await loginView(page).getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.locator('#view-account').waitFor();
      expect(await text(page, '#welcome')).toBe(`You are signed in as ${email}.`);
      expect(await text(page, '#profile-email')).toBe(email);
      expect(await page.locator('#login-error').isVisible()).toBe(false);

      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === REFRESH_COOKIE)).toMatchObject({
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
        path: '/',
      });
      expect(cookies.find((c) => c.name === CSRF_COOKIE)).toMatchObject({ httpOnly: false, secure: true, sameSite: 'Strict' });
      const refreshToken = cookies.find((c) => c.name === REFRESH_COOKIE)!.value;
      // Scripts see neither token: not in storage, not in document.cookie.
      const visible = await page.evaluate<string>('JSON.stringify([document.cookie, {...localStorage}, {...sessionStorage}])');
      expect(visible).not.toContain(refreshToken);
      expect(visible).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/); // no JWT anywhere

      // A reload keeps the session: the page gets a new access token from the cookie.
      await page.reload();
      await page.locator('#view-account').waitFor();
      expect(await text(page, '#profile-email')).toBe(email);
      await screenshot(page, 'account');
      expectClean(diagnostics, ['401 /api/v1/auth/token?cookie=1']);
    });

    it('forgot password → the link opens the reset page → the new password signs in; a verification link confirms the address', async () => {
      const events = captureEvents(t);
      try {
        const email = uniqueEmail('console-reset');
        await register(t, email);
        await page.goto(`${base}/console/`);
        await loginView(page).getByLabel('Email').fill(email);
        await page.getByRole('button', { name: 'Forgot your password?' }).click();
        await page.locator('#view-forgot').waitFor();
        expect(await page.locator('#forgot-email').inputValue()).toBe(email);
        await page.getByRole('button', { name: 'Send the link' }).click();
        await page.locator('#forgot-done').filter({ hasText: 'on its way' }).waitFor();
        await screenshot(page, 'forgot');

        await eventually(() => events.payloadsOf('auth.password_reset_requested').some((e) => e.email === email));
        const resetLink = new URL(
          events.payloadsOf('auth.password_reset_requested').find((e) => e.email === email)!.token_link as string,
        );
        await page.goto(`${base}${resetLink.pathname}${resetLink.hash}`);
        await page.locator('#view-reset').waitFor();
        // The token leaves the address bar (and the history) at once.
        expect(new URL(page.url()).hash).toBe('');
        await page.locator('#reset-password').fill('short');
        await page.getByRole('button', { name: 'Set the password' }).click();
        await page.locator('#reset-error').filter({ hasText: /./ }).waitFor();
        const newPassword = 'Harbour-Lantern-Quokka-Treble-38';
        await page.locator('#reset-password').fill(newPassword);
        await page.getByRole('button', { name: 'Set the password' }).click();
        await page.locator('#view-login').waitFor();
        await signIn(page, email, newPassword);
        await page.locator('#view-account').waitFor();
        expect(await text(page, '#profile-email')).toBe(email);

        const verifyLink = new URL(
          events.payloadsOf('auth.email_verification_requested').find((e) => e.email === email)!.token_link as string,
        );
        await page.goto(`${base}${verifyLink.pathname}${verifyLink.hash}`);
        await page
          .locator('#verify-done')
          .filter({ hasText: `${email} is confirmed.` })
          .waitFor();
        await page.goto(`${base}${verifyLink.pathname}${verifyLink.hash}`);
        await page.locator('#verify-error').filter({ hasText: 'invalid, already used or expired' }).waitFor();
        expectClean(diagnostics, ['400 /api/v1/auth/password/reset', '400 /api/v1/auth/email/verify']);
      } finally {
        events.stop();
      }
    });

    it('changes the email address: the form asks for the password, the link from the new address confirms it', async () => {
      const events = captureEvents(t);
      try {
        const email = uniqueEmail('console-move');
        await register(t, email);
        await page.goto(`${base}/console/`);
        await signIn(page, email, STRONG_PASSWORD);
        await page.locator('#view-account').waitFor();
        const target = uniqueEmail('console-moved');
        await page.getByLabel('New email address').fill(target);
        await page.getByLabel('Current password').fill(STRONG_PASSWORD);
        await page.getByRole('button', { name: 'Change the address' }).click();
        await page.locator('#email-done').filter({ hasText: target }).waitFor();
        expect(await page.locator('#email-password').inputValue()).toBe('');

        await eventually(() => events.payloadsOf('auth.email_change_requested').some((e) => e.new_email === target));
        const link = new URL(
          events.payloadsOf('auth.email_change_requested').find((e) => e.new_email === target)!.token_link as string,
        );
        await page.goto(`${base}${link.pathname}${link.hash}`);
        await page
          .locator('#verify-done')
          .filter({ hasText: `${target} is confirmed.` })
          .waitFor();
        expectClean(diagnostics, []);
      } finally {
        events.stop();
      }
    });

    it('lists sessions, revokes another one, then signs out all the others', async () => {
      const email = uniqueEmail('console');
      await register(t, email);
      const firefox = await login(t, email, STRONG_PASSWORD, {
        'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0',
      });
      await page.goto(`${base}/console/`);
      await signIn(page, email, STRONG_PASSWORD);
      await page.locator('#sessions li').nth(1).waitFor();
      expect(await page.locator('#sessions li').count()).toBe(2);
      expect(await text(page, '#sessions li:has(.badge)')).toContain('This browser');

      await page.getByRole('button', { name: /Revoke the session of Firefox on Windows/ }).click();
      await page.locator('#status').filter({ hasText: 'Revoked the session of Firefox on Windows.' }).waitFor();
      expect(await page.locator('#sessions li').count()).toBe(1);
      const refused = await requestRefresh(t, firefox.refresh_token);
      expect(refused.statusCode).toBe(401);

      const phones = [await login(t, email), await login(t, email)];
      await page.reload();
      await page.locator('#sessions li').nth(2).waitFor();
      await page.getByRole('button', { name: 'Sign out all other sessions' }).click();
      await page.locator('#status').filter({ hasText: 'Signed out 2 other sessions.' }).waitFor();
      expect(await page.locator('#sessions li').count()).toBe(1);
      for (const phone of phones) {
        const res = await t.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(phone) });
        expect(res.statusCode).toBe(401);
      }
      expectClean(diagnostics);
    });

    it('enrols MFA with the QR code, shows the recovery codes once, and the next login needs the code', async () => {
      const email = uniqueEmail('console');
      await register(t, email);
      await page.goto(`${base}/console/`);
      await signIn(page, email, STRONG_PASSWORD);
      await page.locator('#view-account').waitFor();

      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      await page.locator('#mfa-enrol').waitFor();
      const qr = page.getByRole('img', { name: 'QR code of the authenticator key' });
      expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
      // Rendered by the browser (decoded to a real bitmap), not just assigned.
      const width = await qr.evaluate((img) => {
        const image = img as unknown as { decode(): Promise<void>; naturalWidth: number };
        return image.decode().then(() => image.naturalWidth);
      });
      expect(width).toBeGreaterThan(0);
      const secret = await text(page, '#mfa-secret');
      expect(secret).toMatch(/^[A-Z2-7]+=*$/);
      await screenshot(page, 'account-mfa-enrolment');

      await page.getByLabel('Code from the app').fill(totpAt(secret, Math.floor(Date.now() / 1000)));
      await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
      await page.locator('#mfa-recovery').waitFor();
      const codes = await page.locator('#recovery-codes li').allTextContents();
      expect(codes).toHaveLength(10);
      expect(await page.locator('#mfa-secret').textContent()).toBe('');
      await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
      expect(await page.locator('#recovery-codes li').count()).toBe(0);
      expect(await text(page, '#mfa-state')).toContain('Two-factor authentication is on');

      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.locator('#view-login').waitFor();
      expect(await text(page, '#status')).toBe('You are signed out.');
      expect((await context.cookies()).map((c) => c.name)).toEqual([]);

      // A reload after logout stays signed out (no cookie, so not even a refresh attempt).
      await page.reload();
      await page.locator('#view-login').waitFor();

      await signIn(page, email, STRONG_PASSWORD);
      await loginView(page).getByLabel('Authentication code').waitFor();
      // The code of the next 30-second step: the one used to activate cannot be replayed.
      await loginView(page)
        .getByLabel('Authentication code')
        .fill(totpAt(secret, Math.floor(Date.now() / 1000) + 30));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.locator('#view-account').waitFor();
      expect(await text(page, '#profile-email')).toBe(email);
      expect(await text(page, '#mfa-state')).toContain('Two-factor authentication is on');
      expectClean(diagnostics, ['401 /api/v1/auth/token?cookie=1']); // the mfa_required answer
    });

    it('the admin sees recent audit events and filters them by type', async () => {
      const victim = uniqueEmail('audited');
      await register(t, victim);
      expect((await requestToken(t, { email: victim, password: 'nope' })).statusCode).toBe(401);

      await page.goto(`${base}/console/`);
      await signIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
      await page.locator('#admin').waitFor();
      await page.locator('#audit-rows tr[data-type="auth.login_failed"]').first().waitFor();
      expect(await page.locator('#audit-rows tr[data-type="auth.login_succeeded"]').count()).toBeGreaterThan(0);
      const all = await page.locator('#audit-rows tr').count();

      await page.getByLabel('Event type').selectOption('auth.login_failed');
      const types = await page.locator('#audit-rows tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-type')));
      expect(types.length).toBeGreaterThan(0);
      expect(types.length).toBeLessThan(all);
      expect(new Set(types)).toEqual(new Set(['auth.login_failed']));
      expect(await text(page, '#audit-count')).toContain('are auth.login_failed');
      await screenshot(page, 'admin-audit');
      expectClean(diagnostics);
    });

    it('dark mode follows the system, toggles by keyboard and persists; the pages fit 360 px', async () => {
      await context.close();
      ({ context, diagnostics } = await instrumentedContext(browser, {
        viewport: { width: 360, height: 740 },
        colorScheme: 'dark',
      }));
      page = await context.newPage();
      const email = uniqueEmail('console');
      await register(t, email);
      await page.goto(`${base}/console/`);
      await page.locator('#view-login').waitFor();

      const toggle = page.getByRole('button', { name: 'Dark mode' });
      expect(await toggle.getAttribute('aria-pressed')).toBe('true'); // prefers-color-scheme: dark, nothing saved
      // Keyboard: skip link, then the toggle, then the form fields in order.
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('theme-toggle');
      await page.keyboard.press('Enter');
      expect(await toggle.getAttribute('aria-pressed')).toBe('false');
      expect(await page.evaluate<string>('document.documentElement.dataset.theme')).toBe('light');
      await page.keyboard.press('Space');
      expect(await toggle.getAttribute('aria-pressed')).toBe('true');
      expect(await page.evaluate<string | null>("localStorage.getItem('bastion.theme')")).toBe('dark');
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('login-email');
      await page.keyboard.press('Tab');
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('login-password');

      await page.emulateMedia({ colorScheme: 'light' });
      await page.reload();
      await page.locator('#view-login').waitFor();
      expect(await page.evaluate<string>('document.documentElement.dataset.theme')).toBe('dark'); // the saved choice wins
      const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      expect(background).toBe('rgb(13, 17, 23)');
      await expectFitsWidth(page, 360);
      await screenshot(page, 'login-360-dark');

      // Sign in with the keyboard alone.
      await loginView(page).getByLabel('Email').focus();
      await page.keyboard.type(email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(STRONG_PASSWORD);
      await page.keyboard.press('Enter');
      await page.locator('#view-account').waitFor();
      expect(await page.evaluate<string>('document.activeElement.id')).toBe('account-title');
      await page.locator('#sessions li').first().waitFor();
      await expectFitsWidth(page, 360);
      await screenshot(page, 'account-360-dark');
      expect(await page.locator('#admin').isHidden()).toBe(true);
      expectClean(diagnostics);
    });

    it('the violation detector works: a blocked load is caught (so "no violations" above means none)', async () => {
      await page.goto(`${base}/console/`);
      await page.locator('#view-login').waitFor();
      await page.evaluate(
        "document.body.append(Object.assign(document.createElement('img'), { src: 'https://example.invalid/x.png' }))",
      );
      // The events arrive asynchronously (a task in the page, then the binding): wait for them.
      for (let i = 0; i < 100 && diagnostics.cspViolations.length < 2; i++) await page.waitForTimeout(50);
      expect(diagnostics.cspViolations.map((v) => [v.directive, v.disposition]).sort()).toEqual([
        ['img-src', 'enforce'],
        ['img-src', 'report'],
      ]);
    });
  });
});
