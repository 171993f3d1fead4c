-- wrk script of the formarche benchmarks (benchmarks/wrk_load.py).
--
-- * the session cookie comes from the environment (FORMARCHE_WRK_COOKIE), never from the command
--   line (it would show in the process list);
-- * "Connection: close" on every request unless FORMARCHE_WRK_KEEP_ALIVE=1;
-- * every response's status is counted, per thread, so that a redirect to the login page or an
--   error page is never taken for a served page;
-- * done() prints one line "FORMARCHE_WRK {json}" with the counts, the latency percentiles and the
--   errors; wrk's own text summary is printed before it and ignored.

local cookie = os.getenv("FORMARCHE_WRK_COOKIE")
if cookie ~= nil and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
-- one connection per request unless FORMARCHE_WRK_KEEP_ALIVE=1 (see benchmarks/wrk_load.py)
if os.getenv("FORMARCHE_WRK_KEEP_ALIVE") ~= "1" then
  wrk.headers["Connection"] = "close"
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

statuses = {}

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

local function number(value)
  return string.format("%.0f", value)
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local got = thread:get("statuses") or {}
    for key, n in pairs(got) do
      counts[key] = (counts[key] or 0) + n
    end
  end
  local parts = {}
  for key, n in pairs(counts) do
    table.insert(parts, string.format('"%s":%s', key, number(n)))
  end
  local percentiles = {}
  for _, p in ipairs({50, 90, 95, 99}) do
    table.insert(percentiles, string.format('"%d":%s', p, number(latency:percentile(p))))
  end
  local e = summary.errors
  io.write(string.format(
    'FORMARCHE_WRK {"duration_us":%s,"requests":%s,"bytes":%s,'
      .. '"latency_us":{"min":%s,"mean":%s,"max":%s,"percentiles":{%s}},'
      .. '"errors":{"connect":%s,"read":%s,"write":%s,"status":%s,"timeout":%s},'
      .. '"statuses":{%s}}\n',
    number(summary.duration), number(summary.requests), number(summary.bytes),
    number(latency.min), number(latency.mean), number(latency.max), table.concat(percentiles, ","),
    number(e.connect), number(e.read), number(e.write), number(e.status), number(e.timeout),
    table.concat(parts, ",")
  ))
end
