#!/usr/bin/env bash
# Slash commands over HTTP, pacer beside its peers (bench/README.md, "Slash commands over HTTP,
# beside the peers"). Builds nothing: give it a release build of pacer.
#
#   bench/http/run.sh
#
# Environment:
#   PACER_BIN            pacer binary (default target/release/pacer)
#   AXUM_BARE_BIN        the bare axum peer (default target/release/axum-bare, or
#                        bench/peers/axum-bare/target/release/axum-bare)
#   BENCH_TARGETS        which of "pacer bolt-js bolt-py axum-bare" (default all)
#   BENCH_CONNECTIONS    32    BENCH_DURATION  10 (s)   BENCH_WARMUP  2 (s, 0 for none)
#   BENCH_THREADS        2 (load tool threads)   BENCH_TOOL  oha|wrk (default: oha if on PATH)
#   BENCH_PORT_BASE      4100 (the fake Slack API; pacer and the peers on the next four ports)
#   BENCH_KEEP=1         keep the temporary directory (databases, logs)
#   BENCH_LABEL          what to call the pacer build in the table's title (default PACER_BIN)
#
# Each target gets the same signed `/pacer list all` (50 active priorities in one team), with
# CONNECTIONS connections for DURATION seconds, after a WARMUP. pacer also answers `help`.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_DIR"

PACER_BIN="${PACER_BIN:-target/release/pacer}"
CONNS="${BENCH_CONNECTIONS:-32}"
DURATION="${BENCH_DURATION:-10}"
TARGETS="${BENCH_TARGETS:-pacer bolt-js bolt-py axum-bare}"
TEAM=T0BENCH
PRIORITIES=50
OWNERS=(U1001 U1002 U1003 U1004 U1005)

[[ -x "$PACER_BIN" ]] || { log "no pacer at $PACER_BIN: cargo build --release, or set PACER_BIN"; exit 1; }
PACER_BIN="$(cd "$(dirname "$PACER_BIN")" && pwd)/$(basename "$PACER_BIN")"
pick_tool
WORK="$(mktemp -d /tmp/pacer-bench-http.XXXXXX)"
trap cleanup EXIT

log "load: $TOOL, $CONNS connections, ${DURATION} s (warm-up ${WARMUP} s); work in $WORK"
start_fake
start_pacer "sqlite://$WORK/pacer.db" $((PORT_BASE + 1))

# Seed through pacer's own CLI, as Slack would send it: a team, 50 priorities with owners and
# due dates, then each owner's status update.
log "seeding $PRIORITIES priorities through pacer slack send…"
VERBS=(Ship Migrate Hire Launch Reduce Automate Document Replace Audit Consolidate)
THINGS=("the billing service" "on-call rotations" "two platform engineers" "the EU region"
    "p99 checkout latency" "release notes" "the onboarding guide" "the legacy queue"
    "access reviews" "the data warehouses")
