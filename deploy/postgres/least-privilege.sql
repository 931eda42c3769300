-- Bastion: least-privilege database roles. Plain SQL (no psql meta-commands), idempotent:
-- run it as a superuser (or a role with CREATEROLE that is a member of the owner role) while
-- connected to the application's database, once before the first migration and again after
-- every migration run (the release step does it), so that new tables get the same rules.
--
--   psql "postgres://postgres@db.internal:5432/bastion" -v ON_ERROR_STOP=1 -f deploy/postgres/least-privilege.sql
--
-- Roles (names can be changed with PGOPTIONS="-c bastion.owner_role=... -c bastion.app_role=..."):
--
--   bastion_owner            owns the schema and every table; runs the migrations
--                            (node dist/src/platform/database/migrate.js). Never used by the app.
--   bastion_app              what the running instances connect as (DATABASE_URL): read and
--                            write rows, nothing else. No DDL, no TRUNCATE, cannot rewrite or
--                            delete the audit trail, cannot change the migrations table.
--   bastion_audit_retention  only for AUDIT_RETENTION_DATABASE_URL: may delete archived audit
--                            rows and move the chain's anchor.
--
-- Settings read below (all optional):
--   bastion.owner_role, bastion.app_role, bastion.audit_retention_role    role names
--   bastion.app_connection_limit   CONNECTION LIMIT of the app role (unset: left as it is); set it
--                                  to instances x DB_POOL_SIZE plus the rolling-update surge
--                                  (docs/operations/capacity-planning.md)
--
-- Passwords are never in this file: set them afterwards without echoing them, e.g. in psql
-- `\password bastion_app`, or deploy/postgres/set-passwords.sql (reads them from the environment).

DO $bastion$
DECLARE
  owner_role text := coalesce(nullif(current_setting('bastion.owner_role', true), ''), 'bastion_owner');
  app_role text := coalesce(nullif(current_setting('bastion.app_role', true), ''), 'bastion_app');
  retention_role text := coalesce(nullif(current_setting('bastion.audit_retention_role', true), ''), 'bastion_audit_retention');
  app_limit text := nullif(current_setting('bastion.app_connection_limit', true), '');
  db text := current_database();
  r record;
BEGIN
  IF db IN ('postgres', 'template0', 'template1') THEN
    RAISE EXCEPTION 'connect to the application database, not "%"', db;
  END IF;

  -- 1. The roles: log in, nothing more (no superuser, no role or database creation, no replication, no RLS bypass).
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = owner_role) THEN
    EXECUTE format('CREATE ROLE %I', owner_role);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app_role) THEN
    EXECUTE format('CREATE ROLE %I', app_role);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = retention_role) THEN
    EXECUTE format('CREATE ROLE %I', retention_role);
  END IF;
  EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT', owner_role);
  EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', app_role);
  IF app_limit IS NOT NULL THEN
    EXECUTE format('ALTER ROLE %I CONNECTION LIMIT %s', app_role, app_limit::integer);
  END IF;
  EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 5',
    retention_role);
  -- A transaction left open by a bug must not hold locks (or a pool slot) for ever.
  EXECUTE format('ALTER ROLE %I IN DATABASE %I SET idle_in_transaction_session_timeout = %L', app_role, db, '60s');

  -- 2. The database and its schema belong to the owner; nobody else may create anything in them.
  EXECUTE format('ALTER DATABASE %I OWNER TO %I', db, owner_role);
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', db);
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I', db, app_role, retention_role);
  EXECUTE format('ALTER SCHEMA public OWNER TO %I', owner_role);
  REVOKE CREATE ON SCHEMA public FROM PUBLIC;
  EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I, %I', app_role, retention_role);
  EXECUTE format('GRANT USAGE ON SCHEMA public TO %I, %I', app_role, retention_role);

  -- Tables created by someone else (an install that ran its migrations as a superuser, or a
  -- restore made as another user) are handed to the owner, so the grants below mean what they say.
  FOR r IN
    SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND pg_get_userbyid(c.relowner) <> owner_role
      -- a sequence owned by a column moves with its table
      AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
  LOOP
    EXECUTE format('ALTER %s public.%I OWNER TO %I',
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
      r.relname, owner_role);
  END LOOP;

  -- 3. The application: rows, not structure. Existing tables now, future tables by default.
  EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', app_role);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', app_role);
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
    owner_role, app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I',
    owner_role, app_role);

  -- The schema history is the migrator's: the app may read it, never change it.
  IF to_regclass('public.migrations') IS NOT NULL THEN
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON public.migrations FROM %I', app_role);
  END IF;

  -- The audit trail is append-only for the app: insert and read rows; on the chain's one
  -- bookkeeping row only the head moves (the anchor is the retention job's).
  IF to_regclass('public.audit_events') IS NOT NULL THEN
    EXECUTE format('REVOKE UPDATE, DELETE ON public.audit_events FROM %I', app_role);
  END IF;
  IF to_regclass('public.audit_chain') IS NOT NULL THEN
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON public.audit_chain FROM %I', app_role);
    EXECUTE format('GRANT UPDATE (head_seq, head_hash) ON public.audit_chain TO %I', app_role);
  END IF;

  -- 4. The audit retention connection: read the audit tables, delete archived rows, move the anchor.
  EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', retention_role);
  IF to_regclass('public.audit_events') IS NOT NULL THEN
    EXECUTE format('GRANT SELECT, DELETE ON public.audit_events TO %I', retention_role);
  END IF;
  IF to_regclass('public.audit_chain') IS NOT NULL THEN
    EXECUTE format('GRANT SELECT ON public.audit_chain TO %I', retention_role);
    EXECUTE format('GRANT UPDATE (anchor_seq, anchor_hash, anchored_at) ON public.audit_chain TO %I', retention_role);
  END IF;

  RAISE NOTICE 'least privilege applied on %: owner %, app %, audit retention %', db, owner_role, app_role, retention_role;
END
$bastion$;
