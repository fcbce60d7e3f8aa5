-- wrk script: each connection checks a traveller (POST /api/v1/border/checks)
-- and then confirms that check (POST .../confirm), over and over; every
-- traveller is different (document numbers from the thread and a counter).
-- Environment: UBUR_TOKEN (bearer token), UBUR_CROSSING (default semalka),
-- UBUR_RATE (total checks+confirms per second across all connections; 0 =
-- as fast as possible), UBUR_WRK_THREADS (wrk -t, for the rate), UBUR_POOL
-- (known travellers: documents K0000001.. that bench/border/gen.sql put in
-- the database; 80% of checks are of them, the rest of new travellers; 0 =
-- all new). A check's answer is parsed for its id and queued; the thread's
-- next request confirms the oldest queued check.
local token = os.getenv("UBUR_TOKEN")
local crossing = os.getenv("UBUR_CROSSING") or "semalka"
local rate = tonumber(os.getenv("UBUR_RATE") or "0")
local nthreads = tonumber(os.getenv("UBUR_WRK_THREADS") or "2")
-- A monotonic clock in milliseconds (wrk runs LuaJIT): pacing needs the time
-- of day, since a fixed delay after each answer would add the answer's own
-- latency to every interval and never reach the rate asked for.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } ubur_timespec;
int clock_gettime(int clk, ubur_timespec *tp);
]]
local ts = ffi.new("ubur_timespec")
local function now_ms()
   ffi.C.clock_gettime(1, ts)
   return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
local pool = tonumber(os.getenv("UBUR_POOL") or "0")
local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   math.randomseed(id * 7919)
   -- checks answered and not yet confirmed, first in first out: a Lua state
   -- serves all of a thread's connections, so one slot would lose checks
   queue, qhead, qtail = {}, 1, 0
   headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
   checks, confirms, errors, refers = 0, 0, 0, 0
end

-- The name lists of gen.sql, in the same order: a known traveller n has the
-- surname family[(n / 2304) % 40], given names given[n % 48] given[(n / 48) % 48].
local given = {"MUHAMMAD","AHMAD","ALI","HASAN","HUSAYN","OMAR","KHALID","YUSUF","IBRAHIM",
   "MAHMOUD","ABD AL-RAHMAN","SALIM","JASIM","KARIM","MUSTAFA","HAMID","FATIMA","ZAYNAB","MARYAM",
   "AISHA","NOOR","HUDA","LAYLA","SARA","AMAL","RANA","SUAD","KHADIJA","TARIQ","WALID","SAMIR",
   "NABIL","FAISAL","ADNAN","BASSAM","RAMI","ZIAD","MAJID","QASIM","HAYDAR","ABBAS","JAFAR","SAID",
   "AMIR","RIYAD","NASIR","SALMA","HANAN"}
local family = {"AL-HASHIMI","AL-JUBURI","AL-DULAIMI","AL-ANI","AL-OBEIDI","AL-SHAMMARI","HADDAD",
   "KHALIL","AL-TIKRITI","AL-MOSULI","AL-RAWI","AL-KHALIDI","SULAYMAN","AL-ZUBAIDI","AL-HASSAN",
   "MAHMOUD","AL-ATTAR","NASSER","AL-AHMAD","AL-HUSSEINI","AL-BAGHDADI","AL-HALABI","AL-SHAMI",
   "AL-DIMASHQI","AL-HOMSI","AL-KURDI","BAKR","OTHMAN","AL-SAADI","AL-KUBAISI","AL-JANABI",
   "AL-MASHHADANI","AL-SAMARRAI","AL-NAJJAR","AL-KHATIB","DARWISH","AL-QADRI","AL-SABBAGH",
   "AL-FAYYAD","AL-TAMIMI"}

local function known(n)
   local r = n % 10
   local nat = r < 6 and "SYR" or (r < 9 and "IRQ" or "LBN")
   return string.format('{"document_number":"K%07d","nationality":"%s","birth_date":"19%02d-%02d-%02d",' ..
                        '"expiry_date":"2035-01-01","surname":"%s","given_names":"%s %s"}',
                        n, nat, 40 + n % 60, 1 + n % 12, 1 + n % 28,
                        family[math.floor(n / 2304) % 40 + 1], given[n % 48 + 1],
                        given[math.floor(n / 48) % 48 + 1])
end

local function next_check()
   counter = counter + 1
   local doc
   if pool > 0 and math.random() < 0.8 then
      doc = known(math.random(1, pool))
   else
      -- a new traveller: birth dates spread over 60 years so namesakes are rare
      local b = math.random(0, 21900)
      doc = string.format('{"document_number":"W%02d%07d","nationality":"SYR","birth_date":"%04d-%02d-%02d",' ..
                          '"expiry_date":"2035-01-01","surname":"%s","given_names":"%s %s"}',
                          id, counter, 1945 + math.floor(b / 365), 1 + math.floor(b / 28) % 12, 1 + b % 28,
                          family[math.random(1, 40)], given[math.random(1, 48)], given[math.random(1, 48)])
   end
   local dir = (counter % 2 == 0) and "exit" or "entry"
   return wrk.format("POST", "/api/v1/border/checks", headers,
                     string.format('{"crossing_id":"%s","direction":"%s","document":%s}', crossing, dir, doc))
end

function request()
   if qhead <= qtail then
      local p = queue[qhead]
      queue[qhead] = nil
      qhead = qhead + 1
      -- a referral (a watchlist hit) is resolved as the secondary inspection would
      local body = p.refer and '{"decision":"admit","reason":"cleared at secondary inspection"}' or "{}"
      return wrk.format("POST", "/api/v1/border/checks/" .. p.id .. "/confirm", headers, body)
   end
   return next_check()
end

function response(status, headers, body)
   if status == 201 then
      local cid = body:match('^{"id":"([0-9a-f%-]+)"')
      if cid and body:find('"decision"', 1, true) and not body:find('"check_id"', 1, true) then
         -- the check's own decision comes first; each reason has one of its own after it
         local refer = body:match('"decision":"(%a+)"') == "refer"
         qtail = qtail + 1
         queue[qtail] = {id = cid, refer = refer}
         if refer then refers = refers + 1 end
         checks = checks + 1
      else
         confirms = confirms + 1
      end
   else
      errors = errors + 1
      if errors < 5 then io.stderr:write("status " .. status .. ": " .. body:sub(1, 200) .. "\n") end
   end
end

-- Each wrk thread sends its share of the rate on a fixed schedule (one
-- request every `interval` ms, whichever of its connections is free); a
-- thread that fell behind sends at once but does not burst to catch up.
local next_due = nil
function delay()
   if rate <= 0 then
      return 0
   end
   local interval = nthreads * 1000 / rate
   local now = now_ms()
   if not next_due or next_due < now - interval then
      next_due = now
   end
   next_due = next_due + interval
   local d = next_due - now
   return d > 0 and d or 0
end

function done(summary, latency, requests)
   local c, f, e, r = 0, 0, 0, 0
   for _, t in ipairs(threads) do
      c = c + t:get("checks")
      f = f + t:get("confirms")
      e = e + t:get("errors")
      r = r + t:get("refers")
   end
   local secs = summary.duration / 1e6
   io.write(string.format("RESULT checks=%d confirms=%d errors=%d referred=%d seconds=%.2f " ..
                          "recorded_per_s=%.1f requests_per_s=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
                          c, f, e, r, secs, f / secs, summary.requests / secs,
                          latency:percentile(50) / 1000, latency:percentile(90) / 1000,
                          latency:percentile(99) / 1000, latency.max / 1000))
end
