export { applySecurity, headersOutsideHooks } from './apply-security';
export { SecurityModule } from './security.module';
export { CSP_REPORT_PATH } from './security-policy';
