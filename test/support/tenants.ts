import type { TestApp } from './app';
import { bearer, type Person } from './auth';

/** The `X-Tenant-Id` header that makes a request act in `tenantId`. */
export const inTenant = (tenantId: string): Record<string, string> => ({ 'x-tenant-id': tenantId });

/** The user's personal tenant (where requests without X-Tenant-Id act), made on their first such request. */
export async function personalTenantOf(t: TestApp, who: Person): Promise<string> {
  const rows = await t.db.query<{ id: string }>('SELECT id FROM tenants WHERE personal_owner_id = $1', [who.id]);
  if (rows.length !== 1) throw new Error(`expected one personal tenant for ${who.email}, found ${rows.length}`);
  return rows[0].id;
}

let slugs = 0;

/**
 * A new shared tenant owned by `owner` (POST /tenants), with these other members; the
 * memberships are written straight in SQL (invitations are another suite's subject).
 */
export async function sharedTenant(
  t: TestApp,
  owner: Person,
  members: [Person, 'owner' | 'admin' | 'member'][] = [],
): Promise<string> {
  slugs += 1;
  const res = await t.inject({
    method: 'POST',
    url: '/api/v1/tenants',
    headers: bearer(owner.tokens),
    payload: { name: `Team ${slugs}`, slug: `team-${slugs}-${process.pid}-${Date.now()}` },
  });
  if (res.statusCode !== 201) throw new Error(`expected 201, got ${res.statusCode}: ${res.body}`);
  const tenantId = res.json<{ id: string }>().id;
  for (const [who, role] of members) {
    await t.db.query('INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)', [tenantId, who.id, role]);
  }
  return tenantId;
}
