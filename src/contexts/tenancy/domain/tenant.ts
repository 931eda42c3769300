import { mergeQuotas, parseQuotasPatch, type QuotaField, type TenantQuotas } from './quotas';
import { assertCan, type TenantRole } from './roles';
import { changedSettings, mergeSettings, parseSettingsPatch, type TenantSettings } from './settings';
import { TenancyError } from './tenancy.errors';

export const TENANT_STATUSES = ['active', 'suspended'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const TENANT_NAME_MAX = 100;

/**
 * A suspended tenant can be listed and read, nothing more.
 * @throws TenancyError 403 tenant_suspended
 */
export function assertActive(status: TenantStatus): void {
  if (status !== 'active') throw TenancyError.tenantSuspended();
}

/** What a member may change on their tenant (`PATCH /tenants/{id}`). `settings` is checked by the domain. */
export interface TenantPatch {
  name?: string;
  settings?: unknown;
}

export const TENANT_WRITABLE = ['name', 'settings'] as const satisfies readonly (keyof TenantPatch)[];

/** Settings parsed and the patch not empty: checked before anything is read. */
export function parseTenantPatch(patch: TenantPatch): { name?: string; settings?: Partial<TenantSettings> } {
  if (TENANT_WRITABLE.every((field) => patch[field] === undefined)) throw TenancyError.emptyPatch(TENANT_WRITABLE);
  return {
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.settings === undefined ? {} : { settings: parseSettingsPatch(patch.settings) }),
  };
}

export interface TenantChange {
  name?: string;
  settings?: TenantSettings;
  /** `name` and the names of the changed settings (`settings.mfa_required`, ...). */
  fields: string[];
}

/**
 * What a (parsed) patch changes, sent by a member with `role`: renaming takes `rename`
 * (owners, admins), settings take `configure` (owners), whether or not the values differ.
 * @throws TenancyError 403 forbidden
 */
export function planTenantPatch(
  role: TenantRole,
  current: { name: string; settings: TenantSettings },
  patch: { name?: string; settings?: Partial<TenantSettings> },
): TenantChange {
  if (patch.name !== undefined) assertCan(role, 'rename');
  if (patch.settings !== undefined) assertCan(role, 'configure');
  const change: TenantChange = { fields: [] };
  if (patch.name !== undefined && patch.name !== current.name) {
    change.name = patch.name;
    change.fields.push('name');
  }
  if (patch.settings !== undefined) {
    const next = mergeSettings(current.settings, patch.settings);
    const changed = changedSettings(current.settings, next);
    if (changed.length > 0) {
      change.settings = next;
      change.fields.push(...changed.map((key) => `settings.${key}`));
    }
  }
  return change;
}

/** What a platform admin may change on any tenant (`PATCH /admin/tenants/{id}`). */
export interface AdminTenantPatch {
  status?: TenantStatus;
  quotas?: unknown;
}

export const ADMIN_TENANT_WRITABLE = ['status', 'quotas'] as const satisfies readonly (keyof AdminTenantPatch)[];

export function parseAdminTenantPatch(patch: AdminTenantPatch): { status?: TenantStatus; quotas?: Partial<TenantQuotas> } {
  if (ADMIN_TENANT_WRITABLE.every((field) => patch[field] === undefined)) throw TenancyError.emptyPatch(ADMIN_TENANT_WRITABLE);
  return {
    ...(patch.status === undefined ? {} : { status: patch.status }),
    ...(patch.quotas === undefined ? {} : { quotas: parseQuotasPatch(patch.quotas) }),
  };
}

export interface AdminTenantChange {
  status?: { from: TenantStatus; to: TenantStatus };
  quotas?: { next: TenantQuotas; changed: QuotaField[] };
}

/** What a (parsed) admin patch changes: only the values that differ. */
export function planAdminTenantPatch(
  current: { status: TenantStatus; quotas: TenantQuotas },
  patch: { status?: TenantStatus; quotas?: Partial<TenantQuotas> },
): AdminTenantChange {
  const change: AdminTenantChange = {};
  if (patch.status !== undefined && patch.status !== current.status) change.status = { from: current.status, to: patch.status };
  if (patch.quotas !== undefined) {
    const { quotas, changed } = mergeQuotas(current.quotas, patch.quotas);
    if (changed.length > 0) change.quotas = { next: quotas, changed };
  }
  return change;
}
