"""Idempotency-Key: a retried POST returns the first answer and creates nothing new."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from pydantic import Field
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.contracts import Contract, Raw
from gis.errors import BadInput, Conflict

Answer = tuple[int, dict]


KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 100,
              "pattern": "^[!-~]([ -~]*[!-~])?$",
              "description": "重试安全 a retry returns the first answer"}


class IdempotencyHeader(Contract):
    """The optional header that makes a retried POST safe."""

    key: Raw(KEY_SCHEMA) = Field(None, alias="Idempotency-Key")


def once(session: Session, key: str | None, request: bytes, run: Callable[[], Answer],
         dumps: Callable[[object], str] = json.dumps) -> Answer:
    """Return run()'s (status, body), or the stored answer when `key` was seen before.

    The key row is claimed first, so a concurrent retry waits for the first to commit.
    """
    if key is None:
        return run()
    if not 1 <= len(key) <= 100 or not key.isprintable():
        raise BadInput("Idempotency-Key 应为 1–100 个可打印字符", "bad_idempotency_key")
    digest = hashlib.sha256(request).hexdigest()
    claimed = session.execute(
        text("INSERT INTO idempotency_keys (key, request_hash, status, response) "
             "VALUES (:k, :h, 0, '{}') ON CONFLICT DO NOTHING RETURNING key"),
        {"k": key, "h": digest}).scalar()
    if claimed is None:
        stored = session.execute(
            text("SELECT request_hash, status, response FROM idempotency_keys WHERE key = :k"),
            {"k": key}).one()
        if stored.request_hash != digest:
            raise Conflict("该 Idempotency-Key 已用于不同的请求（key reused with another body）",
                           "idempotency_key_reused")
        return stored.status, stored.response
    status, body = run()
    session.execute(
        text("UPDATE idempotency_keys SET status = :s, response = CAST(:r AS jsonb) "
             "WHERE key = :k"), {"s": status, "r": dumps(body), "k": key})
    return status, json.loads(dumps(body))
