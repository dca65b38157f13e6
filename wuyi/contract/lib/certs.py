"""E-certificates for contracts: the record a contract writes when it grants something (an
ownership certificate, an approval), the commitment that binds it, and the link to the SD-JWT
credential an issuer system issues for it off chain. The API's public check
(``/v1/certs/verify``) and the SDK's ``issue_certificate`` read these records.

    from wuyi.contract.lib import certs

    rec = certs.record("APPR-00001", "准予许可", [holder_did], {"route": "standard"})
    ...
    @call
    def link_credential(cert_id: str, idx: int, holder: str | None = None) -> dict:
        return certs.link(cert_id, idx, holder, issuers=["gaj"])

A record (``cert/<id>`` in the contract's own state): ``id, kind, holders, fields, height,
time, org, by, commitment, status`` (``active`` or ``superseded``), ``superseded_by``,
``credentials`` (``[{holder, org, idx, by, height}]``). The commitment is the chain's hash of
the contract, id, kind, holders, fields and height: it fixes what the certificate says.
Library code of the contract standard library.
"""

from wuyi.contract import ctx, emit, hash, require, state

MAX_HOLDERS = 16


def commitment(parts):
    """The chain's hash of ``parts`` (texts, joined with ``|``): what a certificate commits
    to."""
    return hash("|".join(parts).encode())


def get(cert_id):
    """The record of ``cert_id`` (None if there is none)."""
    return state.get("cert/" + cert_id)


def load(cert_id):
    c = state.get("cert/" + cert_id)
    require(c is not None, f"credential rule: no certificate '{cert_id}'")
    return c


def record(cert_id, kind, holders, fields):
    """Write the record of a new certificate ``cert_id`` (``holders``: DIDs; ``fields``: what
    the certificate states, no personal data) and return it."""
    require(not state.has("cert/" + cert_id), f"certificate rule: '{cert_id}' exists already")
    require(
        isinstance(holders, list) and 0 < len(holders) <= MAX_HOLDERS,
        f"certificate rule: 1-{MAX_HOLDERS} holders (DIDs)",
    )
    for h in holders:
        require(
            isinstance(h, str) and h.startswith("did:wuyi:"),
            f"certificate rule: holder '{h}' is not a DID",
        )
    text = [ctx.contract, cert_id, kind, ",".join(holders), str(ctx.height)]
    text += [k + "=" + str(fields[k]) for k in sorted(fields.keys())]
    rec = {
        "id": cert_id,
        "kind": kind,
        "holders": list(holders),
        "fields": fields,
        "height": ctx.height,
        "time": ctx.time,
        "org": ctx.sender_org,
        "by": ctx.sender,
        "commitment": commitment(text),
        "status": "active",
        "superseded_by": None,
        "credentials": [],
    }
    state.set("cert/" + cert_id, rec)
    emit("CertificateRecorded", cert=cert_id, kind=kind)
    return rec


def supersede(cert_id, by_id):
    """Mark ``cert_id`` superseded by ``by_id`` (e.g. after a transfer)."""
    c = load(cert_id)
    c["status"] = "superseded"
    c["superseded_by"] = by_id
    state.set("cert/" + cert_id, c)
    return c


def check_index(idx):
    """A refusal unless ``idx`` is a credential status index."""
    require(
        isinstance(idx, int) and not isinstance(idx, bool) and idx >= 0,
        "credential rule: idx is the credential's status index (an int, 0 or more)",
    )


def choose_holder(cert_id, holders, holder, noun="holder"):
    """``holder`` if it is among ``holders`` (by default the only one); the refusals call
    them ``noun`` (e.g. ``owner``)."""
    if holder is None:
        require(
            len(holders) == 1,
            f"credential rule: certificate '{cert_id}' has several {noun}s; name the holder",
        )
        return holders[0]
    article = "an" if noun[0] in "aeiou" else "a"
    require(
        holder in holders,
        f"credential rule: {holder} is not {article} {noun} on certificate '{cert_id}'",
    )
    return holder


def add_link(c, holder, idx):
    """Append the link of ``holder``'s credential ``<sender org>/<idx>`` to record ``c`` (one
    per holder), store it and say so (``CertificateLinked``)."""
    links = c.get("credentials") or []
    for x in links:
        require(
            x["holder"] != holder,
            f"credential rule: the credential of {holder} on certificate '{c['id']}' is"
            f" already linked ({x['org']}/{x['idx']})",
        )
    links.append(
        {
            "holder": holder,
            "org": ctx.sender_org,
            "idx": idx,
            "by": ctx.sender,
            "height": ctx.height,
        }
    )
    c["credentials"] = links
    state.set("cert/" + c["id"], c)
    emit("CertificateLinked", cert=c["id"], holder=holder, org=ctx.sender_org, idx=idx)
    return c


def link(cert_id, idx, holder, issuers):
    """Link the credential ``<org>/<idx>`` the sender's organisation issued to ``holder`` (by
    default the only holder) to certificate ``cert_id``: only an ``issuer`` of one of
    ``issuers``, only for an active certificate, one credential per holder. Returns the
    record."""
    c = load(cert_id)
    require(
        ctx.sender_org in issuers and "issuer" in ctx.sender_roles,
        f"credential rule: only an issuer of {', '.join(issuers)} links the credential of"
        f" certificate '{cert_id}'",
    )
    require(
        c["status"] == "active",
        f"credential rule: certificate '{cert_id}' is {c['status']}; only an active"
        " certificate gets a credential",
    )
    check_index(idx)
    return add_link(c, choose_holder(cert_id, c["holders"], holder), idx)
