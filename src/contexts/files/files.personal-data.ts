import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import {
  type DataSubject,
  type ExportSections,
  type PersonalDataHolder,
  PersonalDataRegistry,
} from '../../platform/personal-data';
import { FileStorage } from './domain/ports';
import { toFileView } from './files.service';
import { FileEntity } from './infra/file.entity';

/**
 * A user's uploads in their data export (metadata; the bytes stay downloadable through the
 * files API) and in their erasure (rows and blobs).
 */
@Injectable()
export class FilesPersonalData implements PersonalDataHolder, OnModuleInit {
  readonly name = 'files';

  constructor(
    private readonly registry: PersonalDataRegistry,
    @InjectRepository(FileEntity) private readonly files: Repository<FileEntity>,
    private readonly storage: FileStorage,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

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
