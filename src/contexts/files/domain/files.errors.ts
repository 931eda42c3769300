import { DomainError } from '../../../platform/http/problem';

/**
 * Every reason an upload is refused: the stable `code` of the problem, the `reason` of the
 * `files.upload_rejected` event and the label of `files_uploads_rejected_total`.
 */
export const UPLOAD_REJECTION_REASONS = [
  'not_multipart',
  'malformed_multipart',
  'file_missing',
  'too_many_files',
  'unexpected_field',
  'file_empty',
  'file_too_large',
  'file_type_not_allowed',
  'file_infected',
  'scan_unavailable',
] as const;
export type UploadRejectionReason = (typeof UPLOAD_REJECTION_REASONS)[number];

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** The files context's errors, each with the stable `code` of its problem+json body. */
export class FilesError extends DomainError {
  /** Why an upload was refused, when this error refuses one. */
  get rejection(): UploadRejectionReason | undefined {
    return (UPLOAD_REJECTION_REASONS as readonly string[]).includes(this.code) ? (this.code as UploadRejectionReason) : undefined;
  }

  static notMultipart(): FilesError {
    return new FilesError('not_multipart', 415, 'Send the file as multipart/form-data, in a part named "file".');
  }

  static malformedMultipart(detail = 'The multipart body is malformed or was cut short.'): FilesError {
    return new FilesError('malformed_multipart', 400, detail);
  }

  static fileMissing(): FilesError {
    return new FilesError('file_missing', 400, 'The form has no file part named "file".', {
      errors: [{ field: 'file', code: 'required', message: 'Send the file in a multipart part named "file" (with a filename).' }],
    });
  }

  static tooManyFiles(): FilesError {
    return new FilesError('too_many_files', 400, 'Send exactly one file per request.', {
      errors: [{ field: 'file', code: 'too_many_files', message: 'Only one file part is accepted.' }],
    });
  }

  static unexpectedField(name: string): FilesError {
    return new FilesError('unexpected_field', 400, `The form may contain only the file part "file", not "${name}".`, {
      errors: [{ field: name, code: 'unexpected_field', message: 'Only a file part named "file" is accepted.' }],
    });
  }

  static empty(): FilesError {
    return new FilesError('file_empty', 400, 'The file is empty.', {
      errors: [{ field: 'file', code: 'empty', message: 'The file has no content.' }],
    });
  }

  static tooLarge(maxBytes: number): FilesError {
    return new FilesError('file_too_large', 413, `The file is larger than the limit of ${formatBytes(maxBytes)}.`, {
      extensions: { max_bytes: maxBytes },
    });
  }

  /** `detected_type` is what the bytes are; `declared_type` what the client said (null when it said nothing). */
  static typeNotAllowed(input: {
    detected: string;
    declared: string | undefined;
    reason: 'not_allowed' | 'declared_mismatch';
    allowed: readonly string[];
  }): FilesError {
    const detail =
      input.reason === 'not_allowed'
        ? `Files of type ${input.detected} are not accepted.`
        : `The content is ${input.detected}, but it was declared as ${input.declared ?? 'nothing'}.`;
    return new FilesError('file_type_not_allowed', 415, detail, {
      extensions: {
        detected_type: input.detected,
        declared_type: input.declared ?? null,
        allowed_types: [...input.allowed],
      },
    });
  }

  static infected(signature: string): FilesError {
    return new FilesError('file_infected', 422, 'The file contains malware and was not stored.', {
      extensions: { signature },
    });
  }

  static scanUnavailable(): FilesError {
    return new FilesError('scan_unavailable', 503, 'The malware scanner is unavailable; the file was not stored. Retry later.', {
      headers: { 'retry-after': '30' },
    });
  }

  /** A member deleting someone else's file: they can read it, so saying 404 would be a lie. */
  static notYours(): FilesError {
    return new FilesError('forbidden', 403, "Only its owner and the tenant's admins and owners may delete this file.");
  }

  /** Unknown id, or a file of another tenant: the same answer, so ids do not leak. */
  static notFound(): FilesError {
    return new FilesError('file_not_found', 404, 'No such file.');
  }

  /** The metadata exists but the stored bytes do not (storage lost them): an operator problem. */
  static contentMissing(): FilesError {
    return new FilesError('file_content_missing', 500, 'The file’s content is missing from storage.');
  }
}
