#!/usr/bin/env python3
"""Copy one workspace's active priorities out of pacer's SQLite database into the small
database the peers read (bench/peers/schema.sql), so that every peer lists exactly what
pacer lists.

    python3 bench/peers/seed.py PACER_DB PEERS_DB [TEAM_ID]

Reads PACER_DB read-only (pacer may be running); replaces PEERS_DB.
"""
import os
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    src_path, dst_path = sys.argv[1], sys.argv[2]
    team_id = sys.argv[3] if len(sys.argv) > 3 else "T0BENCH"
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
    ws = src.execute(
        "SELECT id FROM workspaces WHERE platform = 'slack' AND external_id = ?", (team_id,)
    ).fetchone()
    if ws is None:
        print(f"no Slack workspace {team_id} in {src_path}", file=sys.stderr)
        return 1
    ws = ws[0]
    people = src.execute(
        "SELECT id, user_id, display_name FROM people WHERE workspace_id = ?", (ws,)
    ).fetchall()
    teams = src.execute("SELECT id, name FROM teams WHERE workspace_id = ?", (ws,)).fetchall()
    priorities = src.execute(
        "SELECT id, number, title, owner_id, team_id, due_date, status, progress "
        "FROM priorities WHERE workspace_id = ?",
        (ws,),
    ).fetchall()
    src.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(dst_path + suffix):
            os.remove(dst_path + suffix)
    dst = sqlite3.connect(dst_path)
    with open(os.path.join(HERE, "schema.sql"), encoding="utf-8") as f:
        dst.executescript(f.read())
    dst.execute("INSERT INTO workspaces (id, external_id) VALUES (1, ?)", (team_id,))
    dst.executemany(
        "INSERT INTO people (id, workspace_id, user_id, display_name) VALUES (?, 1, ?, ?)", people
    )
    dst.executemany("INSERT INTO teams (id, workspace_id, name) VALUES (?, 1, ?)", teams)
    dst.executemany(
        "INSERT INTO priorities (id, workspace_id, number, title, owner_id, team_id, due_date,"
        " status, progress) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
        priorities,
    )
    dst.commit()
    dst.execute("ANALYZE")
    dst.close()
    print(f"{dst_path}: {len(priorities)} priorities, {len(people)} people, {len(teams)} teams")
    return 0


if __name__ == "__main__":
    sys.exit(main())
