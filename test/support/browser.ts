import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type CDPSession,
  chromium,
  type Page,
} from 'playwright-core';

/** Where browser tests leave their screenshots (git-ignored). */
export const ARTIFACTS_DIR = join(__dirname, '..', '..', 'test-artifacts', 'console');

/** The Chromium Debian's package installs; used when present. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * Flags for every launch. `@sparticuz/chromium`'s own `args` are tuned for AWS Lambda and are
 * deliberately not used: `--disable-web-security` changes Origin and `Sec-Fetch-Site` (which
 * the console's CSRF checks read) and `--single-process` takes the browser down when a page
 * closes. The background-networking flags keep Chromium from calling out of a closed network.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface ChromiumBinary {
  path: string;
  source: 'CHROMIUM_PATH' | 'debian' | 'npm';
}

/**
 * Which Chromium the browser tests drive: `CHROMIUM_PATH` when set (it must exist), else
 * Debian's `/usr/bin/chromium` when installed, else the headless Chromium that the
 * `@sparticuz/chromium` npm package ships (inflated once into the temp directory), so a
 * machine with only Node and npm runs the console's tests too.
 */
export async function resolveChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumBinary> {
  const configured = env.CHROMIUM_PATH?.trim();
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH points at ${configured}, which does not exist.`);
    return { path: configured, source: 'CHROMIUM_PATH' };
  }
  if (existsSync(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM, source: 'debian' };
  const { default: NpmChromium } = await import('@sparticuz/chromium');
  return { path: await NpmChromium.executablePath(), source: 'npm' };
}

/** Launches headless Chromium (see `resolveChromium` for which one). */
export async function launchChromium(): Promise<Browser> {
  const binary = await resolveChromium();
  return chromium.launch({ executablePath: binary.path, headless: true, args: CHROMIUM_ARGS });
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

/**
 * How wide the page is (`scrollWidth`), and the elements that reach past `width` and widen it: their
 * tag, id, classes, right edge and the start of their text, so a page too wide for a phone says what
 * made it so. An element inside a box that clips or scrolls sideways (a table in its `.table-wrap`)
 * does not widen the page and is left out, so the list names the culprit instead of its bystanders.
 */
export async function horizontalOverflow(page: Page, width: number): Promise<{ scrollWidth: number; past: string[] }> {
  // A string, as the other in-page checks: the test build has no DOM types.
  return page.evaluate<{ scrollWidth: number; past: string[] }>(`(() => {
    const clipped = (element) => {
      for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
        if (getComputedStyle(box).overflowX !== 'visible') return true;
      }
      return false;
    };
    const past = [];
    for (const element of document.body.querySelectorAll('*')) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.right <= ${width} || clipped(element)) continue;
      const classes = Array.from(element.classList, (c) => '.' + c).join('');
      const text = (element.textContent || '').trim().slice(0, 40);
      past.push(element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') + classes + ' right=' + box.right + ' "' + text + '"');
    }
    return { scrollWidth: document.documentElement.scrollWidth, past };
  })()`);
}

/** A passkey the virtual authenticator holds (the fields of CDP's `WebAuthn.Credential` the tests read). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  signCount: number;
}

export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
  /** The passkeys it holds now. */
  credentials(): Promise<VirtualCredential[]>;
}

/**
 * A virtual platform authenticator for `page` (Chrome DevTools Protocol, `WebAuthn` domain): it
 * keeps discoverable credentials, verifies the user (as a fingerprint or PIN would) and simulates
 * their presence, so passkey ceremonies complete without anyone touching a device.
 */
export async function virtualAuthenticator(context: BrowserContext, page: Page): Promise<VirtualAuthenticator> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}
