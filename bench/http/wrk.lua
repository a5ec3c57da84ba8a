-- wrk script for bench/http/*.sh.
--   One signed request, sent over and over:
--     BENCH_METHOD (POST), BENCH_PATH, BENCH_BODY_FILE, BENCH_CONTENT_TYPE, BENCH_TS, BENCH_SIG
--   Or distinct pre-signed requests (events: pacer ignores a repeated event id):
--     BENCH_EVENTS_FILE, lines "<ts>\t<signature>\t<body>", shared out among BENCH_THREADS threads
--   BENCH_COUNT_DEFERRED=1 also counts answers that say "Working on it" (pacer acked and will
--   answer through response_url).
-- Prints one machine-readable line at the end:
--   BENCH requests=… duration_us=… rps=… p50_us=… p90_us=… p99_us=… max_us=… non2xx=… errors=… wrapped=… deferred=…

local getenv = os.getenv
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

wrk.method = getenv("BENCH_METHOD") or "POST"
wrk.path = getenv("BENCH_PATH") or "/"
local ctype = getenv("BENCH_CONTENT_TYPE")
if ctype and ctype ~= "" then wrk.headers["Content-Type"] = ctype end
local body_file = getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
end
if (getenv("BENCH_TS") or "") ~= "" then
  wrk.headers["X-Slack-Request-Timestamp"] = getenv("BENCH_TS")
  wrk.headers["X-Slack-Signature"] = getenv("BENCH_SIG")
end

local events_file = getenv("BENCH_EVENTS_FILE")
reqs, idx, wrapped, deferred = nil, 0, 0, 0

function init(args)
  if events_file and events_file ~= "" then
    local n = tonumber(getenv("BENCH_THREADS") or "1")
    reqs = {}
    local i = 0
    for l in io.lines(events_file) do
      if i % n == tid then
        local ts, sig, b = l:match("^(%d+)\t(%S+)\t(.*)$")
        reqs[#reqs + 1] = wrk.format("POST", wrk.path, {
          ["Content-Type"] = "application/json",
          ["X-Slack-Request-Timestamp"] = ts,
          ["X-Slack-Signature"] = sig,
        }, b)
      end
      i = i + 1
    end
  end
end

if events_file and events_file ~= "" then
  function request()
    idx = idx + 1
    if idx > #reqs then
      idx = 1
      wrapped = wrapped + 1
    end
    return reqs[idx]
  end
end

if getenv("BENCH_COUNT_DEFERRED") == "1" then
  function response(status, headers, b)
    if b and b:find("Working on it", 1, true) then
      deferred = deferred + 1
    end
  end
end

function done(summary, latency, requests)
  local w, d = 0, 0
  for _, t in ipairs(threads) do
    w = w + (tonumber(t:get("wrapped")) or 0)
    d = d + (tonumber(t:get("deferred")) or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d errors=%d wrapped=%d deferred=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout, w, d))
end
