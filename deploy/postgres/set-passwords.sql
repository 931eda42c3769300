-- Sets the passwords of the Bastion roles from environment variables, so that no password
-- appears on a command line, in a file or in shell history. psql 15 or newer (\getenv):
--
--   BASTION_OWNER_DB_PASSWORD=... BASTION_APP_DB_PASSWORD=... BASTION_AUDIT_RETENTION_DB_PASSWORD=... \
--     psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 -f deploy/postgres/set-passwords.sql
--
-- A variable that is unset or empty leaves that role's password as it is. The server stores
-- a SCRAM-SHA-256 verifier (password_encryption), never the password.

\getenv owner_password BASTION_OWNER_DB_PASSWORD
\getenv app_password BASTION_APP_DB_PASSWORD
\getenv retention_password BASTION_AUDIT_RETENTION_DB_PASSWORD
SET password_encryption = 'scram-sha-256';

\if :{?owner_password}
SELECT :'owner_password' <> '' AS set_owner \gset
\if :set_owner
ALTER ROLE bastion_owner PASSWORD :'owner_password';
\endif
\endif

\if :{?app_password}
SELECT :'app_password' <> '' AS set_app \gset
\if :set_app
ALTER ROLE bastion_app PASSWORD :'app_password';
\endif
\endif

\if :{?retention_password}
SELECT :'retention_password' <> '' AS set_retention \gset
\if :set_retention
ALTER ROLE bastion_audit_retention PASSWORD :'retention_password';
\endif
\endif
