-- wrk script for `cargo xtask bench`: POSTs one routing preview per request (the fields a
-- visitor has filled so far; nothing is stored). Arguments after `--`: a run id (unused),
-- Origin.
local origin = "http://127.0.0.1"

function init(args)
  origin = args[2] or origin
end

function request()
  local body = '{"locale":"en","time_zone":"Europe/London",'
    .. '"fields":{"topic":"support","email":"visitor@bench.example",'
    .. '"message":"Is the printer down again?"}}'
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Origin"] = origin,
  }, body)
end
