import { classifyUnsigned, decideType, SAMPLE_BYTES, TEXT_PLAIN, TextCheck, type TypeDecision } from './content-type';

/**
 * Accounting and type detection of one upload while its bytes stream in: the upload can be
 * cut off at the first byte past the size limit, and at the end of its first 4100 bytes once
 * they show a type that will be refused. Framework-free: the signature detector is injected.
 */

/** Recognises a binary format from the first bytes (`file-type` in production); undefined if none matches. */
export type SignatureDetector = (sample: Uint8Array) => Promise<string | undefined>;

/** Counts bytes against a limit; `add` is false from the first byte past it on. */
export class SizeMeter {
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get total(): number {
    return this.bytes;
  }

  get exceeded(): boolean {
    return this.bytes > this.maxBytes;
  }

  add(count: number): boolean {
    this.bytes += count;
    return !this.exceeded;
  }
}

export type UploadRejection =
  | { reason: 'file_too_large'; maxBytes: number; receivedBytes: number }
  | { reason: 'file_empty' }
  | { reason: 'file_type_not_allowed'; decision: Extract<TypeDecision, { allowed: false }> };

export type InspectionResult =
  { accepted: true; contentType: string; size: number } | { accepted: false; rejection: UploadRejection };

export interface InspectionOptions {
  maxBytes: number;
  allowedTypes: ReadonlySet<string>;
  /** The client's declared type, normalised (undefined when it sent none). */
  declaredType: string | undefined;
  detect: SignatureDetector;
}

export class UploadInspection {
  private readonly meter: SizeMeter;
  private readonly text = new TextCheck();
  private readonly sample = new Uint8Array(SAMPLE_BYTES);
  private sampled = 0;
  /** Set once the first bytes matched a binary signature: the type is final, no text check needed. */
  private signature: string | undefined;
  private sampleInspected = false;

  constructor(private readonly options: InspectionOptions) {
    this.meter = new SizeMeter(options.maxBytes);
  }

  get size(): number {
    return this.meter.total;
  }

  /**
   * Takes the next chunk. A rejection means: stop reading, refuse the upload. The type is
   * judged as soon as the first 4100 bytes are in (a refused type needs no more bytes); plain
   * text keeps being checked to the end.
   */
  async push(chunk: Uint8Array): Promise<UploadRejection | undefined> {
    if (!this.meter.add(chunk.length)) {
      return { reason: 'file_too_large', maxBytes: this.options.maxBytes, receivedBytes: this.meter.total };
    }
    if (this.signature === undefined) this.text.push(chunk);
    if (this.sampled < SAMPLE_BYTES) {
      const take = Math.min(SAMPLE_BYTES - this.sampled, chunk.length);
      this.sample.set(chunk.subarray(0, take), this.sampled);
      this.sampled += take;
      if (this.sampled === SAMPLE_BYTES) return this.inspectSample();
    }
    return undefined;
  }

  /** The end of the upload: the final decision. */
  async finish(): Promise<InspectionResult> {
    if (this.meter.total === 0) return { accepted: false, rejection: { reason: 'file_empty' } };
    if (!this.sampleInspected) {
      const early = await this.inspectSample();
      if (early) return { accepted: false, rejection: early };
    }
    const detected = this.signature ?? classifyUnsigned(this.head(), this.text.finish());
    const decision = this.decide(detected);
    if (!decision.allowed) return { accepted: false, rejection: { reason: 'file_type_not_allowed', decision } };
    return { accepted: true, contentType: decision.contentType, size: this.meter.total };
  }

  private head(): Uint8Array {
    return this.sample.subarray(0, this.sampled);
  }

  private decide(detected: string): TypeDecision {
    return decideType({ detected, declared: this.options.declaredType, allowed: this.options.allowedTypes });
  }

  /**
   * The first bytes decide everything but plain text: a signature, markup or binary bytes are
   * final. Text so far is judged as `text/plain` now (the rest can only make it octet-stream,
   * which is never allowed), so a refusal here is the same as the refusal at the end.
   */
  private async inspectSample(): Promise<UploadRejection | undefined> {
    this.sampleInspected = true;
    const head = this.head();
    this.signature = await this.options.detect(head);
    const detected = this.signature ?? classifyUnsigned(head, this.text.isText);
    const decision = this.decide(detected);
    if (!decision.allowed) return { reason: 'file_type_not_allowed', decision };
    if (detected !== TEXT_PLAIN) this.signature ??= detected;
    return undefined;
  }
}
