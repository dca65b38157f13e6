"""Evidence records (信息上链): a document's hash with metadata, anchored by a member.

Kinds:

* ``evidence.anchor`` {doc_hash, meta}   — any active member with role admin, operator or client;
  ``doc_hash`` is the chain suite's hash (SM3 or SHA-256) of the document's bytes; ``meta`` is a
  small map of text/int values (title, type, reference number) that must not hold personal data
  in clear: :func:`validate_no_personal_data` refuses, in static validation (so at the door and
  in every block), an 18-digit resident ID number, a mainland mobile number, and a field named
  like personal data (:data:`PERSONAL_FIELDS`) with :class:`PersonalData`. Anchor a commitment
  (a salted hash) of such a value instead. One record per document hash.
* ``evidence.revoke`` {doc_hash, reason} — an admin or operator of the organisation that
  anchored it.

Record (state ``evidence/<doc_hash>``)::

    {doc_hash, meta, org, submitter, height, time, tx_hash, status, revoked_reason}
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from wuyi.exceptions import PersonalData, TxFailed, Unauthorized, ValidationError
from wuyi.ledger import keys
from wuyi.ledger.handlers.base import ChainSpec, ExecContext, Handler
from wuyi.params import ChainParams

__all__ = [
    "PERSONAL_FIELDS",
    "PERSONAL_PATTERNS",
    "EvidenceAnchorHandler",
    "EvidenceRevokeHandler",
    "validate_no_personal_data",
]

ANCHOR_ROLES = ("admin", "operator", "client")

#: Patterns of personal numbers refused in clear (name -> pattern), in keys and values:
#: a resident identity card number (GB 11643: 6-digit area, birth date 18xx-20xx, 3-digit
#: sequence, check digit or X) and a mainland mobile number (1[3-9] + 9 digits, optionally
#: +86 and separated by spaces or hyphens), neither glued to other letters or digits.
PERSONAL_PATTERNS: dict[str, re.Pattern[str]] = {
    "id_number": re.compile(
        r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
        r"\d{3}[0-9Xx](?![0-9A-Za-z])"
    ),
    "mobile_number": re.compile(
        r"(?<![0-9A-Za-z+])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?![0-9A-Za-z])"
    ),
}
#: Field names refused in evidence metadata whatever their value (compared lower-case, with
#: spaces, ``_`` and ``-`` removed): a person's name, ID or phone number, address, birth date.
PERSONAL_FIELDS = frozenset(
    {
        "name", "fullname", "realname", "personname", "holdername", "applicantname",
        "citizenname", "姓名", "名字", "真实姓名", "申请人", "申请人姓名",
        "idnumber", "idno", "idcard", "idcardnumber", "identitynumber", "citizenid",
        "身份证", "身份证号", "身份证号码", "证件号", "证件号码",
        "phone", "phonenumber", "mobile", "mobilenumber", "tel", "telephone",
        "手机", "手机号", "手机号码", "电话", "联系电话", "联系方式",
        "address", "homeaddress", "住址", "地址", "家庭住址", "户籍地址",
        "birthdate", "dateofbirth", "dob", "birthday", "出生日期", "生日",
        "email", "邮箱", "passport", "passportnumber", "护照号",
    }
)  # fmt: skip


def _field_key(name: str) -> str:
    return re.sub(r"[\s_-]", "", name).lower()


def validate_no_personal_data(meta: dict[str, Any], where: str) -> None:
    """Raise :class:`PersonalData` (field ``meta.<key>``, ``pattern``) if a key of ``meta`` is
    a personal-data field name or a key or text value holds an ID or mobile number."""
    for k, v in meta.items():
        if _field_key(k) in PERSONAL_FIELDS:
            raise PersonalData(
                f"{where}: meta field '{k}' names personal data; it would be on chain in clear"
                " for ever. Keep it off chain, or anchor a salted hash (commitment) of it under"
                " a neutral name (docs/security.md, Personal data)",
                field=f"meta.{k}",
                pattern="field_name",
            )
        for text in (k, v) if isinstance(v, str) else (k,):
            for name, pattern in PERSONAL_PATTERNS.items():
                if pattern.search(text):
                    what = "an ID number" if name == "id_number" else "a mobile number"
                    raise PersonalData(
                        f"{where}: meta field '{k}' holds what looks like {what}; personal"
                        " numbers never go on chain in clear. Anchor a salted hash"
                        " (commitment) of it instead (docs/security.md, Personal data)",
                        field=f"meta.{k}",
                        pattern=name,
                    )


def _validate_doc_hash(payload: dict[str, Any], kind: str) -> None:
    if len(payload["doc_hash"]) != 32:
        raise ValidationError(f"{kind}: doc_hash must be 32 bytes", field="doc_hash")


class EvidenceAnchorHandler(Handler):
    kind = "evidence.anchor"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "doc_hash": (bytes, True),
        "meta": (dict, False),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _validate_doc_hash(payload, self.kind)
        meta = payload.get("meta", {})
        if self.size_of(meta) > params.max_meta_bytes:
            raise ValidationError(
                f"evidence.anchor: meta is larger than {params.max_meta_bytes} bytes", field="meta"
            )
        for k, v in meta.items():
            if not (isinstance(v, str) or type(v) is int):
                raise ValidationError(
                    f"evidence.anchor: meta value '{k}' must be text or an integer", field="meta"
                )
        validate_no_personal_data(meta, self.kind)

    def dynamic_validate(self, ctx: ExecContext) -> None:
        existing = ctx.state.get_obj(keys.evidence_key(ctx.tx.payload["doc_hash"]))
        if existing is not None:
            raise TxFailed(
                f"document already anchored at height {existing['height']}"
                f" (tx {existing['tx_hash'].hex()})"
            )

    def authorize(self, ctx: ExecContext) -> None:
        ctx.require_member(ANCHOR_ROLES)

    def apply(self, ctx: ExecContext) -> None:
        p = ctx.tx.payload
        m = ctx.require_member(ANCHOR_ROLES)
        rec = {
            "doc_hash": p["doc_hash"],
            "meta": p.get("meta", {}),
            "org": m["org"],
            "submitter": ctx.sender_address,
            "height": ctx.height,
            "time": ctx.time,
            "tx_hash": ctx.tx_hash,
            "status": "active",
            "revoked_reason": "",
        }
        ctx.state.set_obj(keys.evidence_key(p["doc_hash"]), rec)
        ctx.emit("evidence.anchored", doc_hash=p["doc_hash"], org=m["org"])


class EvidenceRevokeHandler(Handler):
    kind = "evidence.revoke"
    fields: ClassVar[dict[str, tuple[type, bool]]] = {
        "doc_hash": (bytes, True),
        "reason": (str, True),
    }

    def static_validate(
        self, payload: dict[str, Any], chain: ChainSpec, params: ChainParams
    ) -> None:
        super().static_validate(payload, chain, params)
        _validate_doc_hash(payload, self.kind)
        if not 1 <= len(payload["reason"]) <= 256:
            raise ValidationError(
                "evidence.revoke: reason must be 1-256 characters", field="reason"
            )

    def dynamic_validate(self, ctx: ExecContext) -> None:
        rec = ctx.state.get_obj(keys.evidence_key(ctx.tx.payload["doc_hash"]))
        if rec is None:
            raise TxFailed("no evidence record for this document hash")
        if rec["status"] == "revoked":
            raise TxFailed("evidence record is already revoked")

    def authorize(self, ctx: ExecContext) -> None:
        m = ctx.require_member(("admin", "operator"))
        rec = ctx.state.get_obj(keys.evidence_key(ctx.tx.payload["doc_hash"]))
        if rec["org"] != m["org"]:
            raise Unauthorized(f"only organisation '{rec['org']}' may revoke its record")

    def apply(self, ctx: ExecContext) -> None:
        key = keys.evidence_key(ctx.tx.payload["doc_hash"])
        rec = ctx.state.get_obj(key)
        rec["status"] = "revoked"
        rec["revoked_reason"] = ctx.tx.payload["reason"]
        ctx.state.set_obj(key, rec)
        ctx.emit("evidence.revoked", doc_hash=rec["doc_hash"])
