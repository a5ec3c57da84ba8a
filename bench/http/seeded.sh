#!/usr/bin/env bash
# Signed slash commands, the Home tab and the dashboard over HTTP against the organisation
# seeded by benches/digest.rs (1,000 teams × 20 priorities × 52 weekly cycles). See
# bench/README.md, "Slash commands over HTTP, beside the peers".
#
#   PACER_BENCH_SQLITE_FILE=/tmp/bench.db cargo bench --bench digest    # seeds the file (~2 min)
#   PACER_BENCH_SQLITE_FILE=/tmp/bench.db bench/http/seeded.sh
#
# Environment:
#   PACER_BENCH_SQLITE_FILE  the seeded file (required); copied, so every run starts alike
#                            (BENCH_IN_PLACE=1 serves the file itself)
#   PACER_BIN                pacer binary (default target/release/pacer)
#   BENCH_CONNECTIONS 8   BENCH_DURATION 10 (s)   BENCH_THREADS 2   BENCH_PORT_BASE 4100
#   BENCH_ONLY               a subset of "stalled mine digest rollup home dashboard"
#   BENCH_KEEP=1             keep the temporary directory
#   BENCH_LABEL              what to call the pacer build in the table's title (default PACER_BIN)
#
# pacer answers a slash command inline when it can within 2.5 s and otherwise acks ("Working on
# it…") and posts the answer to response_url: here the fake Slack API, which counts them. So
# besides the HTTP figures, each row says how many answers came later, and "answers/s" counts
# every answer (inline or later) over the time until the last one arrived.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_DIR"

PACER_BIN="${PACER_BIN:-target/release/pacer}"
CONNS="${BENCH_CONNECTIONS:-8}"
DURATION="${BENCH_DURATION:-10}"
ONLY="${BENCH_ONLY:-stalled mine digest rollup home dashboard}"
SEEDED="${PACER_BENCH_SQLITE_FILE:-}"
# What benches/digest.rs seeds: workspace TBENCH; person N is user UN; "Team 1" is the company,
# "Team 2".."Team 11" the divisions, "Team 12".."Team 1011" the teams; U2..U6 own Team 12's
# priorities (4 each), and the bench digests Team 512.
TEAM=TBENCH
OWNER=U2
ONE_TEAM="Team 512"
COMPANY="Team 1"
WARMUP=0
TOOL=wrk

[[ -n "$SEEDED" && -f "$SEEDED" ]] || {
    log "set PACER_BENCH_SQLITE_FILE to a file seeded by: PACER_BENCH_SQLITE_FILE=/tmp/bench.db cargo bench --bench digest"
    exit 1
}
[[ -x "$PACER_BIN" ]] || { log "no pacer at $PACER_BIN: cargo build --release, or set PACER_BIN"; exit 1; }
PACER_BIN="$(cd "$(dirname "$PACER_BIN")" && pwd)/$(basename "$PACER_BIN")"
command -v wrk >/dev/null || { log "this mode needs wrk (apt-get install -y wrk)"; exit 1; }
pick_tool
TOOL=wrk
WORK="$(mktemp -d /tmp/pacer-bench-seeded.XXXXXX)"
trap cleanup EXIT

if [[ "${BENCH_IN_PLACE:-0}" == 1 ]]; then
    DB="$SEEDED"
else
    DB="$WORK/seeded.db"
    log "copying $SEEDED ($(du -h "$SEEDED" | cut -f1))…"
    python3 - "$SEEDED" "$DB" <<'EOF'
import sqlite3, sys
src = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
dst.close()
src.close()
EOF
fi

log "load: wrk, $CONNS connections, ${DURATION} s; work in $WORK"
start_fake
start_pacer "sqlite://$DB" $((PORT_BASE + 1))

want() { [[ " $ONLY " == *" $1 "* ]]; }

now_ms() { date +%s%3N; }

# cpu_ticks PID: user + system clock ticks so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wait_idle PID: until the process used under 5 % of a core for a second (at most 10 min), so
# that work left over from one load does not run into the next.
wait_idle() {
    local pid=$1 a b i hz
    hz=$(getconf CLK_TCK)
    for ((i = 0; i < 600; i++)); do
        a=$(cpu_ticks "$pid")
        sleep 1
        b=$(cpu_ticks "$pid")
        (((b - a) * 100 < 5 * hz)) && return 0
    done
    log "pacer is still busy after 10 minutes"
}

# stat_of JSON JQ: a number from the fake's counters.
stat_of() { jq -r "$2 // 0" <<<"$1"; }

SROWS=()

