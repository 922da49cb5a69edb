"""Log records of the portal never show a link: ``/b/<token>`` is a credential, masked wherever it appears."""

from __future__ import annotations

import logging
import re

__all__ = ["MaskLinks", "mask_links_in_server_logs"]

_LINK = re.compile(r"/b/[^\s\"?]+")
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class MaskLinks(logging.Filter):
    """Masks ``/b/<token>`` in any log record: a link is a secret, the path must not show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_LINK.sub("/b/***", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _LINK.sub("/b/***", record.msg)
        return True


def mask_links_in_server_logs() -> None:
    """Install :class:`MaskLinks` on uvicorn's loggers (once per process: each worker process calls it too)."""
    for name in _SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskLinks) for f in logger.filters):
            logger.addFilter(MaskLinks())
