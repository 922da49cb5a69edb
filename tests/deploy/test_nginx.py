"""deploy/nginx/liangshan.conf: Debian's nginx accepts it (nginx -t), and a real `liangshan web` behind it answers a
signed link over TLS, with the upload limit and the plain-HTTP redirect the site promises."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.db.conftest import Database
from tests.e2e.portal import free_port, running_portal

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "deploy" / "nginx" / "liangshan.conf"
SERVER_NAME = "lsbs.example.gov.cn"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture(autouse=True)
def _nginx_installed() -> None:
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: `make services` installs Debian's nginx (apt-get install nginx)")


@dataclass
class Site:
    """The shipped site, rewritten only where a test machine must differ: certificates, ports, temp folders."""

    conf: Path
    folder: Path
    https: int
    http: int
    cert: Path


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for the site's name and 127.0.0.1, made for this test with openssl."""
    cert, key = folder / "lsbs.crt", folder / "lsbs.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", str(key),
                    "-out", str(cert), "-subj", f"/CN={SERVER_NAME}",
                    "-addext", f"subjectAltName=DNS:{SERVER_NAME},IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def _rewrite(text: str, old: str, new: str, times: int) -> str:
    """Replace ``old`` exactly ``times`` times: if the shipped site changes shape, this test says so."""
    assert text.count(old) == times, f"deploy/nginx/liangshan.conf: expected {times}× {old!r}, found {text.count(old)}"
    return text.replace(old, new)


def make_site(folder: Path, portal_port: int) -> Site:
    cert, key = _certificate(folder)
    https, http = free_port(), free_port()
    site = SITE.read_text(encoding="utf-8")
    site = _rewrite(site, "/etc/nginx/tls/lsbs.crt", str(cert), 1)
    site = _rewrite(site, "/etc/nginx/tls/lsbs.key", str(key), 1)
    site = _rewrite(site, "listen 443 ssl", f"listen 127.0.0.1:{https} ssl", 1)
    site = _rewrite(site, "listen 80;", f"listen 127.0.0.1:{http};", 1)
    site = _rewrite(site, "proxy_pass http://127.0.0.1:8701;", f"proxy_pass http://127.0.0.1:{portal_port};", 1)
    (folder / "liangshan.conf").write_text(site, encoding="utf-8")
    temps = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root, nginx's workers would run as nobody, who cannot enter pytest's private temp folder.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(f"{user}pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} info;\nworker_processes 1;\n"
                    f"events {{ worker_connections 64; }}\nhttp {{\n{temps}\n    include {folder / 'liangshan.conf'};\n}}\n",
                    encoding="utf-8")
    return Site(conf, folder, https, http, cert)


def _nginx(site: Site, *args: str) -> list[str]:
    return [NGINX, "-p", str(site.folder), "-c", str(site.conf), "-e", str(site.folder / "error.log"), *args]


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    site = make_site(tmp_path, free_port())
    result = subprocess.run(_nginx(site, "-t"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_the_site_forwards_what_the_portal_needs_and_logs_no_links() -> None:
    """uvicorn (proxy_headers) reads the client and scheme from X-Forwarded-*; /b/<link> must not reach a log."""
    site = SITE.read_text(encoding="utf-8")
    headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+(\S+);", site))
    assert headers.get("X-Forwarded-For") == "$proxy_add_x_forwarded_for"
    assert headers.get("X-Forwarded-Proto") == "$scheme" and headers.get("Host") == "$host"
    assert re.findall(r"access_log\s+(\S+);", site) == ["off", "off"]


@contextmanager
def serving(site: Site) -> Iterator[None]:
    """nginx serving the site in the foreground of its own process group; stopped gracefully afterwards."""
    proc = subprocess.Popen(_nginx(site, "-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"nginx exited: {proc.stderr.read().decode() if proc.stderr else ''}"
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", site.https)) == 0:
                    break
            assert time.monotonic() < deadline, "nginx did not listen within 30 s"
            time.sleep(0.2)
        yield
    finally:
        os.killpg(proc.pid, signal.SIGQUIT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_signed_link_works_through_nginx(database: Database, tmp_path: Path) -> None:
    """Link -> 303 with a Secure session cookie -> the bureau's own page, all over TLS through the shipped site;
    a body over the limit is refused by nginx (413), plain HTTP is sent to HTTPS."""
    (tmp_path / "nginx").mkdir()
    with running_portal(database.env(), database.sessions, "huyi-two-mountains", tmp_path / "web.log",
                        extra={"LIANGSHAN_PORTAL_URL": f"https://{SERVER_NAME}"}) as portal:
        site = make_site(tmp_path / "nginx", int(portal.base.rsplit(":", 1)[1]))
        with serving(site):
            path = portal.link("eco").removeprefix(portal.base)
            assert path.startswith("/b/")
            tls = ssl.create_default_context(cafile=str(site.cert))
            with httpx.Client(base_url=f"https://127.0.0.1:{site.https}", verify=tls, headers={"Host": SERVER_NAME},
                              timeout=60, follow_redirects=False) as client:
                entry = client.get(path)
                assert entry.status_code == 303, entry.text[:500]
                assert entry.headers["location"] == "/"
                cookie = entry.headers["set-cookie"]
                assert "HttpOnly" in cookie and "Secure" in cookie
                assert entry.headers["strict-transport-security"].startswith("max-age=")
                page = client.get("/")
                assert page.status_code == 200, page.text[:500]
                assert "市生态环境局鄠邑分局" in page.text
                assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
                assert client.get("/files/" + "0" * 64).status_code == 404
            # nginx itself refuses a body over the portal's limit, before it reaches the portal.
            found = re.search(r"client_max_body_size\s+(\d+)m;", SITE.read_text(encoding="utf-8"))
            assert found is not None
            answer = _post(site, "/steps/mobilize.work-plan/checkin", (int(found.group(1)) << 20) + 1)
            assert answer.startswith("HTTP/1.1 413") and "<center>nginx</center>" in answer, answer[:300]
            redirect = httpx.get(f"http://127.0.0.1:{site.http}/history", headers={"Host": SERVER_NAME}, follow_redirects=False)
            assert redirect.status_code == 301 and redirect.headers["location"] == f"https://{SERVER_NAME}/history"


def _post(site: Site, path: str, length: int) -> str:
    """What is answered to a POST announcing ``length`` bytes (none sent: nginx judges the header alone)."""
    tls = ssl.create_default_context(cafile=str(site.cert))
    with socket.create_connection(("127.0.0.1", site.https), timeout=30) as raw, \
            tls.wrap_socket(raw, server_hostname="127.0.0.1") as conn:
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: {SERVER_NAME}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                     f"Content-Length: {length}\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    return answer.decode("latin-1")
