-- wrk script for bench/pages.py: signs requests in from the environment and prints one JSON line.
-- BENCH_COOKIE: the Cookie header of a signed-in session (pages).
-- BENCH_TOKENS: API tokens separated by commas, used in turn (the API allows each 300 a minute).
local cookie = os.getenv("BENCH_COOKIE") or ""
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = token
end
if cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end

local turn = 0
if #tokens > 0 then
  request = function()
    turn = turn + 1
    wrk.headers["Authorization"] = "Bearer " .. tokens[turn % #tokens + 1]
    return wrk.format()
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.6f, "rps": %.3f, "p50_ms": %.3f, "p90_ms": %.3f, ' ..
    '"p99_ms": %.3f, "max_ms": %.3f, "bytes": %d, "non_2xx_3xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.bytes, e.status, e.connect + e.read + e.write + e.timeout))
end
