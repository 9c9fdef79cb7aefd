#!/bin/sh
# The streaming replica (docker-compose.yml, service db-replica): the first start copies the primary
# with pg_basebackup (-R writes standby.signal and the connection to follow), every start runs it as a
# hot standby that answers reads.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h db -U replicator -q; do sleep 1; done
  pg_basebackup -h db -U replicator -D "$PGDATA" -R -X stream -c fast
  chmod 700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on
