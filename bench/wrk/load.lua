-- The requests of one scenario of bench/load.sh, for wrk (https://github.com/wg/wrk).
--
-- Environment: SCENARIO (bare, rejects, creates, keyed-creates, updates, patches,
-- retrieves), KEY (the API key),
-- RUN (a tag that keeps emails and phone numbers unique across wrk processes),
-- USERS (how many warm-up users exist, for updates and retrieves) and IDS (a file of their ids, one per
-- line, for patches). Prints one RESULT line that bench/load.sh reads.

local scenario = os.getenv("SCENARIO") or "creates"
local key = os.getenv("KEY") or ""
local run = tonumber(os.getenv("RUN") or "1")
local users = tonumber(os.getenv("USERS") or "0")

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local ids = {}
local n = 0
local prefix = 0

function init(args)
  prefix = run * 10 + id
  if scenario == "patches" then
    for line in io.lines(os.getenv("IDS")) do
      ids[#ids + 1] = line
    end
  end
  wrk.headers["Authorization"] = "Bearer " .. key
  wrk.headers["Content-Type"] = "application/json"
end

local function create_body(email, phone, height)
  return '{"email":"' .. email .. '","firstname":"Ada","lastname":"Lovelace",' ..
    '"phonenumber":"' .. phone .. '","dateOfBirth":"1985-03-14","sex":"female",' ..
    '"height":"' .. height .. '","currentWeight":150,"pregnant":false,"diabetes":3,' ..
    '"glp1drugs":true,"paymentPlan":6,"planStartDate":"2026-12-01",' ..
    '"medicalClearance":"full","metadata":{"source":"load"}}'
end

-- The same request every time: wrk formats it once per thread, so the generator spends
-- nothing per request on it (a request() function costs it about half its rate).
if scenario == "bare" or scenario == "rejects" then
  wrk.method = "POST"
  wrk.path = "/users/create"
  if scenario == "bare" then
    wrk.body = create_body("bare@clinic.example", "+18000000000", "5ft 6in")
  else
    -- Two faults: a height past 11 inches and a phone number too short.
    wrk.body = create_body("reject@clinic.example", "12", "5ft 13in")
  end
else
function request()
  n = n + 1
  if scenario == "creates" or scenario == "keyed-creates" then
    -- +1, then two digits for the run and thread, then eight for the request.
    local headers = nil
    if scenario == "keyed-creates" then
      -- wrk.format uses the headers given instead of wrk.headers: copy them.
      headers = {["Idempotency-Key"] = string.format("load-%d-%d", prefix, n)}
      for name, value in pairs(wrk.headers) do headers[name] = value end
    end
    return wrk.format("POST", "/users/create", headers,
      create_body(string.format("load%d-%d@clinic.example", prefix, n),
        string.format("+1%02d%08d", prefix % 100, n), "5ft 6in"))
  elseif scenario == "updates" then
    local user = (n * 7919 + prefix) % users
    return wrk.format("POST", "/users/update", nil, string.format(
      '{"email":"warm%d@clinic.example","diabetes":%d,"metadata":{"round":%d}}',
      user, n % 4, n))
  elseif scenario == "retrieves" then
    local user = (n * 7919 + prefix) % users
    return wrk.format("POST", "/users/retrieve", nil,
      string.format('{"email":"warm%d@clinic.example"}', user))
  elseif scenario == "patches" then
    local user = ids[((n * 7919 + prefix) % #ids) + 1]
    return wrk.format("PATCH", "/bench/users/" .. user, nil,
      string.format('{"update":{"bio":"round %d"}}', n))
  end
end
end

function done(summary, latency, requests)
  -- Latencies in microseconds; status errors are answers of 400 or more.
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f p50=%d p90=%d p99=%d p999=%d max=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
