#!/usr/bin/env bash
# Creates the secrets the compose topologies read from BASTION_SECRETS_DIR, with fresh random
# values, readable by the owner only. Never overwrites an existing file.
#
#   deploy/topology/make-secrets.sh /etc/bastion/secrets
#   export BASTION_SECRETS_DIR=/etc/bastion/secrets
#
#   app/           one file per secret of the instances, named like its variable, mounted read-only
#                  at /run/secrets/bastion and read through <NAME>_FILE (never environment values):
#                  DATABASE_URL (bastion_app), AUDIT_RETENTION_DATABASE_URL, REDIS_URL, JWT_PRIVATE_KEY,
#                  MFA_ENCRYPTION_KEYS, METRICS_TOKEN. Add SMTP_PASSWORD, WHATSAPP_TOKEN, ADMIN_PASSWORD
#                  ... the same way (a file here and its <NAME>_FILE line in bastion.env).
#                  Kubernetes: kubectl create secret generic bastion-secrets --from-file=DIR/app
#   bastion.env    the instances' settings that are not secrets (EMAIL_PROVIDER, SMTP_HOST, ADMIN_EMAIL,
#                  <NAME>_FILE of added secrets). Kubernetes: the bastion-settings ConfigMap.
#   postgres.env   superuser password (PostgreSQL container, db-roles/db-grants jobs) and the
#                  passwords set on bastion_owner, bastion_app, bastion_audit_retention
#   migrate.env    DATABASE_URL of bastion_owner (the migration job only)
#   redis.env      REDIS_PASSWORD (the Redis container)
#
# The instances run as uid 1000 (deploy/Dockerfile): run this as root (the app/ files are then
# given to 1000:1000), or chown them yourself: sudo chown -R 1000:1000 DIR/app.
# Rotation: docs/operations/secrets.md and docs/operations/secret-rotation.md.
set -euo pipefail

dir="${1:?usage: make-secrets.sh DIR}"
command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }
umask 077
mkdir -p "$dir/app"
chmod 700 "$dir"
chmod 700 "$dir/app"

# URL-safe random strings (no characters that would need escaping in a URL).
random() { openssl rand -base64 48 | tr -d '\n/+=' | cut -c1-"${1:-40}"; }

write() {
  local file="$dir/$1"
  if [ -e "$file" ]; then
    echo "kept existing $file" >&2
    return 0
  fi
  cat >"$file"
  echo "wrote $file" >&2
}

# One secret of the instances: its value (one line, or a PEM block), nothing else.
secret() {
  printf '%s\n' "$2" | write "app/$1"
}

superuser="$(random)"
owner="$(random)"
app="$(random)"
retention="$(random)"
redis_password="$(random)"

write postgres.env <<ENV
POSTGRES_PASSWORD=$superuser
PGPASSWORD=$superuser
BASTION_OWNER_DB_PASSWORD=$owner
BASTION_APP_DB_PASSWORD=$app
BASTION_AUDIT_RETENTION_DB_PASSWORD=$retention
ENV

write migrate.env <<ENV
DATABASE_URL=postgres://bastion_owner:$owner@postgres:5432/bastion
ENV

write redis.env <<ENV
REDIS_PASSWORD=$redis_password
ENV

secret DATABASE_URL "postgres://bastion_app:$app@postgres:5432/bastion"
secret AUDIT_RETENTION_DATABASE_URL "postgres://bastion_audit_retention:$retention@postgres:5432/bastion"
secret REDIS_URL "redis://:$redis_password@redis:6379"
# The access-token signing key: Ed25519 (EdDSA), the default of new deployments (docs/identity.md, "Access tokens").
secret JWT_PRIVATE_KEY "$(openssl genpkey -algorithm ed25519)"
secret MFA_ENCRYPTION_KEYS "k$(date -u +%Y%m):$(openssl rand -base64 32)"
secret METRICS_TOKEN "$(random 48)"

write bastion.env <<ENV
# Settings of the instances that are not secrets. A secret is a file in app/ and a <NAME>_FILE line:
# ADMIN_EMAIL=
# ADMIN_PASSWORD_FILE=/run/secrets/bastion/ADMIN_PASSWORD
# EMAIL_PROVIDER=smtp
# SMTP_HOST=
# SMTP_USER_FILE=/run/secrets/bastion/SMTP_USER
# SMTP_PASSWORD_FILE=/run/secrets/bastion/SMTP_PASSWORD
# WHATSAPP_PROVIDER=cloud-api
# WHATSAPP_TOKEN_FILE=/run/secrets/bastion/WHATSAPP_TOKEN
ENV

if [ "$(id -u)" = 0 ]; then
  chown -R 1000:1000 "$dir/app"
else
  echo "the instances run as uid 1000: sudo chown -R 1000:1000 $dir/app" >&2
fi
