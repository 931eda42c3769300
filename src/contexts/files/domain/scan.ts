/**
 * Malware scanning, as the files context sees it: a scanner gives a verdict, the policy turns
 * it into "store with this scan status" or "refuse". Framework-free.
 */

export type ScanVerdict = { result: 'clean' } | { result: 'infected'; signature: string } | { result: 'error'; reason: string };

/** What a stored file's `scan_status` says. Infected files are never stored, so there is no `infected`. */
export const SCAN_STATUSES = ['clean', 'not_scanned', 'scan_failed'] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

export type ScanOutcome =
  | { accepted: true; status: ScanStatus }
  | { accepted: false; reason: 'file_infected'; signature: string }
  | { accepted: false; reason: 'scan_unavailable'; cause: string };

/**
 * - `infected` → refused, always.
 * - `error` (scanner down, timed out, answered nonsense) → refused (fail closed) unless
 *   `failOpen`, then stored as `scan_failed`.
 * - `clean` → `clean` from a scanner that really scans, `not_scanned` from one that does not.
 */
export function scanOutcome(verdict: ScanVerdict, policy: { scanned: boolean; failOpen: boolean }): ScanOutcome {
  switch (verdict.result) {
    case 'infected':
      return { accepted: false, reason: 'file_infected', signature: verdict.signature };
    case 'error':
      return policy.failOpen
        ? { accepted: true, status: 'scan_failed' }
        : { accepted: false, reason: 'scan_unavailable', cause: verdict.reason };
    case 'clean':
      return { accepted: true, status: policy.scanned ? 'clean' : 'not_scanned' };
  }
}
