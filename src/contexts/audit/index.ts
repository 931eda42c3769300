/** Public API of the audit context. */
export { AuditModule } from './audit.module';
export { AuditService, type AuditEventFilter, type AuditEventView, DEFAULT_LOG_LIMIT, MAX_LOG_LIMIT } from './audit.service';
export { auditConfig, type AuditConfig, parseAuditConfig } from './audit.config';
export { AUDIT_MAPPING, AUDIT_OUTCOMES, type AuditOutcome, type AuditMappingTable } from './domain/audit-mapping';
export {
  type AuditRow,
  type ChainPoint,
  type ChainProblem,
  ChainVerifier,
  chainHash,
  GENESIS,
  GENESIS_HASH,
  verifyRows,
} from './domain/hash-chain';
export { archiveFiles, readArchive, verifyAuditChain, type VerifyOptions, type VerifyReport } from './infra/chain-verification';
export { type ArchiveResult, AuditChainBrokenError } from './infra/audit-archiver';
