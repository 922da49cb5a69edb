"""``liangshan web``: serve the bureaus' portal (报送入口) with uvicorn."""

from __future__ import annotations

import logging
import re

import typer

from cli.common import err

__all__ = ["MaskLinks", "web"]

_LINK = re.compile(r"/b/[^\s\"?]+")


class MaskLinks(logging.Filter):
    """Masks ``/b/<token>`` in any log record: a link is a secret, the path must not show it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_LINK.sub("/b/***", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = _LINK.sub("/b/***", record.msg)
        return True


def web(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址 / address to listen on (behind nginx: 127.0.0.1)"),
    port: int = typer.Option(8700, "--port", help="端口 / port"),
    plan: str | None = typer.Option(None, "--plan", help="计划 id 或文件；多个计划时每个计划一个报送入口 / one portal per plan"),
) -> None:
    """运行报送入口（各单位上传材料、签收、申请延期；办公室审核）/ serve the bureaus' portal."""
    import uvicorn

    from web.app import PortalConfigError, create_app

    try:
        app = create_app(plan=plan)
    except PortalConfigError as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).addFilter(MaskLinks())
    err.print(f"报送入口：http://{host}:{port}/ （链接由 liangshan link 单位 生成）/ portal listening", markup=False)
    # No access log: the request line of /b/<token> carries a link; errors still go to uvicorn.error (masked).
    uvicorn.run(app, host=host, port=port, access_log=False, proxy_headers=True, server_header=False, log_level="info")
