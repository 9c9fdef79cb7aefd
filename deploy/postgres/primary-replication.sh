#!/bin/sh
# docker-entrypoint-initdb.d of the primary (docker-compose.yml, service db): a role for the streaming
# replica's pg_basebackup and its replication connection, allowed from the compose network only.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator samenet scram-sha-256" >>"$PGDATA/pg_hba.conf"
