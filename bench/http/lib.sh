# Shared by bench/http/run.sh and bench/http/seeded.sh (sourced, not run).
# Starts and stops the processes of a run, signs requests, runs the load tool, and collects one
# markdown row per measurement.

HTTP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="$(dirname "$HTTP_DIR")"
REPO_DIR="$(dirname "$BENCH_DIR")"

SECRET="${BENCH_SIGNING_SECRET:-bench-signing-secret-0123456789abcdef}"
BOT_TOKEN="xoxb-bench-0000"
PORT_BASE="${BENCH_PORT_BASE:-4100}"
FAKE_PORT=$PORT_BASE
FAKE_URL="http://127.0.0.1:$FAKE_PORT"
THREADS="${BENCH_THREADS:-2}"
WARMUP="${BENCH_WARMUP:-2}"
TIMEOUT="${BENCH_TIMEOUT:-30}"

PIDS=()
ROWS=()
NOTES=()

log() { printf '%s\n' "$*" >&2; }

cleanup() {
    local pid
    for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "${WORK:-}" && -d "$WORK" ]]; then
        if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
            log "kept $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
}

# Which load tool: BENCH_TOOL=oha|wrk, else oha when on PATH, else wrk.
pick_tool() {
    TOOL="${BENCH_TOOL:-}"
    if [[ -z "$TOOL" ]]; then
        if command -v oha >/dev/null; then TOOL=oha; elif command -v wrk >/dev/null; then TOOL=wrk; fi
    fi
    if [[ -z "$TOOL" ]] || ! command -v "$TOOL" >/dev/null; then
        log "no load tool: install wrk (apt-get install -y wrk) or oha (cargo install oha --locked)"
        exit 1
    fi
    for need in curl python3 node; do
        command -v "$need" >/dev/null || { log "$need is needed"; exit 1; }
    done
}

# wait_http URL [seconds]: until URL answers at all.
wait_http() {
    local url=$1 limit=${2:-30} i
    for ((i = 0; i < limit * 10; i++)); do
        if curl -s -o /dev/null "$url"; then return 0; fi
        sleep 0.1
    done
    log "nothing answers at $url"
    return 1
}

start_fake() {
    node "$HTTP_DIR/fake-slack.js" "$FAKE_PORT" >"$WORK/fake.log" 2>&1 &
    PIDS+=($!)
    wait_http "$FAKE_URL/stats"
}

fake_reset() { curl -s -X POST "$FAKE_URL/stats/reset" >/dev/null; }
fake_stats() { curl -s "$FAKE_URL/stats"; }

# start_pacer DATABASE_URL PORT: sets PACER_PID and PACER_URL.
start_pacer() {
    local db=$1 port=$2
    PACER_URL="http://127.0.0.1:$port"
    env -i PATH="$PATH" HOME="${HOME:-/tmp}" \
        PACER_DATABASE_URL="$db" \
        PACER_LISTEN="127.0.0.1:$port" \
        PACER_PUBLIC_URL="$PACER_URL" \
        PACER_SCHEDULER=off \
        SLACK_SIGNING_SECRET="$SECRET" \
        SLACK_BOT_TOKEN="$BOT_TOKEN" \
        SLACK_API_BASE_URL="$FAKE_URL/api/" \
        RUST_LOG="${BENCH_RUST_LOG:-warn}" \
        "$PACER_BIN" serve >"$WORK/pacer.log" 2>&1 &
    PACER_PID=$!
    PACER_DB_URL=$db PACER_PORT=$port
    PIDS+=("$PACER_PID")
    wait_http "$PACER_URL/healthz" 120 || { tail -20 "$WORK/pacer.log" >&2; exit 1; }
}

# stop_pid PID: end one process this run started, and forget it.
stop_pid() {
    local pid=$1 p keep=()
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]+"${PIDS[@]}"}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

# restart_pacer: a fresh pacer process on the same database (so that its peak RSS is one load's).
restart_pacer() {
    stop_pid "$PACER_PID"
    start_pacer "$PACER_DB_URL" "$PACER_PORT"
}

