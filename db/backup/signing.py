"""The manifest's signature: an HMAC under a key derived from LIANGSHAN_SECRET_KEY, and the restore's trust check."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from db.backup.format import MANIFEST, _bad

_SIGNATURE = "signature"
_MAC_CONTEXT = b"liangshan backup manifest v1"  # the secret key also signs portal links: a key of its own here


def manifest_mac(key: str, manifest: dict[str, Any]) -> str:
    """HMAC-SHA256 of the manifest (all but its signature, canonical JSON) under a key derived from ``key``.

    The manifest lists the SHA-256 of every other member, so the MAC covers the whole archive: whoever
    rewrites a member and its manifest entry together cannot make a matching MAC without the key.
    """
    body = {k: v for k, v in manifest.items() if k != _SIGNATURE}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    derived = hmac.new(key.encode("utf-8"), _MAC_CONTEXT, hashlib.sha256).digest()
    return hmac.new(derived, canonical, hashlib.sha256).hexdigest()


def check_signature(manifest: dict[str, Any], key: str | None, allow_unsigned: bool) -> bool:
    """Whether the manifest is signed with ``key``; refuse what cannot be trusted.

    Raises:
        BackupError: signed, but no key was given or the MAC differs (altered, or another key); unsigned
            while a key is set, unless ``allow_unsigned`` (an attacker could drop the signature).
    """
    signature = manifest.get(_SIGNATURE)
    if signature is None:
        if key is not None and not allow_unsigned:
            raise _bad("备份文件没有签名（备份时未设置 LIANGSHAN_SECRET_KEY），无法确认它未被改动；"
                       "确认来源可靠后加 --unsigned 恢复",
                       "the backup is not signed, so it cannot be shown unaltered; add --unsigned if you trust its source",
                       MANIFEST)
        return False
    if key is None:
        raise _bad("备份文件已签名：请设置与备份时相同的 LIANGSHAN_SECRET_KEY，以便核对签名",
                   "the backup is signed: set the LIANGSHAN_SECRET_KEY it was made with, to check the signature", MANIFEST)
    if not hmac.compare_digest(str(signature.get("mac", "")), manifest_mac(key, manifest)):
        raise _bad("签名不符：备份文件被改动过，或 LIANGSHAN_SECRET_KEY 与备份时的不同",
                   "the signature does not match: the backup was altered, or the secret key differs from the one it was made with",
                   MANIFEST)
    return True
