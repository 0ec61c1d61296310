"""`manage.py bench_load`: the pages people use most, under load, on gunicorn as `make run` runs it.

It starts gunicorn with the `web:` line of the Procfile (the command `make run` serves the
product with; its settings are in config/gunicorn.conf.py, which the production image uses
too) on a free port, with this process's environment (settings module, DATABASE_URL, ...).
It signs in the simulated users up front (sessions written straight into the session store,
as the test client's force_login does: the login and its password hash are not part of the
loop), warms each page, then runs `--clients` closed-loop clients per page for `--duration`
seconds: each client is a thread with its own keep-alive connection (requests.Session) and its
own session cookie, sending the next request as soon as the previous answer arrived, with no
think time. That is what "50 concurrent clients" means here: 50 requests in flight at any
moment, the server's throughput is the request rate.

Pages and who asks for them:

- `customers`: the customers list (`/customers/`), by account managers (their portfolio);
- `customer`: a customer's 360 page (`/customers/<id>/`), by account managers, a random
  customer of their portfolio on each request;
- `my_day`: the managers' work queue (`/my-day/`);
- `dashboard`: the supervisors' dashboard (`/dashboard/`), half of the clients as a supervisor
  of all regions, half as a supervisor of one region.

The clients sign in as the demo users (`manage.py seed_demo`: mgr01 … mgr08, sup_all,
sup_east) round-robin, one session per client. Each page's latencies (time to the whole
answer) are reported as p50/p95/p99 with the request rate, against `--target-ms` (300 ms p95).
A non-200 answer counts as an error.

Run it on the demo database, never on one people use (it writes sessions):

    DATABASE_URL=postgres://…/crm_load_demo DJANGO_SETTINGS_MODULE=config.settings.local \
        .venv/bin/python manage.py bench_load --duration 20
"""

from __future__ import annotations

import os
import random
import re
import runpy
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError

from accounts_manager.models import User
from customers.models import Customer
from devtools.bench_results import percentile, record

try:  # a development dependency: without it there is no server CPU figure
    import psutil
except ImportError:  # pragma: no cover
    psutil = None

PAGES = ("customers", "customer", "my_day", "dashboard")
MANAGERS = tuple(f"mgr{n:02d}" for n in range(1, 9))
SUPERVISORS = ("sup_all", "sup_east")


@dataclass
class Client:
    """One simulated user: a session cookie and the URLs it asks for."""

    cookie: str
    urls: list[str]


