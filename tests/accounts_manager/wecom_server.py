"""A local fake of the 企业微信 API over real HTTP: the token handshake and 应用消息.

`GET /cgi-bin/gettoken?corpid=&corpsecret=` hands out a token (40013/40001 for a wrong corp id
or secret); `POST /cgi-bin/message/send?access_token=` checks the token (40014 unknown, 42001
expired — `expire_tokens()` ages every token handed out), the agent id, and the recipient
(81013 for a UserID outside `users`), then records the message. `script` holds errcodes the
next sends answer first (e.g. -1 system busy, 45009 rate limit).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

CORP_ID = "ww-test-corp"
SECRET = "test-secret"
AGENT_ID = 1000002


class WeComFake:
    def __init__(self, users=("zhangsan", "lisi"), script=(), expires_in: int = 7200) -> None:
        self.users = set(users)
        self.script: list[int] = list(script)
        self.expires_in = expires_in
        self.valid_tokens: set[str] = set()
        self.expired_tokens: set[str] = set()
        self.token_requests = 0
        self.send_requests: list[dict] = []
        self.messages: list[dict] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def _answer(self, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)  # the API answers 200 with an errcode
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path != "/cgi-bin/gettoken":
                    return self._answer({"errcode": 404, "errmsg": "not found"})
                self._answer(fake.gettoken(query))

            def do_POST(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if url.path != "/cgi-bin/message/send":
                    return self._answer({"errcode": 404, "errmsg": "not found"})
                self._answer(fake.send(query.get("access_token", ""), body))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- the API -------------------------------------------------------------------------------

    def gettoken(self, query: dict) -> dict:
        with self.lock:
            self.token_requests += 1
            if query.get("corpid") != CORP_ID:
                return {"errcode": 40013, "errmsg": "invalid corpid"}
            if query.get("corpsecret") != SECRET:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            token = f"token-{self.token_requests}"
            self.valid_tokens.add(token)
            return {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": token,
                "expires_in": self.expires_in,
            }

    def send(self, token: str, body: dict) -> dict:
        with self.lock:
            self.send_requests.append({"token": token, **body})
            if token in self.expired_tokens:
                return {"errcode": 42001, "errmsg": "access_token expired"}
            if token not in self.valid_tokens:
                return {"errcode": 40014, "errmsg": "invalid access_token"}
            if self.script:
                code = self.script.pop(0)
                return {"errcode": code, "errmsg": f"scripted error {code}"}
            if body.get("agentid") != AGENT_ID:
                return {"errcode": 40056, "errmsg": "invalid agentid"}
            if body.get("touser") not in self.users:
                return {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
            self.messages.append(body)
            return {"errcode": 0, "errmsg": "ok", "msgid": f"msg-{len(self.messages)}"}

    # --- what a test does ----------------------------------------------------------------------

    def expire_tokens(self) -> None:
        with self.lock:
            self.expired_tokens |= self.valid_tokens
            self.valid_tokens = set()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def turn_channel_on(settings, base: str = "http://127.0.0.1:9") -> None:
    """The WeCom settings of a test (the API base: a fake's, or nothing listening)."""
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_SECRET = SECRET
    settings.WECOM_AGENT_ID = str(AGENT_ID)
    settings.WECOM_API_BASE = base
