import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (no browser download). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests leave their screenshots (git-ignored). */
export const ARTIFACTS_DIR = join(__dirname, '..', '..', 'test-artifacts', 'console');

/**
 * Launches headless Chromium, or fails with how to install it: a missing browser must fail
 * the suite, not skip it.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM_PATH}. The console's browser tests need it: ` +
        'install it with `apt-get install -y chromium` (Debian/Ubuntu, as root), ' +
        'or point CHROMIUM_PATH at another Chromium binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
}

export interface CspViolation {
  directive: string;
  blocked: string;
  disposition: string;
  source: string;
  page: string;
}

/** What went wrong in the browser while a test ran: it should all stay empty. */
export interface BrowserDiagnostics {
  consoleErrors: string[];
  pageErrors: string[];
  cspViolations: CspViolation[];
}

/**
 * A browser context that records console errors, uncaught page errors and every CSP
 * violation (the `securitypolicyviolation` event fires for enforced and report-only
 * policies alike, the moment the browser decides; reports to the server come later).
 */
export async function instrumentedContext(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; diagnostics: BrowserDiagnostics }> {
  const context = await browser.newContext(options);
  const diagnostics: BrowserDiagnostics = { consoleErrors: [], pageErrors: [], cspViolations: [] };
  await context.exposeBinding('__bastionCspViolation', ({ page }, violation: Omit<CspViolation, 'page'>) => {
    diagnostics.cspViolations.push({ ...violation, page: page.url() });
  });
  // Page-side code as a string: the test project compiles without DOM types.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      window.__bastionCspViolation({
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        disposition: event.disposition,
        source: event.sourceFile + ':' + event.lineNumber,
      });
    });`,
  });
  context.on('page', (page) => watchPage(page, diagnostics));
  return { context, diagnostics };
}

function watchPage(page: Page, diagnostics: BrowserDiagnostics): void {
  page.on('console', (message) => {
    if (message.type() === 'error') {
      const where = message.location();
      diagnostics.consoleErrors.push(`${message.text()} (${where.url}:${where.lineNumber})`);
    }
  });
  page.on('pageerror', (error) => diagnostics.pageErrors.push(String(error.stack ?? error.message)));
}

/** Saves a full-page screenshot as test-artifacts/console/<name>.png and returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
