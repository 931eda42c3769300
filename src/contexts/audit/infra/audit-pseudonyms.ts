import type { FactoryProvider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { auditConfig, type AuditConfig } from '../audit.config';
import { EmailPseudonyms } from '../domain/email-pseudonyms';

/**
 * The e-mail pseudonyms of audit rows, keyed by AUDIT_PSEUDONYM_KEY or else by the random key
 * the database got when the column was created (`audit_chain.pseudonym_key`): every instance
 * of one deployment computes the same pseudonym for an address.
 */
export const auditPseudonymsProvider: FactoryProvider<EmailPseudonyms> = {
  provide: EmailPseudonyms,
  inject: [auditConfig.KEY, DataSource],
  useFactory: async (config: AuditConfig, dataSource: DataSource): Promise<EmailPseudonyms> => {
    if (config.pseudonymKey) return new EmailPseudonyms(config.pseudonymKey);
    const [row] = await dataSource.query<{ pseudonym_key: string | null }[]>(
      'SELECT pseudonym_key FROM audit_chain WHERE id = 1',
    );
    if (!row?.pseudonym_key)
      throw new Error('audit_chain.pseudonym_key is missing: run the migrations, or set AUDIT_PSEUDONYM_KEY');
    return new EmailPseudonyms(row.pseudonym_key);
  },
};
