import type { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { MalwareScanner, type ScanSubject } from '../domain/ports';
import type { ScanVerdict } from '../domain/scan';

/**
 * The default scanner: scans nothing, logs that, and lets the upload through; stored files
 * say `scan_status: "not_scanned"`. Set FILES_SCANNER=clamd for real scanning.
 */
export class LoggingMalwareScanner extends MalwareScanner {
  readonly name = 'logging';
  readonly scans = false;
  private readonly logger = new Logger('Files');

  scan(input: Readable | string, subject: ScanSubject): Promise<ScanVerdict> {
    if (typeof input !== 'string') input.destroy();
    this.logger.log(
      { file_id: subject.fileId, size: subject.size },
      'Upload not scanned for malware (FILES_SCANNER=logging); stored as not_scanned',
    );
    return Promise.resolve({ result: 'clean' });
  }
}
