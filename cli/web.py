"""``liangshan web``: serve the bureaus' portal (报送入口) with uvicorn."""

from __future__ import annotations

import os

import typer

from cli.common import err
from web.logs import MaskLinks, mask_links_in_server_logs

__all__ = ["MaskLinks", "web"]  # MaskLinks: re-exported from web.logs


def web(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址 / address to listen on (behind nginx: 127.0.0.1)"),
    port: int = typer.Option(8700, "--port", help="端口 / port"),
    plan: str | None = typer.Option(None, "--plan", help="计划 id 或文件；多个计划时每个计划一个报送入口 / one portal per plan"),
    workers: int = typer.Option(1, "--workers", min=1, max=32,
                                help="进程数；PostgreSQL 上可设为 CPU 核数 / processes (on PostgreSQL: the cores)"),
) -> None:
    """运行报送入口（各单位上传材料、签收、申请延期；办公室审核）/ serve the bureaus' portal."""
    import uvicorn

    from web.app import PLAN_ENV, PortalConfigError, create_app

    try:
        app = create_app(plan=plan)  # checked here once, so a bad key or database exits 2 before any worker starts
    except PortalConfigError as exc:
        err.print(str(exc), markup=False, style="red")
        raise typer.Exit(2) from None
    mask_links_in_server_logs()
    err.print(f"报送入口：http://{host}:{port}/ （链接由 liangshan link 单位 生成）/ portal listening", markup=False)
    # No access log: the request line of /b/<token> carries a link; errors still go to uvicorn.error (masked).
    options = {"host": host, "port": port, "access_log": False, "proxy_headers": True, "server_header": False,
               "log_level": "info"}
    if workers == 1:
        uvicorn.run(app, **options)  # type: ignore[arg-type]
        return
    # Worker processes build their own app from the environment (uvicorn starts them fresh).
    os.environ[PLAN_ENV] = plan or ""
    app.state.portal.database.dispose()
    uvicorn.run("web.app:app_from_environment", factory=True, workers=workers, **options)  # type: ignore[arg-type]
