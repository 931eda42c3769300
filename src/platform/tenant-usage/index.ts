export { MeasuresTenantUsage, type TenantUsageMeter, TenantUsageMeters, TenantUsageModule } from './tenant-usage';
