/** What only tests and scripts (`npm run audit:verify`) use from the audit context. */
export { AUDIT_MAPPING } from './domain/audit-mapping';
export { readArchive, verifyAuditChain, type VerifyReport } from './infra/chain-verification';
export { EmailPseudonyms } from './domain/email-pseudonyms';
// The benchmark's login floor with the app's own work (scripts/bench/baseline/login-app-work.ts).
export { AuditDrainer } from './infra/audit.drainer';
export { AuditMetrics } from './infra/audit.metrics';
export { auditDraftFor } from './domain/audit-record';
export { parseAuditConfig } from './audit.config';
