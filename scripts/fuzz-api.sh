#!/usr/bin/env bash
# Schemathesis against the served OpenAPI document: a scratch database with the demo city,
# gunicorn on loopback, an admin token, bounded examples per operation. Fails on a 500 or an
# answer that contradicts the document. `make fuzz` (EXAMPLES=n to change the bound).
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${EXAMPLES:-25}
PORT=${FUZZ_PORT:-5077}
DB=gridgov_fuzz
export FLASK_APP=app
export GRIDGOV_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$DB"
export GRIDGOV_MEDIA_DIR
GRIDGOV_MEDIA_DIR=$(mktemp -d)
.venv/bin/python -m pip install -q "schemathesis>=4.3,<5"

dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"
.venv/bin/flask db upgrade >/dev/null
.venv/bin/flask demo load --if-empty >/dev/null
.venv/bin/flask users create fuzz-admin --role admin --personal-data >/dev/null
TOKEN=$(.venv/bin/flask users token fuzz-admin | tail -1 | awk '{print $NF}')

.venv/bin/gunicorn --workers 2 --threads 4 --bind "127.0.0.1:$PORT" --log-level warning \
    app:app &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true;
            dropdb -h 127.0.0.1 -U postgres --if-exists "$DB"; rm -rf "$GRIDGOV_MEDIA_DIR"; }
trap cleanup EXIT

.venv/bin/schemathesis run "http://127.0.0.1:$PORT/api/openapi.json" \
    --wait-for-schema 30 -H "Authorization: Bearer $TOKEN" --max-examples "$EXAMPLES" \
    --phases examples,coverage,fuzzing --generation-deterministic --workers 2 \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --report junit --report-dir var/fuzz
