#!/bin/sh
# Run once by the postgis/postgis image on a new volume (after its own 10_postgis.sh):
# the schema owner, the app role (not a superuser), the database and its extensions.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="$GRUNNDATA_OWNER_PASSWORD" -v app_password="$GRUNNDATA_APP_PASSWORD" <<'SQL'
CREATE ROLE grunndata_owner LOGIN NOSUPERUSER PASSWORD :'owner_password';
CREATE ROLE grunndata_app LOGIN NOSUPERUSER PASSWORD :'app_password';
CREATE DATABASE grunndata OWNER grunndata_owner ENCODING 'UTF8' TEMPLATE template0;
\connect grunndata
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
GRANT CONNECT, TEMPORARY ON DATABASE grunndata TO grunndata_app;
SQL
