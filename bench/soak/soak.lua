-- wrk script for the soak run: a fixed request rate (RATE requests per second
-- over all connections) of authenticated reads, with the token from TOKEN.
local rate = tonumber(os.getenv("RATE") or "500")
local token = os.getenv("TOKEN") or ""
local conns = tonumber(os.getenv("CONNS") or "20")
local paths = {"/api/v1/health", "/api/v1/session", "/api/v1/users", "/api/v1/audit?limit=20"}
local i = 0

request = function()
    i = i + 1
    local p = paths[(i % #paths) + 1]
    return wrk.format("GET", p, {["Authorization"] = "Bearer " .. token})
end

-- Each connection waits so that all of them together make `rate` requests a second.
delay = function()
    return math.floor(conns * 1000 / rate)
end

local errors = 0
response = function(status, headers, body)
    if status >= 500 then
        errors = errors + 1
    end
end
