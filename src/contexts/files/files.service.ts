import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../../platform/clock';
import { EventBus } from '../../platform/events';
import { type Page, pageOf } from '../../platform/http/pagination';
import type { EntityManager } from 'typeorm';
import { inTenant, scopedQuery } from '../../platform/database/tenant-scope';
import { canChange } from '../../platform/ownership';
import { type TenantCaller, TenantScopes } from '../tenancy';
import { normaliseMediaType } from './domain/content-type';
import { sanitizeFilename } from './domain/filename';
import { FilesError } from './domain/files.errors';
import { FileStorage, MalwareScanner, type StagedBlob } from './domain/ports';
import { type ScanStatus, type ScanVerdict, scanOutcome } from './domain/scan';
import { UploadInspection, type UploadRejection } from './domain/upload-inspection';
import { filesConfig, type FilesConfig } from './files.config';
import { bytesOfTenant } from './files.tenant-usage';
import { FileEntity } from './infra/file.entity';
import { detectSignature } from './infra/signature.detector';

export interface FileView {
  id: string;
  tenant_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  scan_status: ScanStatus;
  owner_id: string;
  created_at: string;
}

/** One part of a multipart form, as the HTTP layer hands it over. */
export type FormPart =
  | {
      kind: 'file';
      /** The part's field name. */
      field: string;
      /** The client's file name, unsanitised. */
      filename: string | undefined;
      /** The part's Content-Type, as sent. */
      declaredType: string | undefined;
      /** The bytes; read at most once. */
      content: AsyncIterable<Uint8Array>;
      /** Drops a part that will not be read. */
      skip(): void;
    }
  | { kind: 'field'; field: string };

export interface UploadRequest {
  /** The parts in the order they arrive; may throw a FilesError (malformed form). */
  parts: AsyncIterable<FormPart>;
  ip: string | null;
}

export function toFileView(file: FileEntity): FileView {
  return {
    id: file.id,
    tenant_id: file.tenantId,
    filename: file.filename,
    content_type: file.contentType,
    size: file.size,
    sha256: file.sha256,
    scan_status: file.scanStatus,
    owner_id: file.ownerId,
    created_at: file.createdAt.toISOString(),
  };
}

/** What is known about an upload attempt so far, for the rejection event. */
interface Attempt {
  filename: string | null;
  declaredType: string | null;
  receivedBytes: number;
}

interface Received {
  id: string;
  staged: StagedBlob;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

/** Staged uploads no request finished (a crash mid-upload) are removed after this long. */
const STAGED_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * Uploads (allowlisted by content, size-limited while streaming, malware-scanned, stored
 * atomically under their id), listing, download and deletion of a tenant's files. Every member
 * reads the tenant's files; members delete their own, the tenant's admins and owners any.
 */
@Injectable()
export class FilesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Files');
  private readonly allowed: ReadonlySet<string>;

  constructor(
    private readonly tenants: TenantScopes,
    private readonly storage: FileStorage,
    private readonly scanner: MalwareScanner,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    @Inject(filesConfig.KEY) private readonly config: FilesConfig,
  ) {
    this.allowed = new Set(config.allowedTypes);
  }

