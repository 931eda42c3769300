/** Public API of the audit context (what other contexts and `app.module.ts` use; tests and scripts: `testing.ts`). */
export { AuditModule } from './audit.module';
export { AuditService, type AuditEventFilter, type AuditEventView } from './audit.service';
export { parseAuditConfig } from './audit.config';
