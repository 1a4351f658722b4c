"""A tiny OpenAI-compatible stand-in on 127.0.0.1 (port 0) for fault tests: scripted status, body and delay.

Each POST to /v1/chat/completions takes the next scripted `Reply` (the last one repeats) and is
recorded (monotonic time, headers, JSON body), so tests can count requests and read what was sent.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(content: str, prompt_tokens: int = 50, completion_tokens: int = 9) -> dict:
    """An OpenAI chat.completion body whose message is `content`."""
    return {"id": "chatcmpl-stand-in", "object": "chat.completion", "created": 0, "model": "stand-in",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


@dataclass(frozen=True)
class Reply:
    """One scripted answer: HTTP status, body (a dict is sent as JSON), extra headers, delay before answering."""

    status: int = 200
    body: dict | str = field(default_factory=lambda: completion('{"decision": "accept", "reason": "fine"}'))
    headers: tuple = ()
    delay: float = 0.0
    content_type: str = "application/json"


@dataclass
class Seen:
    """One request the stand-in received."""

    at: float
    headers: dict      # names in lower case
    body: dict


def _is_position(body: dict) -> bool:
    """A round-0 position request (its schema is StakeholderPosition), whatever form the schema takes."""
    return "StakeholderPosition" in json.dumps(body.get("response_format") or {})


def _criteria(body: dict) -> dict[str, int]:
    """A valid stated importance (5) for every criterion the position schema asks for."""
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema") or {}
    props = ((schema.get("$defs") or {}).get("StatedPriorities") or {}).get("properties") or {}
    return {c: 5 for c in props}


class StandIn:
    """The server: `with StandIn([Reply(429), Reply(500), Reply()]) as s: ... s.url, s.seen`."""

    def __init__(self, script: list[Reply]):
        self.script = list(script)
        self.seen: list[Seen] = []          # every request but the round-0 positions
        self.positions: list[dict] = []     # bodies of the position requests (answered with a default)
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):   # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                with stand_in.lock:
                    if _is_position(body):      # round-0 positions are answered outside the script
                        stand_in.positions.append(body)
                        reply = Reply(body=completion(json.dumps({"priorities": _criteria(body), "reason": "our position"})))
                    else:
                        stand_in.seen.append(Seen(time.monotonic(), {k.lower(): v for k, v in self.headers.items()},
                                                  body))
                        reply = stand_in.script[min(len(stand_in.seen), len(stand_in.script)) - 1]
                time.sleep(reply.delay)
                data = (json.dumps(reply.body) if isinstance(reply.body, dict) else reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", reply.content_type)
                    self.send_header("content-length", str(len(data)))
                    for k, v in reply.headers:
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):   # the client gave up (timeout)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL (`http://127.0.0.1:PORT/v1`)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> "StandIn":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def loopback_only(monkeypatch) -> None:
    """Make any name lookup or socket connection to a host other than 127.0.0.1 / ::1 fail the test."""
    real, real_lookup = socket.socket.connect, socket.getaddrinfo
    loopback = ("127.0.0.1", "::1", "localhost")

    def getaddrinfo(host, *args, **kwargs):
        if host not in loopback:
            raise AssertionError(f"a test tried to look up {host}")
        return real_lookup(host, *args, **kwargs)

    def connect(sock, address):
        if isinstance(address, tuple) and address[0] not in loopback:   # (unix sockets are local)
            raise AssertionError(f"a test tried to reach {address}")
        return real(sock, address)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