STATUSES=(on-track on-track at-risk on-track off-track)
send_as U0001 "team add Platform" >/dev/null
for ((i = 1; i <= PRIORITIES; i++)); do
    owner=${OWNERS[$(((i - 1) % ${#OWNERS[@]}))]}
    title="${VERBS[$(((i - 1) % 10))]} ${THINGS[$(((i * 3) % 10))]} (step $(((i - 1) / 10 + 1)))"
    send_as U0001 "add $title <@$owner> team:Platform due:2027-0$(((i % 6) + 1))-15" >/dev/null
done
for ((i = 1; i <= PRIORITIES; i++)); do
    owner=${OWNERS[$(((i - 1) % ${#OWNERS[@]}))]}
    send_as "$owner" "status #$i ${STATUSES[$((i % 5))]} $(((i * 7) % 100))% weekly update" >/dev/null
done
listed=$(send_as U0001 "list all")
[[ "$listed" == *"All active priorities ($PRIORITIES)"* ]] || { log "pacer does not list $PRIORITIES priorities:"; log "$listed"; exit 1; }
python3 "$BENCH_DIR/peers/seed.py" "$WORK/pacer.db" "$WORK/peers.db" "$TEAM" >&2

want() { [[ " $TARGETS " == *" $1 "* ]]; }

peer_env=(PEER_DB="$WORK/peers.db" SLACK_SIGNING_SECRET="$SECRET" SLACK_BOT_TOKEN="$BOT_TOKEN"
    SLACK_API_BASE_URL="$FAKE_URL/api/")
LIST_EXPECT="All active priorities ($PRIORITIES)"

if want pacer; then
    sign_command U0001 "help"
    check_command "$PACER_URL" "list" || exit 1
    measure pacer help "$PACER_URL" /slack/commands "$PACER_PID" "$CONNS" "$DURATION"
    sign_command U0001 "list all"
    check_command "$PACER_URL" "$LIST_EXPECT" || exit 1
    measure pacer "list all" "$PACER_URL" /slack/commands "$PACER_PID" "$CONNS" "$DURATION"
fi

if want bolt-js; then
    dir="$BENCH_DIR/peers/bolt-js"
    if [[ -d "$dir/node_modules/@slack/bolt" && -d "$dir/node_modules/better-sqlite3" ]]; then
        port=$((PORT_BASE + 2))
        env "${peer_env[@]}" node "$dir/app.js" "$port" >"$WORK/bolt-js.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        wait_http "http://127.0.0.1:$port/slack/commands" || { cat "$WORK/bolt-js.log" >&2; exit 1; }
        sign_command U0001 "list all"
        check_command "http://127.0.0.1:$port" "$LIST_EXPECT" || exit 1
        measure "Bolt for JavaScript $(node -p "require('$dir/node_modules/@slack/bolt/package.json').version")" \
            "list all" "http://127.0.0.1:$port" /slack/commands "$pid" "$CONNS" "$DURATION"
        stop_pid "$pid"
    else
        NOTES+=("Bolt for JavaScript skipped, not installed: (cd bench/peers/bolt-js && npm install)")
    fi
fi

if want bolt-py; then
    dir="$BENCH_DIR/peers/bolt-py"
    py="${BOLT_PY_PYTHON:-$dir/.venv/bin/python}"
    if [[ -x "$py" ]] && "$py" -c 'import slack_bolt' 2>/dev/null; then
        port=$((PORT_BASE + 3))
        env "${peer_env[@]}" "$py" "$dir/app.py" "$port" >"$WORK/bolt-py.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        wait_http "http://127.0.0.1:$port/slack/commands" || { cat "$WORK/bolt-py.log" >&2; exit 1; }
        sign_command U0001 "list all"
        check_command "http://127.0.0.1:$port" "$LIST_EXPECT" || exit 1
        measure "Bolt for Python $("$py" -c 'import slack_bolt.version as v; print(v.__version__)')" \
            "list all" "http://127.0.0.1:$port" /slack/commands "$pid" "$CONNS" "$DURATION"
        stop_pid "$pid"
    else
        NOTES+=("Bolt for Python skipped, not installed: (cd bench/peers/bolt-py && python3 -m venv .venv && .venv/bin/pip install -r requirements.txt)")
    fi
fi

if want axum-bare; then
    bin="${AXUM_BARE_BIN:-}"
    if [[ -z "$bin" ]]; then
        for b in "$REPO_DIR/target/release/axum-bare" "$BENCH_DIR/peers/axum-bare/target/release/axum-bare"; do
            [[ -x "$b" ]] && { bin=$b; break; }
        done
    fi
    if [[ -n "$bin" && -x "$bin" ]]; then
        port=$((PORT_BASE + 4))
        "$bin" "$port" >"$WORK/axum-bare.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        wait_http "http://127.0.0.1:$port/slack/commands" || exit 1
        sign_command U0001 "list all"
        check_command "http://127.0.0.1:$port" '"ok"' || exit 1
        measure "bare axum route" "POST, fixed JSON" "http://127.0.0.1:$port" /slack/commands "$pid" "$CONNS" "$DURATION"
        stop_pid "$pid"
    else
        NOTES+=("bare axum route skipped, not built: CARGO_TARGET_DIR=target cargo build --release --manifest-path bench/peers/axum-bare/Cargo.toml")
    fi
fi

print_table "$(date -u +%Y-%m-%d) · $(nproc) cores · $TOOL, $CONNS connections, ${DURATION} s · ${BENCH_LABEL:-$PACER_BIN}"
