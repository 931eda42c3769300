/**
 * Every migration, in order. Listed explicitly (no glob) so the app, the CLI and the tests
 * load the same set with any module loader; `migrations.spec.ts` fails on a file left out.
 */
import { JobRuns1763884800000 } from './1763884800000-JobRuns';
import { Identity1795418528331 } from './1795418528331-Identity';
import { LoginDefence1795420915804 } from './1795420915804-LoginDefence';
import { Status1795420948770 } from './1795420948770-Status';
import { Idempotency1795420981942 } from './1795420981942-Idempotency';
import { Workspace1795421129034 } from './1795421129034-Workspace';
import { MfaAndApiKeys1795422717176 } from './1795422717176-MfaAndApiKeys';
import { Files1795422761432 } from './1795422761432-Files';
import { Notifications1795422823645 } from './1795422823645-Notifications';
import { Audit1795422882699 } from './1795422882699-Audit';
import { AuditOutbox1796256000000 } from './1796256000000-AuditOutbox';
import { AccountLifecycle1796342400000 } from './1796342400000-AccountLifecycle';
import { AccountClosure1796428800000 } from './1796428800000-AccountClosure';
import { Tenancy1796515200000 } from './1796515200000-Tenancy';
import { TenantOwnedData1796601600000 } from './1796601600000-TenantOwnedData';
import { AuditTenantIndex1796688000000 } from './1796688000000-AuditTenantIndex';
import { Passkeys1796774400000 } from './1796774400000-Passkeys';
import { StepUp1796860800000 } from './1796860800000-StepUp';
import { LiveFeeds1796947200000 } from './1796947200000-LiveFeeds';
import { ForgetStoredApiKeys1797033600000 } from './1797033600000-ForgetStoredApiKeys';
import { PersonalTenantOwners1797120000000 } from './1797120000000-PersonalTenantOwners';

export const migrations = [
  JobRuns1763884800000,
  Identity1795418528331,
  LoginDefence1795420915804,
  Status1795420948770,
  Idempotency1795420981942,
  Workspace1795421129034,
  MfaAndApiKeys1795422717176,
  Files1795422761432,
  Notifications1795422823645,
  Audit1795422882699,
  AuditOutbox1796256000000,
  AccountLifecycle1796342400000,
  AccountClosure1796428800000,
  Tenancy1796515200000,
  TenantOwnedData1796601600000,
  AuditTenantIndex1796688000000,
  Passkeys1796774400000,
  StepUp1796860800000,
  LiveFeeds1796947200000,
  ForgetStoredApiKeys1797033600000,
  PersonalTenantOwners1797120000000,
];
