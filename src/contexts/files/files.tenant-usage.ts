import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { scopedQuery } from '../../platform/database/tenant-scope';
import { MeasuresTenantUsage, type TenantUsageMeter } from '../../platform/tenant-usage';
import { FileEntity } from './infra/file.entity';

/** The bytes the scope's tenant stores (what `max_storage_bytes` limits). */
export async function bytesOfTenant(m: EntityManager): Promise<number> {
  const row = await scopedQuery(m, FileEntity, 'f').select('COALESCE(SUM(f.size), 0)', 'total').getRawOne<{ total: string }>();
  return Number(row?.total ?? 0);
}

/** A tenant's usage of file storage: its stored bytes. */
@Injectable()
@MeasuresTenantUsage()
export class FilesTenantUsage implements TenantUsageMeter {
  async measure(manager: EntityManager): Promise<Record<string, number>> {
    return { storage_bytes: await bytesOfTenant(manager) };
  }
}
