"""A local SMS gateway for benchmarks: answers every message after a fixed delay and counts.

It speaks what `outages.channels.sms.HttpSmsSender` sends (a JSON POST of `to`, `text`,
`template_id` and `client_ref`, the idempotency key, also in the `Idempotency-Key` header) and
answers `{"id": ..., "status": "accepted"}` after `--delay-ms` (20 ms by default), like a
provider whose API takes that long. It counts the messages per (recipient, key): a key it
already took is answered `{"status": "duplicate"}` with the first message's id — as real
gateways drop a resend — and counted as a duplicate, so a benchmark reads at the gateway how
many messages arrived, how many twice, and (against the keys it expected) how many never did.

    python -m devtools.sms_gateway --port 8025 --delay-ms 20

`GET /stats` gives the counts, `GET /keys` every key taken, `POST /reset` clears them; any other
POST is a message. Keep-alive HTTP/1.1 and one thread per connection, so the delay does not
serialise the senders. Standard library only; no Django.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Counts:
    """What the gateway took: messages per (recipient, key), in a thread-safe way."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.taken: Counter[tuple[str, str]] = Counter()
            self.ids: dict[str, str] = {}
            self.requests = 0
            self.rejected = 0
            self.first_at: float | None = None
            self.last_at: float | None = None

    def take(self, recipient: str, key: str) -> tuple[str, bool]:
        """Record one message; returns its provider id and whether the key was new."""
        now = time.time()
        with self.lock:
            self.requests += 1
            self.taken[(recipient, key)] += 1
            self.first_at = self.first_at or now
            self.last_at = now
            known = self.ids.get(key)
            if known is not None:
                return known, False
            self.ids[key] = f"bench-{len(self.ids) + 1}"
            return self.ids[key], True

    def reject(self) -> None:
        with self.lock:
            self.requests += 1
            self.rejected += 1

    def stats(self) -> dict:
        with self.lock:
            span = (self.last_at - self.first_at) if self.first_at and self.last_at else 0.0
            messages = len(self.ids)
            return {
                "requests": self.requests,
                "messages": messages,
                "recipients": len({recipient for recipient, _key in self.taken}),
                # Every submission beyond the first of a (recipient, key).
                "duplicates": sum(n - 1 for n in self.taken.values() if n > 1),
                "duplicate_keys": sum(1 for n in self.taken.values() if n > 1),
                "rejected": self.rejected,
                "first_at": self.first_at,
                "last_at": self.last_at,
                "rate": (messages / span) if span > 0 else 0.0,
            }

    def keys(self) -> list[str]:
        with self.lock:
            return list(self.ids)


def make_server(host: str = "127.0.0.1", port: int = 0, delay: float = 0.02) -> ThreadingHTTPServer:
    """A gateway server (not yet serving); `server.counts` holds its counts."""
    counts = Counts()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a sender's session reuses its connection
        # Headers and body are two writes: with Nagle's algorithm the body would wait for the
        # client's delayed ACK of the headers (40 ms), twice the answer time.
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:  # one line per message would be the bottleneck
            pass

        def _answer(self, status: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.startswith("/stats"):
                self._answer(200, counts.stats())
            elif self.path.startswith("/keys"):
                self._answer(200, counts.keys())
            else:
                self._answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith("/reset"):
                counts.reset()
                self._answer(200, {"reset": True})
                return
            time.sleep(delay)  # the provider's own time; a thread per connection waits it
            try:
                body = json.loads(raw)
                recipient, key = str(body["to"]), str(body["client_ref"])
            except (ValueError, KeyError, TypeError):
                counts.reject()
                self._answer(400, {"error": "expected JSON with to and client_ref"})
                return
            if not recipient or not key:
                counts.reject()
                self._answer(400, {"error": "to and client_ref must not be empty"})
                return
            provider_id, new = counts.take(recipient, key)
            self._answer(200, {"id": provider_id, "status": "accepted" if new else "duplicate"})

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        # Many workers connect at once when a batch starts; the default backlog of 5 would
        # make some of them wait a second for a SYN retry.
        request_queue_size = 256

    server = Server((host, port), Handler)
    server.counts = counts  # type: ignore[attr-defined]
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025, help="0 picks a free port")
    parser.add_argument("--delay-ms", type=float, default=20.0)
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, args.delay_ms / 1000)
    port = server.server_address[1]
    print(f"SMS gateway on http://{args.host}:{port}/send, {args.delay_ms:g} ms", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
