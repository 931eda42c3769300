import { Global, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import type { EntityManager } from 'typeorm';

/**
 * A context that holds tenant-owned data reports how much of it a tenant uses (workspace: its
 * projects; files: its stored bytes), so the tenancy context can show a tenant's usage without
 * depending on those contexts: each provides one class marked `@MeasuresTenantUsage()`.
 */
export interface TenantUsageMeter {
  /**
   * The tenant's usage, as named counts (`projects`, `storage_bytes`), read in `manager`'s
   * transaction, which is scoped to the tenant (row-level security admits its rows only).
   */
  measure(manager: EntityManager): Promise<Record<string, number>>;
}

/** Marks a provider as a tenant usage meter: the registry finds it when the application starts. */
export const MeasuresTenantUsage = DiscoveryService.createDecorator<void>();

/** The meters: every provider marked `@MeasuresTenantUsage()`. */
@Injectable()
export class TenantUsageMeters implements OnModuleInit {
  private readonly meters: TenantUsageMeter[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: MeasuresTenantUsage.KEY })) {
      if (wrapper.instance) this.meters.push(wrapper.instance as TenantUsageMeter);
    }
  }

  /** Every meter's counts, merged; a count named twice is a programming error. */
  async measure(manager: EntityManager): Promise<Record<string, number>> {
    const merged: Record<string, number> = {};
    for (const meter of this.meters) {
      for (const [name, value] of Object.entries(await meter.measure(manager))) {
        if (name in merged) throw new Error(`Tenant usage "${name}" is measured twice`);
        merged[name] = value;
      }
    }
    return merged;
  }
}

/** One registry for the whole application. */
@Global()
@Module({ imports: [DiscoveryModule], providers: [TenantUsageMeters], exports: [TenantUsageMeters] })
export class TenantUsageModule {}
