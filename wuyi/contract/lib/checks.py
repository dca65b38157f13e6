"""Input checks for contracts: DIDs, 32-byte hashes, texts, codes and unified social credit
codes — the refusals name the field (and its rule) the caller passes.

    from wuyi.contract.lib import checks

    checks.is_did(did)                                      # did:wuyi:..., 12-80 characters
    checks.check_did(owner, "owner rule: owner")            # the DID, or a refusal
    checks.check_hash(doc_hash, "notice rule: doc_hash")    # 32 bytes, or a refusal
    checks.check_text(name, "input rule: name", 60)         # 1-60 characters
    checks.org_did("scjgj")                                 # 'did:wuyi:org:scjgj'
    checks.uscc_ok("91440700MA4UJ8XXXX")                    # GB 32100 check character
    checks.as_member("scjgj", "regulator", "regulator", "市场监管局")   # who may act

Library code of the contract standard library.
"""

from wuyi.contract import ctx, require

DID_PREFIX = "did:wuyi:"
DID_MIN = 12
HASH_BYTES = 32
#: GB 32100-2015: the characters of a unified social credit code and the check weights
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def is_did(did, max_len=80):
    """Whether ``did`` is a ``did:wuyi:`` DID of 12 to ``max_len`` characters."""
    return isinstance(did, str) and did.startswith(DID_PREFIX) and DID_MIN <= len(did) <= max_len


def check_did(did, what, max_len=80):
    """``did`` if it is a DID (:func:`is_did`); else the refusal ``<what> must be a did:wuyi
    DID``."""
    require(is_did(did, max_len), f"{what} must be a did:wuyi DID")
    return did


def org_did(org):
    """The DID of organisation ``org``: ``did:wuyi:org:<org>``."""
    return DID_PREFIX + "org:" + org


def is_hash(value):
    """Whether ``value`` is a 32-byte hash (bytes)."""
    return isinstance(value, bytes) and len(value) == HASH_BYTES


def check_hash(value, what, optional=False, says="must be"):
    """``value`` if it is a 32-byte hash (None too if ``optional``); else the refusal
    ``<what> must be a 32-byte hash`` (``says`` is the verb: a contract may keep ``is``)."""
    if optional and value is None:
        return None
    require(is_hash(value), f"{what} {says} a 32-byte hash")
    return value


def check_text(text, what, hi, blank=True, says="must be"):
    """``text`` if it is a text of 1 to ``hi`` characters (not only spaces unless ``blank``);
    else the refusal ``<what> must be a text of 1-<hi> characters`` (``says``: the verb)."""
    ok = isinstance(text, str) and 0 < len(text) <= hi
    require(ok and (blank or len(text.strip()) > 0), f"{what} {says} a text of 1-{hi} characters")
    return text


def is_code(text, lo, hi):
    """Whether ``text`` is a code of ``lo`` to ``hi`` characters: ASCII letters, digits, ``-``
    and ``_``."""
    if not isinstance(text, str) or not lo <= len(text) <= hi:
        return False
    return all([ch.isdigit() or "a" <= ch <= "z" or "A" <= ch <= "Z" or ch in "-_" for ch in text])


def uscc_ok(code):
    """Whether ``code`` is a unified social credit code (统一社会信用代码, GB 32100-2015): 18
    characters, the last the check character over the first 17."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    total = 0
    for i in range(17):
        v = USCC_CHARS.find(code[i])
        if v < 0:
            return False
        total += v * USCC_WEIGHTS[i]
    return code[17] == USCC_CHARS[(31 - total % 31) % 31]


def as_member(org, role, rule, dept):
    """A refusal unless the sender is a member of organisation ``org`` with role ``role``:
    ``<rule> rule: only members of '<org>' (<dept>) with the role <role> do this``."""
    require(
        ctx.sender_org == org and role in ctx.sender_roles,
        f"{rule} rule: only members of '{org}' ({dept}) with the role {role} do this",
    )
