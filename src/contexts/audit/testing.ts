/** What only tests and scripts (`npm run audit:verify`) use from the audit context. */
export { AUDIT_MAPPING } from './domain/audit-mapping';
export { readArchive, verifyAuditChain, type VerifyReport } from './infra/chain-verification';
export { EmailPseudonyms } from './domain/email-pseudonyms';
