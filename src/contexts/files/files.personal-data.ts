import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { type DataSubject, type ExportSections, type PersonalDataHolder, HoldsPersonalData } from '../../platform/personal-data';
import { FileStorage } from './domain/ports';
import { toFileView } from './files.service';
import { FileEntity } from './infra/file.entity';

/**
 * A user's uploads in their data export (metadata; the bytes stay downloadable through the
 * files API) and in their erasure (rows and blobs).
 */
@Injectable()
@HoldsPersonalData()
export class FilesPersonalData implements PersonalDataHolder {
  readonly name = 'files';

  constructor(
    @InjectRepository(FileEntity) private readonly files: Repository<FileEntity>,
    private readonly storage: FileStorage,
  ) {}

  async exportFor(subject: DataSubject): Promise<ExportSections> {
    const rows = await this.files.find({ where: { ownerId: subject.userId }, order: { createdAt: 'ASC', id: 'ASC' } });
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
}
