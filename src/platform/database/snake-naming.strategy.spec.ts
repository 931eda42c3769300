import { DataSource, Entity, type EntityMetadata, JoinColumn, ManyToOne, PrimaryColumn, Column } from 'typeorm';
import { snakeCase, SnakeNamingStrategy } from './snake-naming.strategy';

describe('snakeCase', () => {
  it.each([
    ['createdAt', 'created_at'],
    ['id', 'id'],
    ['ownerId', 'owner_id'],
    ['userID', 'user_id'],
    ['HTMLParser', 'html_parser'],
    ['parseHTMLString', 'parse_html_string'],
    ['IPAddress', 'ip_address'],
    ['lastLoginIP', 'last_login_ip'],
    ['sha256Hash', 'sha256_hash'],
    ['ipV4Address', 'ip_v4_address'],
    ['UserSession', 'user_session'],
    ['already_snake', 'already_snake'],
    ['API', 'api'],
    ['', ''],
  ])('turns %p into %p', (input, expected) => {
    expect(snakeCase(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const value of ['createdAt', 'HTMLParser', 'userID', 'ipV4Address']) {
      expect(snakeCase(snakeCase(value))).toBe(snakeCase(value));
    }
  });
});

describe('SnakeNamingStrategy', () => {
  const strategy = new SnakeNamingStrategy();

  describe('tableName', () => {
    it('snake_cases the class name', () => {
      expect(strategy.tableName('UserSession', undefined)).toBe('user_session');
    });

    it('keeps a custom name as written', () => {
      expect(strategy.tableName('UserSessionEntity', 'user_sessions')).toBe('user_sessions');
      expect(strategy.tableName('Whatever', 'LegacyTable')).toBe('LegacyTable');
    });
  });

  describe('columnName', () => {
    it('snake_cases the property name', () => {
      expect(strategy.columnName('createdAt', undefined, [])).toBe('created_at');
      expect(strategy.columnName('lastLoginIP', undefined, [])).toBe('last_login_ip');
    });

    it('keeps a custom name as written', () => {
      expect(strategy.columnName('createdAt', 'inserted_on', [])).toBe('inserted_on');
      expect(strategy.columnName('etag', 'eTagV2', [])).toBe('eTagV2');
    });

    it('joins embedded prefixes with underscores, snake_casing them', () => {
      expect(strategy.columnName('streetName', undefined, ['address'])).toBe('address_street_name');
      expect(strategy.columnName('streetName', undefined, ['billingAddress', 'geoPoint'])).toBe(
        'billing_address_geo_point_street_name',
      );
    });

    it('prefixes a custom name without changing it', () => {
      expect(strategy.columnName('streetName', 'street', ['homeAddress'])).toBe('home_address_street');
    });
  });

  describe('relations and join tables', () => {
    it('snake_cases relation names', () => {
      expect(strategy.relationName('ownerUser')).toBe('owner_user');
    });

    it('names a join column <relation>_<referenced column>', () => {
      expect(strategy.joinColumnName('owner', 'id')).toBe('owner_id');
      expect(strategy.joinColumnName('createdBy', 'userId')).toBe('created_by_user_id');
    });

    it('names a join table from both tables and the owning property', () => {
      expect(strategy.joinTableName('projects', 'users', 'memberUsers')).toBe('projects_member_users_users');
      expect(strategy.joinTableName('projects', 'users', 'team.members')).toBe('projects_team_members_users');
    });

    it('names join table columns <table>_<column>', () => {
      expect(strategy.joinTableColumnName('projects', 'id')).toBe('projects_id');
      expect(strategy.joinTableColumnName('projects', 'id', 'projectKey')).toBe('projects_project_key');
    });
  });
});

@Entity()
class AccountHolder {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  displayName: string;
}

@Entity('api_tokens')
class ApiTokenRecord {
  @PrimaryColumn('uuid')
  id: string;

  @Column('timestamptz')
  lastUsedAt: Date;

  @Column({ type: 'text', name: 'token_sha256' })
  tokenHash: string;

  @ManyToOne(() => AccountHolder)
  @JoinColumn()
  owner: AccountHolder;
}

describe('SnakeNamingStrategy in TypeORM metadata', () => {
  let dataSource: DataSource;
  let metadata: (target: object) => EntityMetadata;

  beforeAll(async () => {
    // Metadata is built without a connection: `buildMetadatas` is what `initialize` does before connecting.
    dataSource = new DataSource({
      type: 'postgres',
      entities: [AccountHolder, ApiTokenRecord],
      namingStrategy: new SnakeNamingStrategy(),
    });
    await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    metadata = (target) => dataSource.getMetadata(target as never);
  });

  it('names tables and columns in snake_case', () => {
    const holder = metadata(AccountHolder);
    expect(holder.tableName).toBe('account_holder');
    expect(holder.columns.map((c) => c.databaseName).sort()).toEqual(['display_name', 'id']);
  });

  it('keeps explicit names and snake_cases join columns', () => {
    const token = metadata(ApiTokenRecord);
    expect(token.tableName).toBe('api_tokens');
    expect(token.columns.map((c) => c.databaseName).sort()).toEqual(['id', 'last_used_at', 'owner_id', 'token_sha256']);
  });
});
