-- wrk script for the bench: checks every response's status and body (a fast wrong answer is
-- not a result) and prints the figures as one JSON line the harness parses.
-- Usage: wrk ... -s wrk-verify.lua URL -- EXPECTED_STATUS EXPECTED_BODY [METHOD BODY [HEADER...]]
-- (METHOD and BODY: the request's, default GET and none; each HEADER "Name: value".)
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected_status = tonumber(args[1])
  expected_body = args[2]
  if args[3] then
    wrk.method = args[3]
    wrk.body = args[4]
    for i = 5, #args do
      local name, value = args[i]:match("^([^:]+):%s*(.*)$")
      wrk.headers[name] = value
    end
  end
  bad = 0 -- global: read per thread in done()
end

function response(status, headers, body)
  if status ~= expected_status or body ~= expected_body then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do
    bad_total = bad_total + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bad_responses": %d, "errors_connect": %d, ' ..
    '"errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, bad_total, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
