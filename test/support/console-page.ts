import type { Locator, Page } from 'playwright-core';
import { type BrowserDiagnostics, horizontalOverflow, screenshot } from './browser';

/** The browser's own log line for a fetch that got an HTTP error status (not written by the page). */
const HTTP_STATUS_LINE = /^Failed to load resource: the server responded with a status of (\d{3}) .*\((https?:\/\/[^)]+):\d+\)$/;

/**
 * Splits console errors into the browser's network lines for API answers the test provoked
 * on purpose (as "401 /api/v1/auth/token?cookie=1") and everything else, which must stay empty.
 */
function classify(diagnostics: BrowserDiagnostics): { httpStatuses: string[]; otherErrors: string[] } {
  const httpStatuses: string[] = [];
  const otherErrors: string[] = [];
  for (const line of diagnostics.consoleErrors) {
    const match = HTTP_STATUS_LINE.exec(line);
    if (match) httpStatuses.push(`${match[1]} ${new URL(match[2]).pathname}${new URL(match[2]).search}`);
    else otherErrors.push(line);
  }
  return { httpStatuses, otherErrors };
}

/** Expects no console error, page error or CSP violation, and exactly these provoked HTTP error answers. */
export function expectClean(diagnostics: BrowserDiagnostics, expectedHttpStatuses: string[] = []): void {
  const { httpStatuses, otherErrors } = classify(diagnostics);
  expect(otherErrors).toEqual([]);
  expect(diagnostics.pageErrors).toEqual([]);
  expect(diagnostics.cspViolations).toEqual([]);
  expect(httpStatuses).toEqual(expectedHttpStatuses);
}

/**
 * The page is no wider than `width` (no horizontal scrolling on a phone); when it is, the failure
 * shows its width and every element that widens it past `width`, and a screenshot of the page is
 * kept in test-artifacts/console (`overflow-<width>-<time>.png`).
 */
export async function expectFitsWidth(page: Page, width: number): Promise<void> {
  const fit = await horizontalOverflow(page, width);
  if (fit.scrollWidth > width) await screenshot(page, `overflow-${width}-${Date.now()}`);
  expect(fit.scrollWidth <= width ? 'fits' : fit).toBe('fits');
}

export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? '').trim();
}

/** The sign-in view (the account view has its own "Password" and "Authentication code" fields). */
export const loginView = (page: Page): Locator => page.locator('#view-login');

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await loginView(page).waitFor();
  await loginView(page).getByLabel('Email').fill(email);
  await loginView(page).getByLabel('Password', { exact: true }).fill(password);
  await loginView(page).getByRole('button', { name: 'Sign in', exact: true }).click();
}
