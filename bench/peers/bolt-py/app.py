"""pacer's `/pacer list all`, on Slack's Bolt for Python: Bolt verifies the request's signature
(its default), the 50 priorities are read from SQLite (stdlib sqlite3), and the answer is an
ephemeral Block Kit message. A peer for bench/http/run.sh; see bench/README.md.

    PEER_DB=peers.db SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=xoxb-… \
    SLACK_API_BASE_URL=http://127.0.0.1:4100/api/ .venv/bin/python app.py 3102

Served the way Bolt's built-in adapter (`app.start()`) serves, with the standard library's
http.server, but threaded, with keep-alive, and bound to 127.0.0.1 only (`app.start()` binds
0.0.0.0 and answers one request at a time).
"""
import datetime
import json
import logging
import os
import sqlite3
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient

DB_PATH = os.environ.get("PEER_DB", "peers.db")
ACTIVE = """
  SELECT p.number, p.title, o.user_id, o.display_name, t.name,
         p.status, p.progress, p.due_date
    FROM priorities p
    JOIN workspaces w ON w.id = p.workspace_id
    JOIN people o ON o.id = p.owner_id
    JOIN teams t ON t.id = p.team_id
   WHERE w.external_id = ? AND p.status NOT IN ('done', 'dropped')
   ORDER BY p.number"""
STATUS = {
    "on-track": "🟢 On track",
    "at-risk": "🟡 At risk",
    "off-track": "🔴 Off track",
    "done": "✅ Done",
    "dropped": "⚪ Dropped",
}
SHOWN = 40  # as pacer: at most 40 lines, then "…and N more."
PER_SECTION_CHARS = 2500

_local = threading.local()


def db() -> sqlite3.Connection:
    """One connection a thread (sqlite3 connections are not shared across threads)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        if not os.path.exists(DB_PATH):
            raise SystemExit(f"no database at {DB_PATH}")
        conn = sqlite3.connect(DB_PATH)
        _local.conn = conn
    return conn


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def relative(due: str, today: datetime.date) -> str:
    days = (datetime.date.fromisoformat(due) - today).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days > 1:
        return f"in {days} days"
    return "1 day overdue" if days == -1 else f"{-days} days overdue"


def line(row, today) -> str:
    """`*#12* 🟡 At risk *Ship the beta* · <@U1> · Platform · 40% · due 2026-12-31 (in 38 days)`"""
    number, title, user_id, _name, team, status, progress, due = row
    due = f" · due {due} ({relative(due, today)})" if due else ""
    return (
        f"*#{number}* {STATUS.get(status, status)} *{escape(title)}* · <@{user_id}> · "
        f"{escape(team)} · {progress}%{due}"
    )


def list_all(team_id: str) -> dict:
    rows = db().execute(ACTIVE, (team_id,)).fetchall()
    today = datetime.datetime.now(datetime.timezone.utc).date()
    title = f"All active priorities ({len(rows)})"
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}]
    section, size = [], 0
    for row in rows[:SHOWN]:
        text = line(row, today)
        if section and size + len(text) > PER_SECTION_CHARS:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(section)}})
            section, size = [], 0
        section.append(text)
        size += len(text) + 40  # as pacer counts a line
    if section:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(section)}})
    if len(rows) > SHOWN:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {len(rows) - SHOWN} more."}]}
        )
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Next: `/pacer show #N` · `/pacer status #N at-risk 40% note` · `/pacer list stalled`",
                }
            ],
        }
    )
    return {"response_type": "ephemeral", "text": title, "blocks": blocks}


logging.basicConfig(level=logging.WARNING)
app = App(
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    # Bolt checks the token once (auth.test): against the local fake, never slack.com.
    client=WebClient(
        token=os.environ.get("SLACK_BOT_TOKEN", "xoxb-bench"),
        base_url=os.environ.get("SLACK_API_BASE_URL", "http://127.0.0.1:4100/api/"),
    ),
)


@app.command("/pacer")
def pacer(ack, command):
    text = (command.get("text") or "").strip()
    if text == "list all":
        ack(**list_all(command["team_id"]))
    else:
        ack(response_type="ephemeral", text="This peer answers only `/pacer list all`.")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as every load tool expects

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass

    def do_POST(self):
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        if path not in ("/slack/commands", "/slack/events"):
            self.send(404, {}, "")
            return
        resp = app.dispatch(BoltRequest(body=body, query=query, headers=self.headers))
        self.send(resp.status, resp.headers, resp.body)

    def send(self, status, headers, body):
        data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
        self.send_response(status)
        for k, vs in headers.items():
            if k.lower() == "content-length":
                continue
            for v in vs:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    port = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "3102"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"bolt-py peer on http://127.0.0.1:{port}/slack/commands", flush=True)
    server.serve_forever()
