import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type Repository } from 'typeorm';
import { Clock } from '../../platform/clock';
import { EventBus } from '../../platform/events';
import { type Page, pageOf } from '../../platform/http/pagination';
import { type Actor, canAccess, listOwnerScope } from '../../platform/ownership';
import { normaliseMediaType } from './domain/content-type';
import { sanitizeFilename } from './domain/filename';
import { FilesError } from './domain/files.errors';
import { FileStorage, MalwareScanner, type StagedBlob } from './domain/ports';
import { type ScanStatus, type ScanVerdict, scanOutcome } from './domain/scan';
import { UploadInspection, type UploadRejection } from './domain/upload-inspection';
import { filesConfig, type FilesConfig } from './files.config';
import { FileEntity } from './infra/file.entity';
import { detectSignature } from './infra/signature.detector';

export interface FileView {
  id: string;
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
 * atomically under their id), listing, download and deletion of files. Users reach their
 * own files; admins everyone's.
 */
@Injectable()
export class FilesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Files');
  private readonly allowed: ReadonlySet<string>;

  constructor(
    @InjectRepository(FileEntity) private readonly files: Repository<FileEntity>,
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
  async upload(actor: Actor, request: UploadRequest): Promise<FileView> {
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
      const view = await this.store(actor, received);
      await this.bus.publish('files.uploaded', {
        file_id: view.id,
        owner_id: view.owner_id,
        filename: view.filename,
        content_type: view.content_type,
        size: view.size,
        sha256: view.sha256,
        scan_status: view.scan_status,
        ip: request.ip,
      });
      return view;
    } catch (error) {
      if (received) await this.discard(received.staged);
      if (error instanceof FilesError && error.rejection) await this.rejected(actor, error, attempt, request.ip);
      throw error;
    }
  }

  async list(actor: Actor, filter: { owner_id?: string }, page: { page: number; page_size: number }): Promise<Page<FileView>> {
    const qb = this.files.createQueryBuilder('f');
    const scope = listOwnerScope(actor, filter.owner_id);
    if (scope) {
      if (scope.ownerIds.length === 0) qb.andWhere('1 = 0');
      else qb.andWhere('f.owner_id IN (:...ownerIds)', { ownerIds: scope.ownerIds });
    }
    return pageOf(qb.orderBy('f.created_at', 'DESC').addOrderBy('f.id', 'DESC'), page, toFileView);
  }

  async get(actor: Actor, id: string): Promise<FileView> {
    return toFileView(await this.findAccessible(actor, id));
  }

  /** The file's metadata and a stream of its bytes. */
  async content(actor: Actor, id: string): Promise<{ file: FileView; stream: Readable; size: number }> {
    const file = await this.findAccessible(actor, id);
    const stored = await this.storage.open(file.id);
    if (!stored) {
      this.logger.error({ file_id: file.id }, 'A file’s metadata exists but its content is missing from storage');
      throw FilesError.contentMissing();
    }
    return { file: toFileView(file), stream: stored.stream, size: stored.size };
  }

  /** Deletes the metadata, then the bytes (a blob that cannot be removed is logged, not fatal). */
  async remove(actor: Actor, id: string): Promise<void> {
    const file = await this.findAccessible(actor, id);
    const { affected } = await this.files.delete({ id: file.id });
    if (!affected) throw FilesError.notFound();
    try {
      await this.storage.delete(file.id);
    } catch (error) {
      this.logger.error({ err: error, file_id: file.id }, 'Could not remove a deleted file’s content from storage');
    }
    await this.bus.publish('files.deleted', { file_id: file.id, owner_id: file.ownerId, by_user_id: actor.id });
  }

  private async findAccessible(actor: Actor, id: string): Promise<FileEntity> {
    const file = await this.files.findOneBy({ id });
    if (!file || !canAccess(actor, file.ownerId)) throw FilesError.notFound();
    return file;
  }

  /**
   * Streams one file part into staging while counting, hashing and sniffing it; stops at the
   * first byte past the size limit, or as soon as the first bytes show a refused type.
   */
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

  /** Scans the staged bytes, then commits them and records the metadata. */
  private async store(actor: Actor, received: Received): Promise<FileView> {
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
      const file = this.files.create({
        id,
        ownerId: actor.id,
        filename: received.filename,
        contentType: received.contentType,
        size: received.size,
        sha256: received.sha256,
        scanStatus: outcome.status,
      });
      // insert, not save: the id is new, so no SELECT first; created_at comes back from RETURNING.
      await this.files.insert(file);
      return toFileView(file);
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

  private async rejected(actor: Actor, error: FilesError, attempt: Attempt, ip: string | null): Promise<void> {
    const extensions = error.options.extensions ?? {};
    const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
    await this.bus.publish('files.upload_rejected', {
      user_id: actor.id,
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