# send_as USER TEXT: a slash command through pacer's own CLI, signed as Slack signs it.
send_as() {
    local user=$1 text=$2 out
    if ! out=$("$PACER_BIN" slack send --url "$PACER_URL" --secret "$SECRET" --team "$TEAM" \
        --user "$user" --channel C0BENCH command "$text" 2>&1); then
        log "pacer slack send failed for \"$text\":"
        log "$out"
        exit 1
    fi
    printf '%s\n' "$out"
}

# rss PID: "<now> / <peak> MB" from /proc (VmRSS / VmHWM), of the process and its children.
rss() {
    local pid=$1 now=0 peak=0 p kb
    for p in "$pid" $(pgrep -P "$pid" 2>/dev/null); do
        [[ -r /proc/$p/status ]] || continue
        kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status"); now=$((now + ${kb:-0}))
        kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status"); peak=$((peak + ${kb:-0}))
    done
    printf '%d / %d MB' $(((now + 512) / 1024)) $(((peak + 512) / 1024))
}

# sign_command USER TEXT: body in $WORK/body.txt, REQ_TS and REQ_SIG. Made right before a load,
# since Slack's signatures are good for five minutes.
sign_command() {
    local user=$1 text=$2 line
    line=$(python3 "$HTTP_DIR/slackreq.py" command --secret "$SECRET" --team "$TEAM" \
        --user "$user" --channel C0BENCH --text "$text" \
        --response-base "$FAKE_URL/response" --out "$WORK/body.txt")
    REQ_TS=${line%% *}
    REQ_SIG=${line#* }
}

# check_command URL EXPECT [OR_THIS]: one signed request with curl; its answer must contain
# EXPECT (or OR_THIS).
check_command() {
    local url=$1 expect=$2 or_this=${3:-} answer
    answer=$(curl -s -X POST "$url/slack/commands" \
        -H 'Content-Type: application/x-www-form-urlencoded' \
        -H "X-Slack-Request-Timestamp: $REQ_TS" -H "X-Slack-Signature: $REQ_SIG" \
        --data-binary @"$WORK/body.txt") || true
    if [[ "$answer" != *"$expect"* && ( -z "$or_this" || "$answer" != *"$or_this"* ) ]]; then
        log "unexpected answer from $url (wanted \"$expect\"): ${answer:0:400}"
        return 1
    fi
}

# run_load BASE PATH CONNECTIONS SECONDS: runs the load tool once against BASE+PATH and sets
# RPS P50 P99 (ms) REQS NON2XX ERRORS WRAPPED DEFERRED. A POST sends the body and signature of the
# last sign_command, or, with LOAD_EVENTS set (wrk only), the distinct pre-signed requests of that
# file. LOAD_METHOD=GET for pages; LOAD_COUNT_DEFERRED=1 counts "Working on it" answers (wrk).
run_load() {
    local base=$1 path=$2 conns=$3 dur=$4 out
    local method=${LOAD_METHOD:-POST}
    if [[ "$TOOL" == oha && -z "${LOAD_EVENTS:-}" && -z "${LOAD_COUNT_DEFERRED:-}" ]]; then
        local fmt=(-j)
        oha --help 2>/dev/null | grep -q -- '--output-format' && fmt=(--output-format json)
        local args=(-z "${dur}s" -c "$conns" --no-tui "${fmt[@]}" -t "${TIMEOUT}s" -m "$method")
        if [[ "$method" == POST ]]; then
            args+=(-T "${LOAD_CONTENT_TYPE:-application/x-www-form-urlencoded}" -D "$WORK/body.txt"
                -H "X-Slack-Request-Timestamp: $REQ_TS" -H "X-Slack-Signature: $REQ_SIG")
        fi
        out=$(oha "${args[@]}" "$base$path") || { log "$out"; return 1; }
        RPS=$(jq -r '.summary.requestsPerSec' <<<"$out")
        P50=$(jq -r '.latencyPercentiles.p50 * 1000' <<<"$out")
        P99=$(jq -r '.latencyPercentiles.p99 * 1000' <<<"$out")
        REQS=$(jq -r '[.statusCodeDistribution[]] | add // 0' <<<"$out")
        NON2XX=$(jq -r '[.statusCodeDistribution | to_entries[] | select(.key | startswith("2") | not) | .value] | add // 0' <<<"$out")
        ERRORS=$(jq -r '[.errorDistribution[]?] | add // 0' <<<"$out")
        WRAPPED=0 DEFERRED=0
        return 0
    fi
    local signed=""
    [[ "$method" == POST && -z "${LOAD_EVENTS:-}" ]] && signed=1
    out=$(env BENCH_METHOD="$method" BENCH_PATH="$path" \
        BENCH_BODY_FILE="${signed:+$WORK/body.txt}" \
        BENCH_CONTENT_TYPE="${signed:+${LOAD_CONTENT_TYPE:-application/x-www-form-urlencoded}}" \
        BENCH_TS="${signed:+$REQ_TS}" BENCH_SIG="${signed:+$REQ_SIG}" \
        BENCH_EVENTS_FILE="${LOAD_EVENTS:-}" BENCH_THREADS="$THREADS" \
        BENCH_COUNT_DEFERRED="${LOAD_COUNT_DEFERRED:-}" \
        wrk -t"$THREADS" -c"$conns" -d"${dur}s" --timeout "${TIMEOUT}s" \
        -s "$HTTP_DIR/wrk.lua" "$base" 2>&1) || { log "$out"; return 1; }
    local bench
    bench=$(grep '^BENCH ' <<<"$out") || { log "$out"; return 1; }
    field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$bench"; }
    RPS=$(field rps)
    P50=$(awk -v u="$(field p50_us)" 'BEGIN {printf "%.3f", u / 1000}')
    P99=$(awk -v u="$(field p99_us)" 'BEGIN {printf "%.3f", u / 1000}')
    REQS=$(field requests)
    NON2XX=$(field non2xx)
    ERRORS=$(field errors)
    WRAPPED=$(field wrapped)
    DEFERRED=$(field deferred)
}

fmt_ms() { awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f ms", v; else if (v >= 10) printf "%.1f ms", v; else printf "%.2f ms", v }'; }
fmt_rps() { awk -v v="$1" 'BEGIN { if (v >= 100) printf "%.0f", v; else if (v >= 10) printf "%.1f", v; else printf "%.2f", v }'; }

# measure NAME COMMAND BASE PATH PID CONNECTIONS SECONDS: warm up, load, record a row.
measure() {
    local name=$1 what=$2 base=$3 path=$4 pid=$5 conns=$6 dur=$7 note=""
    if [[ "$WARMUP" != 0 ]]; then
        run_load "$base" "$path" "$conns" "$WARMUP" >/dev/null || true
    fi
    run_load "$base" "$path" "$conns" "$dur" || { ROWS+=("| $name | $what | failed | | | |"); return 0; }
    [[ "${NON2XX:-0}" != 0 ]] && note+=" ${NON2XX} non-2xx"
    [[ "${ERRORS:-0}" != 0 ]] && note+=" ${ERRORS} socket errors"
    [[ -n "$note" ]] && NOTES+=("$name $what:$note")
    ROWS+=("| $name | $what | $(fmt_rps "$RPS") | $(fmt_ms "$P50") | $(fmt_ms "$P99") | $(rss "$pid") |")
    log "  $name $what: $(fmt_rps "$RPS") req/s, p50 $(fmt_ms "$P50"), p99 $(fmt_ms "$P99")${note:+ ($note)}"
}

print_table() {
    local title=$1
    echo
    echo "$title"
    echo
    echo "| target | command | requests/s | p50 | p99 | RSS after / peak |"
    echo "| --- | --- | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${ROWS[@]}"
    if ((${#NOTES[@]})); then
        echo
        printf -- '- %s\n' "${NOTES[@]}"
    fi
}
