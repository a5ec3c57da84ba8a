#!/usr/bin/env python3
"""Requests shaped and signed as Slack sends them (v0: HMAC-SHA256 over `v0:{ts}:{body}` with
the signing secret), for bench/http/*.sh. The slash command form has the fields, in the
order, that `pacer slack send command` sends.

    slackreq.py command --secret S --team T --user U --channel C --text "list all" \
                        --response-base http://127.0.0.1:4100/response --out body.txt
        writes the form body to --out; prints "<timestamp> <signature>"
    slackreq.py home --secret S --team T --users U2-U101 --count 100000 --out events.tsv
        writes --count distinct app_home_opened events (fresh event ids, users in turn), one a
        line: "<timestamp>\\t<signature>\\t<JSON body>"
Signatures are good for five minutes: make them right before the load.
"""
import argparse
import hashlib
import hmac
import json
import sys
import time
import urllib.parse
import uuid


def sign(secret: str, ts: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return "v0=" + mac.hexdigest()


def users(spec: str) -> list:
    out = []
    for part in spec.split(","):
        if "-" in part:
            lo, hi = part.split("-", 1)
            prefix = lo.rstrip("0123456789")
            for n in range(int(lo[len(prefix):]), int(hi.lstrip(prefix)) + 1):
                out.append(f"{prefix}{n}")
        elif part:
            out.append(part)
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("what", choices=["command", "home"])
    p.add_argument("--secret", required=True)
    p.add_argument("--team", default="T0BENCH")
    p.add_argument("--user", default="U0001")
    p.add_argument("--users", default="U0001")
    p.add_argument("--channel", default="C0001")
    p.add_argument("--text", default="help")
    p.add_argument("--response-base", default="https://hooks.slack.com")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    now = int(time.time())
    ts = str(now)
    if a.what == "command":
        trigger = f"{now}.1.{uuid.uuid4().hex[:8]}"
        fields = [
            ("token", "pacer-bench"),
            ("team_id", a.team),
            ("team_domain", "bench"),
            ("channel_id", a.channel),
            ("channel_name", "general"),
            ("user_id", a.user),
            ("user_name", a.user.lower()),
            ("command", "/pacer"),
            ("text", a.text.replace("&", "&amp;")),
            ("api_app_id", "A0PACER"),
            ("is_enterprise_install", "false"),
            ("response_url", f"{a.response_base.rstrip('/')}/commands/{a.team}/{now}/{uuid.uuid4().hex}"),
            ("trigger_id", trigger),
        ]
        body = urllib.parse.urlencode(fields).encode()
        with open(a.out, "wb") as f:
            f.write(body)
        print(ts, sign(a.secret, ts, body))
        return 0
    people = users(a.users)
    with open(a.out, "w", encoding="utf-8") as f:
        for i in range(a.count):
            user = people[i % len(people)]
            body = json.dumps(
                {
                    "token": "pacer-bench",
                    "team_id": a.team,
                    "api_app_id": "A0PACER",
                    "event": {
                        "type": "app_home_opened",
                        "user": user,
                        "channel": "D" + user[1:],
                        "tab": "home",
                        "event_ts": f"{now}.{i:06d}",
                    },
                    "type": "event_callback",
                    "event_id": "Ev" + uuid.uuid4().hex[:12].upper(),
                    "event_time": now,
                    "authorizations": [{"team_id": a.team, "user_id": "U0BOT", "is_bot": True}],
                    "is_ext_shared_channel": False,
                },
                separators=(",", ":"),
            ).encode()
            f.write(f"{ts}\t{sign(a.secret, ts, body)}\t{body.decode()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
