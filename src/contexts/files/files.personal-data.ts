import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { runAcrossTenants } from '../../platform/database/tenant-scope';
import { type DataSubject, type ExportSections, type PersonalDataHolder, HoldsPersonalData } from '../../platform/personal-data';
import { FileStorage } from './domain/ports';
import { toFileView } from './files.service';
import { FileEntity } from './infra/file.entity';

/**
 * A user's uploads, in every tenant, in their data export (metadata; the bytes stay downloadable
 * through the files API) and in their erasure (rows and blobs); a deleted tenant's files too.
 */
@Injectable()
@HoldsPersonalData()
export class FilesPersonalData implements PersonalDataHolder {
  readonly name = 'files';

  constructor(
    private readonly dataSource: DataSource,
    private readonly storage: FileStorage,
  ) {}

  async exportFor(subject: DataSubject): Promise<ExportSections> {
    const rows = await runAcrossTenants(this.dataSource, (m) =>
      m.find(FileEntity, { where: { ownerId: subject.userId }, order: { createdAt: 'ASC', id: 'ASC' } }),
    );
    return { files: rows.map(toFileView) };
  }

  /**
   * Deletes the rows, then the blobs, before the erasure commits: a blob that cannot be deleted
   * fails the erasure (rolled back, retried by the next run), so no content outlives its
   * account. A retry after a partial run finds the already-deleted blobs missing, which is fine.
   */
  async erase(subject: DataSubject, manager: EntityManager): Promise<number> {
    const [rows] = await manager.query<[{ id: string }[], number]>('DELETE FROM files WHERE owner_id = $1 RETURNING id', [
      subject.userId,
    ]);
    for (const { id } of rows) await this.storage.delete(id);
    return rows.length;
  }

  /** A deleted tenant's files, rows then blobs, like `erase`. */
  async eraseTenant(tenantId: string, manager: EntityManager): Promise<number> {
    const [rows] = await manager.query<[{ id: string }[], number]>('DELETE FROM files WHERE tenant_id = $1 RETURNING id', [
      tenantId,
    ]);
    for (const { id } of rows) await this.storage.delete(id);
    return rows.length;
  }
}
