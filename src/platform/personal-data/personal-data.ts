import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { EntityManager } from 'typeorm';
import { openAllTenants } from '../database/tenant-scope';
import type { DomainError } from '../http/problem';

/** Whose data: the account's id and its address at the time of the export or erasure. */
export interface DataSubject {
  userId: string;
  email: string;
}

/** One section of an export: a name (snake_case, unique across holders) and JSON rows. */
export type ExportSections = Record<string, unknown[]>;

/**
 * A context that keeps personal data about users. The identity context asks every holder
 * for its part when a user downloads their data, and tells every holder to erase it when an
 * account is deleted, so a context that starts keeping personal data joins both by
 * providing one holder class marked `@HoldsPersonalData()`, and identity needs no dependency on it.
 */
export interface PersonalDataHolder {
  /** For logs and the erasure report (`files`, `workspace`, ...). */
  readonly name: string;
  /** What it holds about the subject, as named sections of plain JSON. */
  exportFor(subject: DataSubject): Promise<ExportSections>;
  /**
   * Deletes (or pseudonymises) what it holds about the subject, inside the erasure's
   * transaction; returns how many records it erased. Must be safe to run twice.
   */
  erase(subject: DataSubject, manager: EntityManager): Promise<number>;
  /**
   * Deletes what it holds of a tenant that is being deleted (an organisation deleted by its
   * owner, or one that goes with an erased account), inside that transaction, before the tenant
   * row goes (its foreign keys cascade to the rows; this is for what a cascade cannot reach, such
   * as stored files' bytes). Returns how many records it erased.
   */
  eraseTenant?(tenantId: string, manager: EntityManager): Promise<number>;
  /**
   * Why the account may not be closed now (its erasure would leave something of others
   * broken, e.g. an organisation without an owner), as the problem to answer; null: no objection.
   */
  refuseClosure?(subject: DataSubject): Promise<DomainError | null>;
}

/** Marks a provider as a personal-data holder: the registry finds it when the application starts. */
export const HoldsPersonalData = DiscoveryService.createDecorator<void>();

/** The holders: every provider marked `@HoldsPersonalData()`, found once the modules are built. */
@Injectable()
export class PersonalDataRegistry implements OnModuleInit {
  private readonly holders = new Map<string, PersonalDataHolder>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: HoldsPersonalData.KEY })) {
      if (wrapper.instance) this.register(wrapper.instance as PersonalDataHolder);
    }
  }

  register(holder: PersonalDataHolder): void {
    if (this.holders.has(holder.name)) throw new Error(`Personal data holder "${holder.name}" is registered twice`);
    this.holders.set(holder.name, holder);
  }

  /** Every holder's sections, merged; a section name given twice is a programming error. */
  async exportFor(subject: DataSubject): Promise<ExportSections> {
    const merged: ExportSections = {};
    for (const holder of this.holders.values()) {
      for (const [section, rows] of Object.entries(await holder.exportFor(subject))) {
        if (section in merged) throw new Error(`Export section "${section}" is produced twice (last by ${holder.name})`);
        merged[section] = rows;
      }
    }
    return merged;
  }

  /** The first objection of any holder to closing the account, or null. */
  async closureRefusal(subject: DataSubject): Promise<DomainError | null> {
    for (const holder of this.holders.values()) {
      const refusal = (await holder.refuseClosure?.(subject)) ?? null;
      if (refusal) return refusal;
    }
    return null;
  }

  /**
   * Runs every holder's erasure in `manager`'s transaction, which may reach the rows of every
   * tenant (a user's data is in many); the counts by holder name.
   */
  async erase(subject: DataSubject, manager: EntityManager): Promise<Record<string, number>> {
    await openAllTenants(manager);
    const erased: Record<string, number> = {};
    for (const holder of this.holders.values()) erased[holder.name] = await holder.erase(subject, manager);
    return erased;
  }

  /** Runs every holder's `eraseTenant` in `manager`'s transaction, before the tenant is deleted. */
  async eraseTenant(tenantId: string, manager: EntityManager): Promise<number> {
    await openAllTenants(manager);
    let erased = 0;
    for (const holder of this.holders.values()) erased += (await holder.eraseTenant?.(tenantId, manager)) ?? 0;
    return erased;
  }
}
