#!/bin/sh
# One-shot, in the admin-tools image: creates (if missing) and migrates the two PostgreSQL
# databases Temporal needs, with the server's own sql tool and the schema shipped in the image.
# Safe to run again: create-database and setup-schema tolerate what exists, update-schema
# applies only what is new.
set -eu
tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"; }
for db in temporal temporal_visibility; do
  case "$db" in temporal) dir=temporal ;; *) dir=visibility ;; esac
  tool --db "$db" create-database 2>/dev/null || true
  tool --db "$db" setup-schema -v 0.0 2>/dev/null || true
  tool --db "$db" update-schema -d "/etc/temporal/schema/postgresql/v12/$dir/versioned"
done
echo "schema ready"
