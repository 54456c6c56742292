#!/bin/sh
# As postgis/postgis does at a first start: PostGIS ready in the database the server is made with (an app's
# create_all makes geometry columns without CREATE EXTENSION), and in template_postgis for databases made later.
# Run once by postgres-entrypoint.sh, as postgres, over the local socket, before the server listens.
set -eu
psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname postgres -c "CREATE DATABASE template_postgis IS_TEMPLATE true"
for db in template_postgis "$POSTGRES_DB"; do
  psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$db" \
    -c "CREATE EXTENSION IF NOT EXISTS postgis" -c "CREATE EXTENSION IF NOT EXISTS postgis_topology" \
    -c "CREATE EXTENSION IF NOT EXISTS fuzzystrmatch" -c "CREATE EXTENSION IF NOT EXISTS postgis_tiger_geocoder"
done
