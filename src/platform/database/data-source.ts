/**
 * DataSource for the TypeORM CLI (`npm run migration:*`): the same options as the app,
 * plus entities by glob. With no DATABASE_URL outside production it starts (or joins) the
 * embedded PostgreSQL, exactly as the app does.
 */
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { parseEnvironment } from '../config/environment';
import { dataSourceOptions } from './data-source-options';
import { resolveDatabaseUrl } from './resolve-database-url';

async function create(): Promise<DataSource> {
  const env = parseEnvironment(process.env);
  const { url } = await resolveDatabaseUrl(env);
  const root = join(__dirname, '..', '..', '..');
  return new DataSource({
    ...dataSourceOptions(url, 2),
    entities: [join(root, 'src', '**', '*.entity.{ts,js}')],
  });
}

export const dataSource = create();
