-- wrk script for `cargo xtask bench`: POSTs one JSON inquiry per request, each with its
-- own idempotency key (and email) so every request stores a new inquiry instead of
-- replaying a stored answer. Arguments after `--`: key prefix (unique per run), Origin.
local counter = 0
local prefix = "bench"
local origin = "http://127.0.0.1"
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("tid", next_thread)
end

function init(args)
  prefix = args[1] or prefix
  origin = args[2] or origin
end

function request()
  counter = counter + 1
  local key = prefix .. "-" .. tostring(tid) .. "-" .. counter
  local body = '{"idempotency_key":"' .. key .. '","locale":"en","time_zone":"Europe/London",'
    .. '"fields":{"name":"Bench Visitor","email":"v' .. key .. '@bench.example",'
    .. '"topic":"support","message":"Benchmark inquiry ' .. counter .. ', please ignore."}}'
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Origin"] = origin,
  }, body)
end
