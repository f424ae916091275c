"""A stand-in for vLLM's OpenAI-compatible server: a real HTTP server, stdlib only.

Takes the flags ``vllm.entrypoints.openai.api_server`` takes (``--model/--host/--port``;
others are ignored) and serves ``GET /v1/models`` and ``POST /v1/chat/completions``,
answering ``echo: <last user text>``. Test-only flags:

``--startup-delay S``   sleep before listening (a model that takes time to load);
``--crash MESSAGE``     print MESSAGE to stderr and exit 3 instead of serving;
``--fail STATUS[:RETRY_AFTER]``  answer the next chat request with this error (repeatable);
``--record PATH``       append every chat request body to PATH as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--startup-delay", type=float, default=0.0)
    parser.add_argument("--crash")
    parser.add_argument("--fail", action="append", default=[])
    parser.add_argument("--record")
    args, _ = parser.parse_known_args()
    return args


def last_user_text(messages: list[dict[str, Any]]) -> str:
    content = [m for m in messages if m["role"] == "user"][-1]["content"]
    return (
        content if isinstance(content, str) else " ".join(p["text"] for p in content if p["type"] == "text")
    )


def make_handler(args: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    failures = list(args.fail)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            if self.path != "/v1/models":
                self.send_json(404, {"error": {"message": f"no route {self.path}"}})
                return
            self.send_json(200, {"object": "list", "data": [{"id": args.model, "object": "model"}]})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            if args.record:
                with open(args.record, "a") as record:
                    record.write(
                        json.dumps({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                        + "\n"
                    )
            if failures:
                status, _, retry_after = failures.pop(0).partition(":")
                headers = {"retry-after": retry_after} if retry_after else {}
                self.send_json(int(status), {"error": {"message": f"scripted failure {status}"}}, headers)
                return
            if body["model"] != args.model:
                self.send_json(404, {"error": {"message": f"The model `{body['model']}` does not exist."}})
                return
            text = "echo: " + last_user_text(body["messages"])
            prompt = sum(len(str(m["content"]).split()) for m in body["messages"])
            completion = len(text.split())
            self.send_json(
                200,
                {
                    "id": "cmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": args.model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                    },
                },
            )

    return Handler


def main() -> None:
    args = parse()
    if args.crash:
        print(args.crash, file=sys.stderr)
        sys.exit(3)
    time.sleep(args.startup_delay)
    ThreadingHTTPServer((args.host, args.port), make_handler(args)).serve_forever()


if __name__ == "__main__":
    main()
