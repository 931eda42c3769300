#!/usr/bin/env bash
# Creates the env files the compose topologies read from BASTION_SECRETS_DIR, with fresh random
# secrets, readable by the owner only. Never overwrites an existing file.
#
#   deploy/topology/make-secrets.sh /etc/bastion/secrets
#   export BASTION_SECRETS_DIR=/etc/bastion/secrets
#
#   postgres.env   superuser password (PostgreSQL container, db-roles/db-grants jobs) and the
#                  passwords set on bastion_owner, bastion_app, bastion_audit_retention
#   migrate.env    DATABASE_URL of bastion_owner (the migration job only)
#   redis.env      REDIS_PASSWORD (the Redis container)
#   bastion.env    what the instances get: DATABASE_URL (bastion_app), REDIS_URL, JWT_SECRET,
#                  MFA_ENCRYPTION_KEYS, METRICS_TOKEN, AUDIT_RETENTION_DATABASE_URL; add the
#                  provider credentials (SMTP_*, EMAIL_*, WHATSAPP_*) and ADMIN_* yourself.
# Rotation: docs/operations/secret-rotation.md.
set -euo pipefail

dir="${1:?usage: make-secrets.sh DIR}"
command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

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

write bastion.env <<ENV
DATABASE_URL=postgres://bastion_app:$app@postgres:5432/bastion
AUDIT_RETENTION_DATABASE_URL=postgres://bastion_audit_retention:$retention@postgres:5432/bastion
REDIS_URL=redis://:$redis_password@redis:6379
JWT_SECRET=$(openssl rand -base64 64 | tr -d '\n')
MFA_ENCRYPTION_KEYS=k$(date -u +%Y%m):$(openssl rand -base64 32)
METRICS_TOKEN=$(random 48)
# ADMIN_EMAIL=
# ADMIN_PASSWORD=
# EMAIL_PROVIDER=smtp
# SMTP_HOST=
# SMTP_USER=
# SMTP_PASSWORD=
# WHATSAPP_PROVIDER=cloud-api
# WHATSAPP_TOKEN=
ENV
