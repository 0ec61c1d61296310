"""Local servers that stand in for the providers: an SMS gateway over HTTP and SMTP."""

from __future__ import annotations

import base64
import json
import socket
import threading
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from devtools.sms_gateway import make_server


class SmsGateway:
    """An HTTP SMS provider. Answers from `script` first (status, body) — or "hang", which
    holds the request until the test ends — then 200. Like real gateways, it drops a second
    message with a `client_ref` it already took (`received` counts every submission,
    `delivered` only the ones it passed on). `gate_after=n` blocks request n+1 until
    `release` is set, after setting `reached`, so a test can act mid-batch.
    `report_duplicates=True` models a provider that says so: a message whose key it already
    took is answered 409 with the first message's id."""

    def __init__(self, script=(), gate_after: int | None = None, report_duplicates=False):
        self.report_duplicates = report_duplicates
        self.ids: dict[str, str] = {}
        self.script = list(script)
        self.requests: list[dict] = []
        self.received: Counter = Counter()
        self.delivered: dict[str, dict] = {}
        self.lock = threading.Condition()
        self.release = threading.Event()
        self.reached = threading.Event()
        self.gate_after = gate_after
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                body["_auth"] = self.headers.get("Authorization", "")
                body["_idempotency_key"] = self.headers.get("Idempotency-Key", "")
                with gateway.lock:
                    gateway.requests.append(body)
                    gateway.received[body["client_ref"]] += 1
                    n = len(gateway.requests)
                    action = gateway.script.pop(0) if gateway.script else (200, None)
                    known = gateway.ids.get(body["client_ref"])
                if gateway.report_duplicates and known:
                    action = (409, {"error": "duplicate client_ref", "id": known})
                if gateway.gate_after is not None and n > gateway.gate_after:
                    gateway.reached.set()
                    gateway.release.wait(60)
                if action == "hang":
                    gateway.release.wait(60)
                    return
                status, payload = action
                if status == 200:
                    payload = payload or {"id": f"msg-{n}", "status": "accepted"}
                    with gateway.lock:
                        gateway.delivered.setdefault(body["client_ref"], body)
                        gateway.ids.setdefault(body["client_ref"], payload.get("id", ""))
                        gateway.lock.notify_all()
                data = json.dumps(payload or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def wait_delivered(self, count: int, timeout: float) -> bool:
        """Block until `count` distinct messages were delivered (or the timeout)."""
        with self.lock:
            return self.lock.wait_for(lambda: len(self.delivered) >= count, timeout)

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def basic(username: str, password: str) -> str:
        return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class BenchGateway:
    """The bench gateway of devtools, served from a thread of the test."""

    def __init__(self, delay: float = 0.0) -> None:
        self.server = make_server(delay=delay)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{self.base}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def call(self, path: str, method: str = "GET", body: bytes | None = None):
        data = body if body is not None else (b"" if method == "POST" else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())


class RecordingSmtpHandler:
    """Accepts mail, except to addresses it was told to refuse (with the given reply)."""

    def __init__(self):
        self.messages: list[dict] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {"to": list(envelope.rcpt_tos), "content": envelope.content.decode("utf-8", "replace")}
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.handler = RecordingSmtpHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
