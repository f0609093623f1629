-- wrk script for Benchmarks/listen.sh: POSTs distinct, precomputed, signed Fivetran deliveries.
-- BODIES_FILE holds one delivery a line: "<lowercase hex HMAC-SHA256>\t<body>". Thread t of T sends
-- lines t, t+T, t+2T, ... so no two requests carry the same event until the file is used up.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

function init(args)
   sigs, bodies = {}, {}
   local n = 0
   for line in io.lines(os.getenv("BODIES_FILE")) do
      local tab = line:find("\t", 1, true)
      n = n + 1
      sigs[n] = line:sub(1, tab - 1)
      bodies[n] = line:sub(tab + 1)
   end
   count = n
   step = tonumber(os.getenv("WRK_THREADS") or "2")
   index = id
   headers = { ["Content-Type"] = "application/json" }
end

function request()
   local i = index
   index = index + step
   if index > count then index = id end
   headers["X-Fivetran-Signature-256"] = sigs[i]
   return wrk.format("POST", nil, headers, bodies[i])
end

function done(summary, latency, requests)
   local errors = summary.errors
   local non2xx = errors.status
   io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d\n",
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, non2xx,
      errors.connect + errors.read + errors.write + errors.timeout))
end
