"""``liangshan web``: refuses to start without a key (exit 2, saying how to make one); links never reach the log."""

from __future__ import annotations

import logging

import typer
from typer.testing import CliRunner

from cli.web import MaskLinks, web
from tests.db.conftest import Database

runner = CliRunner()


def test_web_without_a_key_exits_2_with_how_to_make_one(database: Database) -> None:
    app = typer.Typer()
    app.command()(web)
    result = runner.invoke(app, [], env={**database.env(), "LIANGSHAN_SECRET_KEY": ""})
    assert result.exit_code == 2
    assert "secrets.token_urlsafe(48)" in result.output and "export LIANGSHAN_SECRET_KEY=" in result.output


def test_link_paths_are_masked_in_log_records() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/b/eyJhbGciOi.c2lnbmF0dXJl", "1.1", 303), None)
    assert MaskLinks().filter(record)
    assert "eyJhbGciOi" not in record.getMessage() and "/b/***" in record.getMessage()
    plain = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "failed on /b/secret-token", None, None)
    MaskLinks().filter(plain)
    assert "secret-token" not in plain.getMessage()