# seeded_row NAME: after a load, wait for pacer's later answers and record the row.
seeded_row() {
    local name=$1 t0=$2 t1=$3 later_kind=$4 stats later last answers elapsed note=""
    wait_idle "$PACER_PID"
    stats=$(fake_stats)
    if [[ "$later_kind" == views ]]; then
        later=$(stat_of "$stats" '.methods["views.publish"].count')
        last=$(stat_of "$stats" '.methods["views.publish"].last_ms')
        answers=$later
    else
        later=$(stat_of "$stats" '.responses.count')
        last=$(stat_of "$stats" '.responses.last_ms')
        answers=$((REQS - ${DEFERRED:-0} - NON2XX + later))
    fi
    ((last < t1)) && last=$t1
    elapsed=$(awk -v a="$t0" -v b="$last" 'BEGIN {printf "%.3f", (b - a) / 1000}')
    [[ "${NON2XX:-0}" != 0 ]] && note+=" ${NON2XX} non-2xx"
    [[ "${ERRORS:-0}" != 0 ]] && note+=" ${ERRORS} socket errors/timeouts"
    [[ "${WRAPPED:-0}" != 0 ]] && note+=" events reused ${WRAPPED}× (too few pre-signed)"
    [[ -n "$note" ]] && NOTES+=("$name:$note")
    local later_text="${DEFERRED:-0} acked, $later posted"
    [[ "$later_kind" == views ]] && later_text="$later views.publish"
    SROWS+=("| $name | $(fmt_rps "$RPS") | $(fmt_ms "$P50") | $(fmt_ms "$P99") | $later_text | $(fmt_rps "$(awk -v n="$answers" -v s="$elapsed" 'BEGIN {print (s > 0 ? n / s : 0)}')") | $(rss "$PACER_PID") |")
    log "  $name: $(fmt_rps "$RPS") req/s, p50 $(fmt_ms "$P50"), p99 $(fmt_ms "$P99"); later: $later_text; $answers answers in ${elapsed} s${note:+ ($note)}"
}

# command_load NAME USER TEXT EXPECT
command_load() {
    local name=$1 user=$2 text=$3 expect=$4 t0 t1
    restart_pacer
    sign_command "$user" "$text"
    # One request first: it checks the answer and fills pacer's caches (users.info).
    fake_reset
    check_command "$PACER_URL" "$expect" "Working on it" || exit 1
    wait_idle "$PACER_PID"
    fake_reset
    t0=$(now_ms)
    LOAD_COUNT_DEFERRED=1 run_load "$PACER_URL" /slack/commands "$CONNS" "$DURATION" || exit 1
    t1=$(now_ms)
    seeded_row "$name" "$t0" "$t1" responses
}

log "checking the seeded workspace…"
send_as U1 "team show $ONE_TEAM" | grep -q "Team $ONE_TEAM" || { log "$SEEDED does not look like benches/digest.rs's workspace"; exit 1; }

want stalled && command_load "list stalled (whole workspace)" U1 "list stalled" "Stalled priorities"
want mine && command_load "list mine ($OWNER, 4 priorities)" "$OWNER" "list mine" "Your priorities"
want digest && command_load "digest $ONE_TEAM" U1 "digest $ONE_TEAM" "$ONE_TEAM"
want rollup && command_load "digest $COMPANY (organisation roll-up)" U1 "digest $COMPANY" "$COMPANY"

if want home; then
    # Distinct event ids (pacer handles an event id once), pre-signed: enough for the run.
    count=$((${BENCH_HOME_EVENTS_PER_SEC:-6000} * DURATION))
    python3 "$HTTP_DIR/slackreq.py" home --secret "$SECRET" --team "$TEAM" --users U2-U101 \
        --count "$count" --out "$WORK/events.tsv"
    restart_pacer
    fake_reset
    t0=$(now_ms)
    LOAD_EVENTS="$WORK/events.tsv" run_load "$PACER_URL" /slack/events "$CONNS" "$DURATION" || exit 1
    t1=$(now_ms)
    DEFERRED=0
    seeded_row "Home tab (app_home_opened, U2…U101)" "$t0" "$t1" views
fi

if want dashboard; then
    link=$(send_as U1 "dashboard" | grep -o "http://127.0.0.1:[0-9]*/dashboard?[^|>\" ]*" | head -1 | sed 's/&amp;/\&/g')
    [[ -n "$link" ]] || { log "no dashboard link in the answer to /pacer dashboard"; exit 1; }
    restart_pacer
    curl -s "$link" | grep -q "Dashboard" || { log "the dashboard link does not open"; exit 1; }
    # The page is the organisation's roll-up and has no deadline: fewer connections for longer,
    # or no request would finish within the run.
    dconns=${BENCH_DASHBOARD_CONNECTIONS:-2}
    ddur=${BENCH_DASHBOARD_DURATION:-30}
    LOAD_METHOD=GET run_load "$PACER_URL" "/${link#http://*/}" "$dconns" "$ddur" || exit 1
    wait_idle "$PACER_PID"
    SROWS+=("| dashboard (GET, signed link; $dconns connections, $ddur s) | $(fmt_rps "$RPS") | $(fmt_ms "$P50") | $(fmt_ms "$P99") | — | $(fmt_rps "$RPS") | $(rss "$PACER_PID") |")
    log "  dashboard: $(fmt_rps "$RPS") req/s, p50 $(fmt_ms "$P50"), p99 $(fmt_ms "$P99")"
    [[ "${NON2XX:-0}" != 0 || "${ERRORS:-0}" != 0 ]] && NOTES+=("dashboard: ${NON2XX} non-2xx, ${ERRORS} socket errors/timeouts")
fi

echo
echo "$(date -u +%Y-%m-%d) · $(nproc) cores · wrk, $CONNS connections, ${DURATION} s · ${BENCH_LABEL:-$PACER_BIN} · $(basename "$SEEDED")"
echo
echo "| request | requests/s | p50 | p99 | answered later | answers/s | pacer RSS after / peak |"
echo "| --- | ---: | ---: | ---: | --- | ---: | ---: |"
printf '%s\n' "${SROWS[@]}"
if ((${#NOTES[@]})); then
    echo
    printf -- '- %s\n' "${NOTES[@]}"
fi
