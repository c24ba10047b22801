"""Verification against the registry: by certificate number, brand + model, or QR text.

This is the hot path of public verification (tens of thousands of answers per second), so it
runs one prepared join per lookup on a held connection and keeps the small, rarely changing
agreement table in memory (refreshed every ``agreements_ttl`` seconds).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from ecoprocure.domain.lifecycle import Status, StatusChange, status_on
from ecoprocure.domain.recognition import AgreementTerms, Recognition, recognitions
from ecoprocure.domain.signing import CertificatePayload, parse
from ecoprocure.domain.text import certificate_key, match_key
from ecoprocure.domain.verification import (
    VERDICT_RANK,
    CertificateFacts,
    Verdict,
    VerificationAnswer,
    judge,
    open_signed,
    unknown,
)
from ecoprocure.errors import SignatureError
from ecoprocure.store.db import Database
from ecoprocure.store.keys import public_key_for

_FACTS = """
SELECT ce.id, ce.number, s.code, s.name_en, s.name_zh, l.name_en, l.name_zh, l.registration_id,
       cr.standard_code, coalesce(cr.title_en, cr.title_zh), ca.code, ca.name_en, ca.name_zh,
       ce.issued_on, ce.expires_on, ce.status, ce.status_since, ce.status_reason
FROM certificate ce
JOIN scheme s ON s.id = ce.scheme_id
JOIN licensee l ON l.id = ce.licensee_id
JOIN criterion cr ON cr.id = ce.criterion_id
LEFT JOIN category ca ON ca.id = ce.category_id
"""
_BY_NUMBER = text(_FACTS + " WHERE ce.number_key = :key")
_BY_MODEL = text(
    "SELECT p.brand, p.model, p.gtin, pc.code, x.* FROM product_model p "
    "JOIN category pc ON pc.id = p.category_id "
    f"JOIN ({_FACTS}) x ON x.id = p.certificate_id "
    "WHERE p.brand_key = :brand AND p.model_key = :model"
)
_HISTORY = text(
    "SELECT effective_on, to_status, reason FROM certificate_event WHERE certificate_id = :id ORDER BY id"
)


def _date(value: Any) -> dt.date | None:
    # SQLite returns ISO strings for DATE columns through raw SQL; PostgreSQL returns dates.
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _facts(row: Sequence[Any]) -> tuple[int, CertificateFacts]:
    return row[0], CertificateFacts(
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        row[10],
        row[11],
        row[12],
        _date(row[13]),
        _date(row[14]),
        Status(row[15]),
        _date(row[16]),
        row[17],
    )


def load_agreements(conn: Connection) -> list[AgreementTerms]:
    parties: dict[int, set[str]] = {}
    for aid, code in conn.execute(
        text("SELECT ap.agreement_id, s.code FROM agreement_party ap JOIN scheme s ON s.id = ap.scheme_id")
    ):
        parties.setdefault(aid, set()).add(code)
    categories: dict[int, set[str]] = {}
    for aid, code in conn.execute(
        text(
            "SELECT ac.agreement_id, c.code FROM agreement_category ac "
            "JOIN category c ON c.id = ac.category_id"
        )
    ):
        categories.setdefault(aid, set()).add(code)
    criteria: dict[int, set[str]] = {}
    for aid, code in conn.execute(
        text(
            "SELECT ac.agreement_id, c.standard_code FROM agreement_criterion ac "
            "JOIN criterion c ON c.id = ac.criterion_id"
        )
    ):
        criteria.setdefault(aid, set()).add(code)
    return [
        AgreementTerms(
            code,
            frozenset(parties.get(aid, ())),
            _date(start),
            _date(end),  # type: ignore[arg-type]
            frozenset(categories.get(aid, ())),
            frozenset(criteria.get(aid, ())),
        )
        for aid, code, start, end in conn.execute(
            text("SELECT id, code, valid_from, valid_to FROM agreement")
        )
    ]


def _driver_sql(statement: Any, dialect: str) -> str:
    """The statement in the driver's own parameter style (sqlite3 takes :name as it is)."""
    sql = str(statement)
    return sql if dialect == "sqlite" else re.sub(r":(\w+)", r"%(\1)s", sql)


