import { fileTypeFromBuffer } from 'file-type';
import type { SignatureDetector } from '../domain/upload-inspection';

/**
 * `file-type` as the signature detector: the MIME type of the first format whose magic bytes
 * match the sample, undefined when none does (text is judged by the domain, not here).
 */
export const detectSignature: SignatureDetector = async (sample) => (await fileTypeFromBuffer(sample))?.mime;
