import fastifyMultipart from '@fastify/multipart';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RouteConfig } from '@nestjs/platform-fastify';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { FilesError } from '../domain/files.errors';
import { filesConfig, type FilesConfig } from '../files.config';
import type { FormPart } from '../files.service';
import { type RouteHookProvider, type RouteHooks, type RouteShape, ScopesRouteHooks } from '../../../platform/route-hooks';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by `@AcceptsMultipart()`: the route may receive multipart bodies; every other route answers 415. */
    acceptsMultipart?: boolean;
  }
}

/** Marks a handler as the one kind of route that may receive `multipart/form-data`. */
export const AcceptsMultipart = (): MethodDecorator => RouteConfig({ acceptsMultipart: true });

const isMultipartType = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^\s*multipart\//i.test(contentType);

/**
 * Registers `@fastify/multipart` on the app's Fastify instance from inside the files module
 * (it must be registered before Fastify is ready; module init runs before that). The plugin's
 * parser is global, so a hook keeps multipart bodies to the routes marked `@AcceptsMultipart()`:
 * anywhere else they get the same 415 `unsupported_media_type` as any other unsupported type.
 * Multipart bodies do not count against the JSON body limit (MAX_REQUEST_SIZE_BYTES): the
 * parser does not read them; the upload route streams them under FILES_MAX_BYTES.
 */
@Injectable()
@ScopesRouteHooks()
export class MultipartSetup implements OnModuleInit, RouteHookProvider {
  private readonly logger = new Logger('Files');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(filesConfig.KEY) private readonly config: FilesConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter?.getType() !== 'fastify') {
      this.logger.warn('Not running on Fastify: multipart uploads are unavailable');
      return;
    }
    const fastify = adapter.getInstance<FastifyInstance>();
    // Queued, not awaited: Fastify loads it on `ready()`, after Nest has installed its error
    // handler. Awaiting here would load the plugin queue early and leave every route with
    // Fastify's default error handler (plain JSON instead of problem+json for parser errors).
    void fastify.register(fastifyMultipart, { limits: formLimits(this.config.maxBytes), throwFileSizeLimit: true });
    fastify.addHook('onRequest', (request, reply, done) => {
      // The content type first: `routeOptions` builds a new object on every read.
      if (!isMultipartType(request.headers['content-type'])) return done();
      if (request.is404 || request.routeOptions.config?.acceptsMultipart !== true) {
        // Answered (404, 415) without reading the upload: the connection ends with the answer
        // instead of reading the rest of the upload only to throw it away.
        void reply.header('connection', 'close');
        if (!request.is404) return done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(request.headers['content-type']));
      }
      done();
    });
  }

  /**
   * The upload routes: a multipart request answered before its body was read (401, a size or
   * type refusal, a malformed form) closes the connection after the answer, as above.
   */
  hooksFor(route: RouteShape): RouteHooks | undefined {
    return route.config?.acceptsMultipart === true ? UPLOAD_ROUTE_HOOKS : undefined;
  }
}

const UPLOAD_ROUTE_HOOKS: RouteHooks = {
  onSend: (request, reply, payload, done) => {
    if (isMultipartType(request.headers['content-type']) && !request.raw.readableEnded) void reply.header('connection', 'close');
    done(null, payload);
  },
};

/**
 * Busboy's limits for an upload form: our own size check cuts the file off at the first byte
 * past FILES_MAX_BYTES; busboy's limit one byte later is only a backstop. One file and one
 * other part are let through so that a second file or a stray field gets its own 400.
 */
function formLimits(maxBytes: number) {
  return { fileSize: maxBytes + 1, files: 2, fields: 1, parts: 2, fieldSize: 1024, fieldNameSize: 100, headerPairs: 50 };
}

/** The parser's errors (malformed body, limits, early end) as the upload's errors. */
function toFilesError(error: unknown, maxBytes: number): FilesError {
  if (error instanceof FilesError) return error;
  switch ((error as { code?: unknown } | undefined)?.code) {
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return FilesError.notMultipart();
    case 'FST_REQ_FILE_TOO_LARGE':
      return FilesError.tooLarge(maxBytes);
    case 'FST_FILES_LIMIT':
      return FilesError.tooManyFiles();
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_PROTO_VIOLATION':
      return FilesError.malformedMultipart('The form has parts other than the one file part "file".');
    case 'FST_MP_PREMATURE_CLOSE':
      return FilesError.malformedMultipart('The upload ended before the multipart body was complete.');
    default:
      return FilesError.malformedMultipart();
  }
}

async function* chunksOf(file: Readable, maxBytes: number): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    throw toFilesError(error, maxBytes);
  }
}

/**
 * The request's multipart parts as the service reads them: file parts stream their bytes,
 * parser errors become FilesErrors. A request that is not multipart is a 415 `not_multipart`.
 */
export async function* formParts(request: FastifyRequest, maxBytes: number): AsyncGenerator<FormPart> {
  if (!request.isMultipart()) throw FilesError.notMultipart();
  try {
    for await (const part of request.parts({ limits: formLimits(maxBytes) })) {
      if (part.type === 'file') {
        yield {
          kind: 'file',
          field: part.fieldname,
          filename: part.filename,
          declaredType: part.mimetype,
          content: chunksOf(part.file, maxBytes),
          skip: () => part.file.destroy(),
        };
      } else {
        yield { kind: 'field', field: part.fieldname };
      }
    }
  } catch (error) {
    throw toFilesError(error, maxBytes);
  }
}