class Verifier:
    """Answers verification questions; hold one per thread (it keeps a connection open).

    The lookups run on the driver connection in autocommit mode: each SELECT sees the newest
    committed state, and skipping SQLAlchemy's statement layer roughly halves the cost of an
    answer (the budget is 20,000 full answers per second).
    """

    def __init__(self, db: Database, keys_dir: Path | None = None, agreements_ttl: float = 60.0) -> None:
        self.db, self.keys_dir, self.agreements_ttl = db, keys_dir, agreements_ttl
        self.conn = db.engine.connect()
        self._raw = db.engine.raw_connection()
        if db.dialect != "sqlite":  # SQLite connections are already in autocommit (store.db)
            self._raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        self._sql = {stmt: _driver_sql(stmt, db.dialect) for stmt in (_BY_NUMBER, _BY_MODEL, _HISTORY)}
        self._agreements: list[AgreementTerms] = []
        self._recognitions: dict[tuple[Any, ...], list[Recognition]] = {}
        self._loaded_at = float("-inf")

    def close(self) -> None:
        if self.db.dialect != "sqlite":  # the connection goes back to the pool: restore its mode
            self._raw.driver_connection.autocommit = False  # type: ignore[union-attr]
        self._raw.close()
        self.conn.close()

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _run(self, statement: Any, params: dict[str, Any]) -> list[Any]:
        cursor = self._raw.cursor()
        try:
            cursor.execute(self._sql[statement], params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def agreements(self) -> list[AgreementTerms]:
        now = time.monotonic()
        if now - self._loaded_at > self.agreements_ttl:
            self._agreements = load_agreements(self.conn)
            self.conn.rollback()
            self._recognitions = {}
            self._loaded_at = now
        return self._agreements

    def recognised_by(self, facts: CertificateFacts, day: dt.date) -> list[Recognition]:
        """Recognitions, memoised per scheme, category, criterion and day (agreements are few)."""
        agreements = self.agreements()
        key = (facts.scheme_code, facts.category_code, facts.criterion_code, day)
        found = self._recognitions.get(key)
        if found is None:
            found = recognitions(agreements, *key)
            if len(self._recognitions) > 10_000:
                self._recognitions.clear()
            self._recognitions[key] = found
        return list(found)

    def by_number(self, number: str, as_of: dt.date | None = None) -> VerificationAnswer:
        day = as_of or dt.date.today()
        query = {"certificate": number}
        rows = self._run(_BY_NUMBER, {"key": certificate_key(number)})
        if not rows:
            return unknown(query, day, f"no certificate numbered {number!r} in the registry")
        cid, facts = _facts(rows[0])
        return self._answer(cid, facts, day, query)

    def by_brand_model(self, brand: str, model: str, as_of: dt.date | None = None) -> VerificationAnswer:
        day = as_of or dt.date.today()
        query = {"brand": brand, "model": model}
        rows = self._run(_BY_MODEL, {"brand": match_key(brand), "model": match_key(model)})
        if not rows:
            return unknown(query, day, f"no certified product {brand} {model} in the registry")
        answers = []
        for row in rows:
            cid, facts = _facts(row[4:])
            answer = self._answer(cid, facts, day, query)
            answer.product = {"brand": row[0], "model": row[1], "gtin": row[2], "category": row[3]}
            answers.append(answer)
        answers.sort(
            key=lambda a: (
                VERDICT_RANK.get(a.status, 9),
                -(a.certificate.issued_on.toordinal() if a.certificate else 0),
            )
        )
        best = answers[0]
        best.other_certificates = [a.certificate.number for a in answers[1:] if a.certificate]
        return best

    def by_qr(self, qr_text: str, as_of: dt.date | None = None) -> VerificationAnswer:
        """Check the signature (when the scheme's public key is configured) and the registry."""
        day = as_of or dt.date.today()
        query = {"qr": qr_text[:200]}
        try:
            scheme: str | None = parse(qr_text).payload.scheme  # which key to check it with
        except SignatureError:
            scheme = None  # open_signed below answers with the reason
        key = public_key_for(self.keys_dir, scheme) if self.keys_dir and scheme else None
        payload, refusal = open_signed(qr_text, key, day)
        if refusal is not None:
            return refusal
        answer = self.by_number(payload.number, day)
        answer.query = query
        if key is None:
            answer.reason += f"; signature not checked (no public key for {payload.scheme} configured)"
        elif answer.certificate is not None and _differs(payload, answer.certificate):
            answer.reason += "; the registry's facts have changed since this QR code was signed"
        return answer

    def _answer(
        self, cid: int, facts: CertificateFacts, day: dt.date, query: dict[str, str]
    ) -> VerificationAnswer:
        if day < facts.status_since and day >= facts.issued_on:
            facts = self._as_of(cid, facts, day)
        verdict, reason = judge(facts, day)
        found = self.recognised_by(facts, day) if verdict is Verdict.VALID else []
        return VerificationAnswer(verdict, reason, day, query, facts, recognised_by=found)

    def _as_of(self, cid: int, facts: CertificateFacts, day: dt.date) -> CertificateFacts:
        """Facts as they stood on a past ``day``, from the audit log."""
        history = [StatusChange(_date(d), Status(s), r) for d, s, r in self._run(_HISTORY, {"id": cid})]  # type: ignore[arg-type]
        then = status_on(history, day)
        if then is None:
            return facts
        return replace(
            facts, stored_status=then.to_status, status_since=then.effective_on, status_reason=then.reason
        )


def _differs(payload: CertificatePayload, facts: CertificateFacts) -> bool:
    return (payload.issued, payload.expires, payload.licensee) != (
        facts.issued_on,
        facts.expires_on,
        facts.licensee_registration_id,
    )