  /** Removes uploads a crashed instance left half-written (older than an hour, so none still in flight). */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const removed = await this.storage.sweepStaged(new Date(this.clock.now().getTime() - STAGED_MAX_AGE_MS));
      if (removed > 0) this.logger.warn({ removed }, 'Removed staged uploads left unfinished');
    } catch (error) {
      this.logger.error({ err: error }, 'Could not sweep staged uploads');
    }
  }

  /**
   * Receives the one file of a multipart form and stores it, or refuses it with a FilesError
   * (and a `files.upload_rejected` event); a refused upload leaves nothing behind.
   */
  async upload(caller: TenantCaller, request: UploadRequest): Promise<FileView> {
    // The tenant (membership, suspension, settings) is checked before a byte is read, and again
    // when the metadata is written (a membership may end while the bytes arrive).
    await this.tenants.admit(caller);
    const attempt: Attempt = { filename: null, declaredType: null, receivedBytes: 0 };
    let received: Received | undefined;
    try {
      for await (const part of request.parts) {
        if (part.kind === 'field')
          throw part.field === 'file' ? FilesError.fileMissing() : FilesError.unexpectedField(part.field);
        if (received) {
          part.skip();
          throw FilesError.tooManyFiles();
        }
        if (part.field !== 'file') {
          part.skip();
          throw FilesError.unexpectedField(part.field);
        }
        received = await this.receive(part, attempt);
      }
      if (!received) throw FilesError.fileMissing();
      return await this.store(caller, received, request.ip);
    } catch (error) {
      if (received) await this.discard(received.staged);
      if (error instanceof FilesError && error.rejection) await this.rejected(caller.userId, error, attempt, request.ip);
      throw error;
    }
  }

  list(caller: TenantCaller, filter: { owner_id?: string }, page: { page: number; page_size: number }): Promise<Page<FileView>> {
    return this.tenants.run(caller, ({ manager }) => {
      const qb = scopedQuery(manager, FileEntity, 'f');
      if (filter.owner_id !== undefined) qb.andWhere('f.owner_id = :owner', { owner: filter.owner_id });
      return pageOf(qb.orderBy('f.created_at', 'DESC').addOrderBy('f.id', 'DESC'), page, toFileView);
    });
  }

  get(caller: TenantCaller, id: string): Promise<FileView> {
    return this.tenants.run(caller, async ({ manager }) => toFileView(await this.findInTenant(manager, id)));
  }

  /** The file's metadata and a stream of its bytes (opened once the tenant's transaction is over). */
  async content(caller: TenantCaller, id: string): Promise<{ file: FileView; stream: Readable; size: number }> {
    const file = await this.tenants.run(caller, async ({ manager }) => this.findInTenant(manager, id));
    const stored = await this.storage.open(file.id);
    if (!stored) {
      this.logger.error({ file_id: file.id }, 'A file’s metadata exists but its content is missing from storage');
      throw FilesError.contentMissing();
    }
    return { file: toFileView(file), stream: stored.stream, size: stored.size };
  }

  /**
   * Deletes the metadata (its owner, or the tenant's admins and owners), then once that has
   * committed the bytes (a blob that cannot be removed is logged, not fatal).
   */
  async remove(caller: TenantCaller, id: string): Promise<void> {
    const file = await this.tenants.run(caller, async ({ manager, actor }) => {
      const found = await this.findInTenant(manager, id, true);
      if (!canChange(actor, found.ownerId)) throw FilesError.notYours();
      await manager.delete(FileEntity, { id: found.id });
      await this.bus.publish('files.deleted', {
        file_id: found.id,
        tenant_id: found.tenantId,
        owner_id: found.ownerId,
        by_user_id: actor.id,
      });
      return found;
    });
    try {
      await this.storage.delete(file.id);
    } catch (error) {
      this.logger.error({ err: error, file_id: file.id }, 'Could not remove a deleted file’s content from storage');
    }
  }

  /** One file of the scope's tenant (locked for a change when `lock`), else 404. */
  private async findInTenant(m: EntityManager, id: string, lock = false): Promise<FileEntity> {
    const qb = scopedQuery(m, FileEntity, 'f').andWhere('f.id = :id', { id });
    const file = await (lock ? qb.setLock('pessimistic_write') : qb).getOne();
    if (!file) throw FilesError.notFound();
    return file;
  }

  private async receive(part: Extract<FormPart, { kind: 'file' }>, attempt: Attempt): Promise<Received> {
    const filename = sanitizeFilename(part.filename);
    const declaredType = normaliseMediaType(part.declaredType);
    attempt.filename = filename;
    attempt.declaredType = declaredType ?? null;
    const id = randomUUID();
    const inspection = new UploadInspection({
      maxBytes: this.config.maxBytes,
      allowedTypes: this.allowed,
      declaredType,
      detect: detectSignature,
    });
    const hash = createHash('sha256');
    const staged = await this.storage.stage(id);
    const refuse = (rejection: UploadRejection): FilesError => this.rejectionError(rejection);
    try {
      await pipeline(
        part.content,
        async function* inspect(source: AsyncIterable<Uint8Array>) {
          for await (const chunk of source) {
            const rejection = await inspection.push(chunk);
            attempt.receivedBytes = inspection.size;
            if (rejection) throw refuse(rejection);
            hash.update(chunk);
            yield chunk;
          }
        },
        staged.writable,
      );
      const result = await inspection.finish();
      if (!result.accepted) throw refuse(result.rejection);
      return { id, staged, filename, contentType: result.contentType, size: result.size, sha256: hash.digest('hex') };
    } catch (error) {
      await this.discard(staged);
      throw error;
    }
  }

  /**
   * Scans the staged bytes, then commits them and records the metadata in the caller's tenant,
   * within its `max_storage_bytes` (403 quota_exceeded, atomically; the bytes are then removed).
   */
  private async store(caller: TenantCaller, received: Received, ip: string | null): Promise<FileView> {
    const { id, staged } = received;
    const verdict = await this.scan(received);
    const outcome = scanOutcome(verdict, { scanned: this.scanner.scans, failOpen: this.config.scanFailOpen });
    if (!outcome.accepted) {
      throw outcome.reason === 'file_infected' ? FilesError.infected(outcome.signature) : FilesError.scanUnavailable();
    }
    if (outcome.status === 'scan_failed') {
      this.logger.warn(
        { file_id: id, scanner: this.scanner.name },
        'Stored an upload the scanner could not check (FILES_SCAN_FAIL_OPEN)',
      );
    }
    await staged.commit();
    try {
      return await this.tenants.run(caller, async ({ manager, actor, withinQuota }) => {
        await withinQuota('max_storage_bytes', received.size, () => bytesOfTenant(manager));
        const file = manager.create(
          FileEntity,
          inTenant({
            id,
            ownerId: actor.id,
            filename: received.filename,
            contentType: received.contentType,
            size: received.size,
            sha256: received.sha256,
            scanStatus: outcome.status,
          }),
        );
        // insert, not save: the id is new, so no SELECT first; created_at comes back from RETURNING.
        await manager.insert(FileEntity, file);
        const view = toFileView(file);
        await this.bus.publish('files.uploaded', {
          file_id: view.id,
          tenant_id: view.tenant_id,
          owner_id: view.owner_id,
          filename: view.filename,
          content_type: view.content_type,
          size: view.size,
          sha256: view.sha256,
          scan_status: view.scan_status,
          ip,
        });
        return view;
      });
    } catch (error) {
      await this.storage.delete(id).catch((cleanup: unknown) => {
        this.logger.error({ err: cleanup, file_id: id }, 'Could not remove the content of an upload whose metadata failed');
      });
      throw error;
    }
  }

  private async scan(received: Received): Promise<ScanVerdict> {
    const subject = { fileId: received.id, filename: received.filename, size: received.size };
    try {
      return await this.scanner.scan(received.staged.localPath ?? received.staged.openRead(), subject);
    } catch (error) {
      // The port promises verdicts, not exceptions; an adapter that throws counts as unavailable.
      return { result: 'error', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  private rejectionError(rejection: UploadRejection): FilesError {
    switch (rejection.reason) {
      case 'file_empty':
        return FilesError.empty();
      case 'file_too_large':
        return FilesError.tooLarge(rejection.maxBytes);
      case 'file_type_not_allowed':
        return FilesError.typeNotAllowed({
          detected: rejection.decision.detected,
          declared: rejection.decision.declared,
          reason: rejection.decision.reason,
          allowed: this.config.allowedTypes,
        });
    }
  }

  private async discard(staged: StagedBlob): Promise<void> {
    try {
      await staged.discard();
    } catch (error) {
      this.logger.error({ err: error, file_id: staged.id }, 'Could not discard a refused upload’s staged content');
    }
  }

  private async rejected(userId: string, error: FilesError, attempt: Attempt, ip: string | null): Promise<void> {
    const extensions = error.options.extensions ?? {};
    const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
    await this.bus.publish('files.upload_rejected', {
      user_id: userId,
      reason: error.rejection!,
      filename: attempt.filename,
      declared_type: attempt.declaredType,
      detected_type: text(extensions.detected_type),
      received_bytes: attempt.receivedBytes,
      signature: text(extensions.signature),
      ip,
    });
  }
}