@dataclass
class Result:
    page: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    load_before: float = 0.0
    server_cpu_seconds: float | None = None

    def percentile(self, share: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        return percentile(self.latencies_ms, share)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_web_command(port: int) -> list[str]:
    """The `web:` command of the Procfile with the port filled in."""
    procfile = Path(settings.BASE_DIR) / "Procfile"
    for line in procfile.read_text().splitlines():
        if line.startswith("web:"):
            command = re.sub(r"\$\{CRM_PORT(:-\d+)?\}", str(port), line[4:].strip())
            return shlex.split(command)
    raise CommandError("The Procfile has no web: line.")


def _tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by a process and its children (gunicorn's master and workers),
    or None without psutil (a development dependency) or without the process."""
    if not pid:
        return None
    if psutil is None:
        return None
    try:
        root = psutil.Process(pid)
        total = 0.0
        for proc in [root, *root.children(recursive=True)]:
            times = proc.cpu_times()
            total += times.user + times.system
        return total
    except psutil.Error:  # the process is gone: no figure
        return None


def _session_for(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return session.session_key


class Command(BaseCommand):
    help = "50 concurrent clients on the busiest pages, on gunicorn as `make run` starts it."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=50, help="Concurrent clients.")
        parser.add_argument("--duration", type=float, default=20.0, help="Seconds per page.")
        parser.add_argument("--warmup", type=float, default=3.0, help="Warm-up seconds per page.")
        parser.add_argument("--pages", default=",".join(PAGES), help="Comma-separated pages.")
        parser.add_argument("--target-ms", type=float, default=300.0, help="p95 target.")
        parser.add_argument(
            "--url", default="", help="Load a server already running there instead of one's own."
        )
        parser.add_argument(
            "--server-log", default="", help="Where gunicorn's output goes (default: discarded)."
        )
        parser.add_argument(
            "--server-pid",
            type=int,
            default=0,
            help="With --url: the gunicorn master whose CPU time to count per answer.",
        )
        parser.add_argument("--markdown", action="store_true", help="Print a Markdown table.")

    def handle(self, *args, **options):
        pages = [p.strip() for p in options["pages"].split(",") if p.strip()]
        unknown = set(pages) - set(PAGES)
        if unknown:
            raise CommandError(f"Unknown pages: {', '.join(sorted(unknown))} (of {PAGES}).")
        if options["clients"] < 1 or options["duration"] <= 0:
            raise CommandError("--clients and --duration must be positive.")
        clients = {page: self._clients(page, options["clients"]) for page in pages}
        server = None
        # A `timeout` or Ctrl-C stops the server too (the `finally` below).
        signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
        base_url = options["url"].rstrip("/")
        if not base_url:
            port = _free_port()
            base_url = f"http://127.0.0.1:{port}"
            server = self._start_server(port, options["server_log"])
        try:
            self._wait_until_up(base_url, server)
            pid = server.pid if server is not None else options["server_pid"]
            results = [
                self._load(
                    page, base_url, clients[page], options["warmup"], options["duration"], pid
                )
                for page in pages
            ]
        finally:
            if server is not None:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
        self._report(results, options["clients"], options["target_ms"], options["markdown"])

    # --- the simulated users -----------------------------------------------------------------

    def _users(self, usernames: tuple[str, ...]) -> list[User]:
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        missing = [name for name in usernames if name not in users]
        if missing:
            raise CommandError(
                f"Missing demo users {', '.join(missing)}: run `manage.py seed_demo` first."
            )
        return [users[name] for name in usernames]

    def _clients(self, page: str, count: int) -> list[Client]:
        users = self._users(SUPERVISORS if page == "dashboard" else MANAGERS)
        clients = []
        for n in range(count):
            user = users[n % len(users)]
            if page == "customers":
                urls = ["/customers/"]
            elif page == "my_day":
                urls = ["/my-day/"]
            elif page == "dashboard":
                urls = ["/dashboard/"]
            else:
                ids = list(
                    Customer.objects.visible_to(user).order_by("pk").values_list("pk", flat=True)
                )
                if not ids:
                    raise CommandError(f"{user.username} has no customers.")
                urls = [f"/customers/{pk}/" for pk in ids]
            clients.append(Client(cookie=_session_for(user), urls=urls))
        return clients

    # --- the server --------------------------------------------------------------------------

    def _start_server(self, port: int, log: str) -> subprocess.Popen:
        command = procfile_web_command(port)
        self.stdout.write(f"Starting: {shlex.join(command)}")
        if "-c" in command:
            conf = runpy.run_path(str(Path(settings.BASE_DIR) / command[command.index("-c") + 1]))
            self.stdout.write(
                "  {worker_class} workers: {workers}, threads: {threads}, "
                "keep-alive: {keepalive} s".format(**conf)
            )
        output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
        return subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"]},
            stdout=output,
            stderr=subprocess.STDOUT,
        )

    def _wait_until_up(self, base_url: str, server: subprocess.Popen | None) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server is not None and server.poll() is not None:
                raise CommandError(f"gunicorn stopped with status {server.returncode}.")
            try:
                if requests.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise CommandError(f"No answer from {base_url}/healthz within 60 s.")

    # --- the load ----------------------------------------------------------------------------

    def _load(
        self,
        page: str,
        base_url: str,
        clients: list[Client],
        warmup: float,
        duration: float,
        server_pid: int,
    ) -> Result:
        result = Result(page=page, load_before=os.getloadavg()[0])
        lock = threading.Lock()
        start = threading.Barrier(len(clients) + 1)
        phase = {"measuring": False, "stop": False}

        def run(client: Client, seed: int) -> None:
            rng = random.Random(seed)
            http = requests.Session()
            http.cookies.set(settings.SESSION_COOKIE_NAME, client.cookie)
            start.wait()
            while not phase["stop"]:
                url = base_url + rng.choice(client.urls)
                began = time.perf_counter()
                try:
                    response = http.get(url, allow_redirects=False, timeout=60)
                    ok = response.status_code == 200
                except requests.RequestException:
                    ok = False
                elapsed = (time.perf_counter() - began) * 1000
                if phase["measuring"] and not phase["stop"]:
                    with lock:
                        if ok:
                            result.latencies_ms.append(elapsed)
                        else:
                            result.errors += 1
            http.close()

        threads = [
            threading.Thread(target=run, args=(client, n), daemon=True)
            for n, client in enumerate(clients)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        time.sleep(warmup)
        cpu_before = _tree_cpu_seconds(server_pid)
        phase["measuring"] = True
        began = time.perf_counter()
        time.sleep(duration)
        phase["stop"] = True
        result.seconds = time.perf_counter() - began
        cpu_after = _tree_cpu_seconds(server_pid)
        if cpu_before is not None and cpu_after is not None:
            result.server_cpu_seconds = cpu_after - cpu_before
        for thread in threads:
            thread.join(timeout=70)
        self.stdout.write(
            f"  {page}: {len(result.latencies_ms)} answers, {result.errors} errors "
            f"(load average before: {result.load_before:.2f})"
        )
        return result

    # --- the report --------------------------------------------------------------------------

    def _report(self, results: list[Result], clients: int, target: float, markdown: bool) -> None:
        cpus = os.cpu_count()
        self.stdout.write(
            f"{clients} closed-loop clients per page, no think time; {cpus} CPUs; "
            f"load average now {os.getloadavg()[0]:.2f}"
        )
        header = (
            "page",
            "answers",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "errors",
            "server CPU ms/req",
            "p95 target",
        )
        rows = []
        for r in results:
            p95 = r.percentile(0.95)
            record(
                "under load",
                f"{clients} clients, {r.page}",
                f"p95 {p95:.0f} ms, {len(r.latencies_ms) / r.seconds:.0f} req/s, {r.errors} errors",
                f"p95 ≤ {target:.0f} ms",
                p95 <= target and not r.errors,
            )
            rows.append(
                (
                    r.page,
                    str(len(r.latencies_ms)),
                    f"{len(r.latencies_ms) / r.seconds:.1f}",
                    f"{r.percentile(0.50):.0f}",
                    f"{p95:.0f}",
                    f"{r.percentile(0.99):.0f}",
                    str(r.errors),
                    f"{r.server_cpu_seconds * 1000 / len(r.latencies_ms):.1f}"
                    if r.server_cpu_seconds is not None and r.latencies_ms
                    else "-",
                    f"≤ {target:.0f} {'ok' if p95 <= target and not r.errors else 'MISSED'}",
                )
            )
        if markdown:
            self.stdout.write("| " + " | ".join(header) + " |")
            self.stdout.write("| --- " + "| ---: " * (len(header) - 2) + "| --- |")
            for row in rows:
                self.stdout.write("| " + " | ".join(row) + " |")
        else:
            widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
            self.stdout.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
            for row in rows:
                self.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if any(r.latencies_ms for r in results):
            every = [ms for r in results for ms in r.latencies_ms]
            self.stdout.write(f"all pages: median {statistics.median(every):.0f} ms")
