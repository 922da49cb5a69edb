# liangshan — one entry point for people and CI. Every target installs what it needs first.
SHELL  := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# No network beyond package registries here: Prefect must not phone home.
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 90

.PHONY: install run services test lint typecheck bench check clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@echo "==> 安装：创建 $(VENV) 并安装 liangshan 及开发依赖 / install: .venv with liangshan[dev]"
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "liangshan needs Python >= 3.11"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# compat mode puts the checkout on sys.path, so new packages need no reinstall.
	@# (this machine's pip.conf names local mirrors that may be absent; their warnings are noise)
	@$(BIN)/python -m pip install --quiet --upgrade pip 2>&1 | { grep -v "^WARNING: Location" || true; }
	@$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat 2>&1 | { grep -v "^WARNING: Location" || true; }
	@$(BIN)/python -c 'import cli.main, prefect, sqlalchemy, apprise, pendulum' || (echo "install failed"; exit 1)
	@touch $(STAMP)

# The first run shows a real board from EXAMPLE data, kept apart from any real home.
RUN_HOME ?= .liangshan-example
PORTAL_ENV := LIANGSHAN_PORTAL_URL=http://127.0.0.1:8700

run: install
	@echo "==> 运行：初始化示例库、导入示例进展、运行一次每日重算 / run: example home, sample history, one reconcile"
	@echo "    (示例数据 example data: config/examples/huyi-sample-{events,indicators,cases}.yaml, home $(RUN_HOME))"
	@LIANGSHAN_HOME=$(RUN_HOME) $(BIN)/liangshan init
	@LIANGSHAN_HOME=$(RUN_HOME) $(BIN)/liangshan import config/examples/huyi-sample-events.yaml
	@LIANGSHAN_HOME=$(RUN_HOME) $(BIN)/liangshan indicator import config/examples/huyi-sample-indicators.yaml
	@LIANGSHAN_HOME=$(RUN_HOME) $(BIN)/liangshan case import config/examples/huyi-sample-cases.yaml
	@# tick exits 1 when steps are overdue: a finding, not a failure of the run
	@rc=0; LIANGSHAN_HOME=$(RUN_HOME) $(BIN)/liangshan tick || rc=$$?; [ $$rc -le 1 ]
	@LIANGSHAN_HOME=$(RUN_HOME) $(BIN)/liangshan status
	@# The portal (报送入口) of the example home: its own random secret key (never a built-in default), kept
	@# beside the example database with mode 600; one bureau's link and the office's, and how to start it.
	@# (`liangshan link` says whose link it is on stderr and prints only the URL on stdout.)
	@mkdir -p $(RUN_HOME)
	@test -s $(RUN_HOME)/secret.key || (umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(48))" > $(RUN_HOME)/secret.key)
	@chmod 600 $(RUN_HOME)/secret.key
	@echo "==> 报送入口 / portal: 示例链接，30天内有效；链接即身份凭证，请勿转发 / example links, valid 30 days (a link is a credential)"
	@url=$$(LIANGSHAN_HOME=$(RUN_HOME) LIANGSHAN_SECRET_KEY=$$(cat $(RUN_HOME)/secret.key) $(PORTAL_ENV) $(BIN)/liangshan link eco --days 30); echo "    $$url"
	@url=$$(LIANGSHAN_HOME=$(RUN_HOME) LIANGSHAN_SECRET_KEY=$$(cat $(RUN_HOME)/secret.key) $(PORTAL_ENV) $(BIN)/liangshan link office --days 30); echo "    $$url"
	@echo "    启动报送入口后在浏览器中打开上面的链接 / start the portal, then open a link above:"
	@echo '    LIANGSHAN_HOME=$(RUN_HOME) LIANGSHAN_SECRET_KEY=$$(cat $(RUN_HOME)/secret.key) $(PORTAL_ENV) $(BIN)/liangshan web'

# What the tests talk to: PostgreSQL on 127.0.0.1:5432 (started if it is installed but down), Debian's
# chromium with CJK and emoji fonts for the browser tests, and Debian's nginx for the deploy/ checks (installed
# if missing; needs root and apt). apt waits up to 10 minutes for another apt run's lock instead of failing.
APT := DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3

services:
	@echo "==> 测试依赖 / test services: PostgreSQL, chromium, CJK fonts, nginx"
	@if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && ls /etc/postgresql >/dev/null 2>&1; then \
		echo "    starting PostgreSQL"; \
		pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n 1)" main start || true; \
		for i in $$(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done; \
	fi
	@# (grep reads all of fc-list's output: `grep -q` would stop early, and under pipefail the SIGPIPE that
	@# fc-list then gets would read as "font missing")
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null \
		|| ! fc-list 2>/dev/null | grep -i "Noto Color Emoji" >/dev/null; then \
		echo "    installing chromium, fonts-noto-cjk and fonts-noto-color-emoji (Debian)"; \
		$(APT) install -y -q chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1 || \
		{ $(APT) update -q >/dev/null && $(APT) install -y -q chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null; }; \
	fi
	@# The tests run nginx themselves on free ports; a system nginx the package starts on port 80 is stopped again.
	@if ! command -v nginx >/dev/null 2>&1 && ! test -x /usr/sbin/nginx; then \
		echo "    installing nginx (Debian)"; \
		$(APT) install -y -q nginx >/dev/null 2>&1 || { $(APT) update -q >/dev/null && $(APT) install -y -q nginx >/dev/null; }; \
		invoke-rc.d nginx stop >/dev/null 2>&1 || true; \
	fi

# pytest-xdist workers, each taking whole files (a module's server is started once), in the order
# tests/conftest.py gives them (costliest first), not xdist's default of the files with most tests first.
# Three on this 2-core machine: much of the suite waits on servers, subprocesses and heartbeats, and a third
# worker fills those waits (measured: 2 workers 14 min 40 s at 173 % CPU, 3 workers 13 min 3 s at 182 %).
TEST_WORKERS ?= 3

test: install services
	@echo "==> 测试 / test: pytest (SQLite and PostgreSQL, a real Prefect server, headless chromium), $(TEST_WORKERS) workers"
	@$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: install
	@echo "==> 代码检查 / lint: ruff"
	@$(BIN)/ruff check .

typecheck: install
	@echo "==> 类型检查 / typecheck: mypy"
	@$(BIN)/mypy

bench: install
	@echo "==> 基准测试 / bench: bench/*.py"
	@for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
