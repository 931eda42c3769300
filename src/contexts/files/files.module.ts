import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { platformConfig, type PlatformConfig } from '../../platform/config';
import { IdentityModule } from '../identity';
import { TenancyModule } from '../tenancy';
import { FilesController } from './api/files.controller';
import { MultipartSetup } from './api/multipart';
import { FileStorage, MalwareScanner } from './domain/ports';
import { filesConfig, type FilesConfig } from './files.config';
import { FilesService } from './files.service';
import { ClamdMalwareScanner } from './infra/clamd.scanner';
import { FileEntity } from './infra/file.entity';
import { FilesMetrics } from './infra/files.metrics';
import { FilesPersonalData } from './files.personal-data';
import { LocalDiskFileStorage } from './infra/local-disk.storage';
import { LoggingMalwareScanner } from './infra/logging.scanner';
import { FilesTenantUsage } from './files.tenant-usage';

/** The scanner FILES_SCANNER names. */
export function createMalwareScanner(config: FilesConfig): MalwareScanner {
  return config.scanner.kind === 'clamd' ? new ClamdMalwareScanner(config.scanner) : new LoggingMalwareScanner();
}

/**
 * Safe uploads: content-sniffed allowlist, streaming size limit, pluggable malware scanning
 * (`MalwareScanner`), blob storage (`FileStorage`, local disk by default) and authorised download.
 */
@Module({
  imports: [ConfigModule.forFeature(filesConfig), TypeOrmModule.forFeature([FileEntity]), IdentityModule, TenancyModule],
  controllers: [FilesController],
  providers: [
    {
      provide: FileStorage,
      inject: [filesConfig.KEY],
      useFactory: (config: FilesConfig) => new LocalDiskFileStorage(config.dir),
    },
    { provide: MalwareScanner, inject: [filesConfig.KEY], useFactory: createMalwareScanner },
    FilesService,
    FilesMetrics,
    MultipartSetup,
    FilesPersonalData,
    FilesTenantUsage,
  ],
  exports: [FilesService, FileStorage, MalwareScanner],
})
export class FilesModule implements OnModuleInit {
  private readonly logger = new Logger('Files');

  constructor(
    @Inject(filesConfig.KEY) private readonly config: FilesConfig,
    @Inject(platformConfig.KEY) private readonly platform: PlatformConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.scanner.kind === 'logging' && this.platform.appEnv === 'production') {
      this.logger.warn('FILES_SCANNER=logging: uploads are not scanned for malware (stored as not_scanned)');
    }
  }
}
