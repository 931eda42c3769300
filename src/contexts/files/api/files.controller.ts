import { Controller, Delete, Get, HttpCode, Inject, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ifNoneMatchSatisfied } from '../../../platform/http/etag';
import { ApiPageResponse, type Page } from '../../../platform/http/pagination';
import { UuidParam } from '../../../platform/http/uuid-param';
import { ProblemResponses } from '../../../platform/openapi/problem-responses';
import { JwtAuthGuard } from '../../identity';
import { ApiTenantHeader, CurrentTenantCaller, type TenantCaller } from '../../tenancy';
import { attachmentDisposition } from '../domain/filename';
import { filesConfig, type FilesConfig } from '../files.config';
import { type FileView, FilesService } from '../files.service';
import { FileDto, FileListQueryDto, UploadFileDto } from './files.dto';
import { AcceptsMultipart, formParts } from './multipart';

/** A download's ETag: the content's own hash, so it changes exactly when the bytes do. */
const contentEtag = (file: FileView): string => `"sha256-${file.sha256}"`;

@ApiTags('files')
@ApiBearerAuth('bearer')
@ApiTenantHeader()
@Controller('files')
@UseGuards(JwtAuthGuard)
export class FilesController {
  constructor(
    private readonly files: FilesService,
    @Inject(filesConfig.KEY) private readonly config: FilesConfig,
  ) {}

  /**
   * Not `@Idempotent()`: its fingerprint is the JSON body, which a multipart request does not
   * have, so two different files under one key would replay the first answer. The `sha256` in
   * the answer lets a client recognise a retried upload instead.
   */
  @Post()
  @AcceptsMultipart()
  @ApiOperation({
    operationId: 'filesUpload',
    summary: 'Upload one file (multipart field "file"); its type is detected from the bytes and must be allowlisted',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadFileDto })
  @ApiCreatedResponse({ type: FileDto, description: 'Stored; `Location` names it' })
  @ProblemResponses(401, 403, 404, 413, 415, 422, 503)
  async upload(
    @CurrentTenantCaller() caller: TenantCaller,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FileView> {
    const view = await this.files.upload(caller, {
      parts: formParts(request, this.config.maxBytes),
      ip: request.ip ?? null,
    });
    void reply.header('location', `${request.url.split('?')[0].replace(/\/$/, '')}/${view.id}`);
    return view;
  }

  @Get()
  @ApiOperation({ operationId: 'filesList', summary: 'The tenant’s files, newest first' })
  @ApiPageResponse(FileDto)
  @ProblemResponses(401, 403, 404)
  list(@CurrentTenantCaller() caller: TenantCaller, @Query() query: FileListQueryDto): Promise<Page<FileView>> {
    return this.files.list(caller, { owner_id: query.owner_id }, query);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'filesGet', summary: 'One file’s metadata (strong ETag; If-None-Match gives 304)' })
  @ApiOkResponse({ type: FileDto })
  @ProblemResponses(401, 403, 404)
  get(@CurrentTenantCaller() caller: TenantCaller, @UuidParam() id: string): Promise<FileView> {
    return this.files.get(caller, id);
  }

  @Get(':id/content')
  @ApiOperation({
    operationId: 'filesDownload',
    summary: 'The file’s bytes, as an attachment with the stored (detected) type; ETag from the sha256',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The bytes', schema: { type: 'string', format: 'binary' } })
  @ProblemResponses(401, 403, 404)
  async download(
    @CurrentTenantCaller() caller: TenantCaller,
    @UuidParam() id: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { file, stream, size } = await this.files.content(caller, id);
    const etag = contentEtag(file);
    void reply.headers({
      etag,
      'cache-control': 'private, no-cache',
      'x-content-type-options': 'nosniff',
      'content-disposition': attachmentDisposition(file.filename),
      // Should a browser still render it, it renders with no scripts, plugins or same-origin access.
      'content-security-policy': "default-src 'none'; sandbox",
    });
    if (ifNoneMatchSatisfied(request.headers['if-none-match'], etag)) {
      stream.destroy();
      await reply.status(304).send();
      return;
    }
    const type = file.content_type === 'text/plain' ? 'text/plain; charset=utf-8' : file.content_type;
    await reply.status(200).header('content-type', type).header('content-length', String(size)).send(stream);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'filesDelete',
    summary: 'Delete a file, metadata and content (yours; the tenant’s admins and owners: any)',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ProblemResponses(401, 403, 404)
  async remove(@CurrentTenantCaller() caller: TenantCaller, @UuidParam() id: string): Promise<void> {
    await this.files.remove(caller, id);
  }
}
