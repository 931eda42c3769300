/** Public API of the files context. */
export { FilesModule, createMalwareScanner } from './files.module';
export { FilesService, type FileView, type FormPart, type UploadRequest } from './files.service';
export { FileStorage, MalwareScanner, type ScanSubject, type StagedBlob, type StoredContent } from './domain/ports';
export { SCAN_STATUSES, type ScanStatus, type ScanVerdict } from './domain/scan';
export { FilesError, UPLOAD_REJECTION_REASONS, type UploadRejectionReason } from './domain/files.errors';
export { filesConfig, parseFilesConfig, type FilesConfig, DETECTABLE_TYPES } from './files.config';
export { ClamdMalwareScanner, type ClamdOptions } from './infra/clamd.scanner';
export { LoggingMalwareScanner } from './infra/logging.scanner';
export { LocalDiskFileStorage } from './infra/local-disk.storage';
