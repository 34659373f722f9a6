"""The Lua half of ``antidistill gateway --front nginx``: what runs inside nginx per request.

Kept as a string so that it ships inside the Python package; ``front.py``
writes it next to the nginx configuration it generates. See ``front.py`` for
the design; in short, per proxied request this code

* finds the account (API key table or trusted header) - 401 otherwise;
* reads the body (413 past the limit) and decides whether it is *plainly*
  valid under the log contract (``fast_check``). Anything it is not sure of
  (a field of the wrong type, an empty ``{}``/``[]``, a float where an
  integer goes, control characters, surrogate escapes, invalid UTF-8, ...)
  goes to the Python gateway, which checks it with the contract's own
  validator and answers 400 naming the field, or serves it;
* looks up the account's decision in the table the Python gateway keeps
  (shared dict ``antidistill``): nothing, serve with logged attributes,
  block (403, body made by Python), throttle (token bucket here), or "P":
  send the request to the Python gateway (degrade, watermark, dry runs,
  end users of platforms, throttling shared through Redis);
* proxies to the model server itself (a subrequest for whole answers, so a
  non-JSON answer can still become a 502 as in Python; a plain proxy with
  buffering off for SSE streams, captured on the way through);
* writes one JSON record per exchange to its access log (buffered, flushed
  every ``flush_ms``), which the Python gateway turns into spec-format log
  lines, durable, and hands to detection.
"""

LUA = r"""
local cjson = require "cjson.safe"
cjson.decode_invalid_numbers(false)
local ffi = require "ffi"
local bit = require "bit"
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } antidistill_timespec;
int clock_gettime(int clk_id, antidistill_timespec *tp);
]]
local C = ffi.C
local tsbuf = ffi.new("antidistill_timespec")
local null = cjson.null
local re_find = ngx.re.find
local find, sub, byte, lower, floor = string.find, string.sub, string.byte, string.lower, math.floor
local type, next, tonumber, tostring = type, next, tonumber, tostring

local M = {}
local cfg
local table_dict

function M.init(path)
  local f = assert(io.open(path, "rb"))
  cfg = assert(cjson.decode(f:read("*a")))
  f:close()
end

local function wall()
  C.clock_gettime(0, tsbuf)
  return tonumber(tsbuf.tv_sec), tonumber(tsbuf.tv_nsec)
end

local function mono()
  C.clock_gettime(1, tsbuf)
  return tonumber(tsbuf.tv_sec) + tonumber(tsbuf.tv_nsec) * 1e-9
end

local counter, pid_hex = 0, nil
local function request_id(sec, nsec)
  counter = counter + 1
  if not pid_hex then pid_hex = string.format("%x", ngx.worker.pid()) end
  local ns = ffi.new("uint64_t", sec) * 1000000000ULL + nsec
  return "gw-" .. bit.tohex(ns, 16) .. "-" .. pid_hex .. "-" .. string.format("%06x", counter % 16777216)
end

-- JSON shapes. cjson gives tables for both objects and arrays: a non-empty
-- array has t[1], a non-empty object never does (its keys are strings); an
-- empty table could be either, so the callers send it to Python.
local function is_obj(v) return type(v) == "table" and next(v) ~= nil and v[1] == nil end
local function is_arr(v) return type(v) == "table" and v[1] ~= nil end
local function opt_str(v) return v == nil or v == null or type(v) == "string" end
local function opt_num(v)
  if v == nil or v == null then return true end
  return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge
end
local function opt_bool(v) return v == nil or v == null or type(v) == "boolean" end
local INT32 = 2147483647

-- An integer field: the value is a whole number in range, and every place
-- the key appears in the raw text has digits only after it (cjson reads
-- 1.0 and 1 alike; the contract takes only the second).
local function opt_int(raw, body, key, lo, hi)
  local v = body[key]
  if v == nil or v == null then return true end
  if type(v) ~= "number" or v ~= floor(v) or v < lo or v > hi then return false end
  local pat = '"' .. key .. '"%s*:%s*(-?%d+)([^%d])'
  local seen, init = false, 1
  while true do
    local s, e, digits, after = find(raw, pat, init)
    if not s then break end
    if after == "." or after == "e" or after == "E" or #digits > 15 then return false end
    seen, init = true, e
  end
  return seen
end

-- Text nginx may copy into a log line as it is: no control characters (so
-- one line), no number spellings or escapes orjson refuses, valid UTF-8.
local UNSAFE = [=[[\x00-\x1f]|\\u[dD][89a-fA-F]|[0-9]{16,}|[eE][+-]?[0-9]{3,}|[0-9]\.([^0-9]|$)]=]
local function utf8_ok(text)
  return not re_find(text, [=[[\x80-\xff]]=], "jo") or re_find(text, "^", "ju") ~= nil
end
local function plain_json(raw)
  return not re_find(raw, UNSAFE, "jo") and utf8_ok(raw)
end

-- Header bytes as Python reads them (latin-1), in UTF-8.
local function latin1(v)
  if v == nil then return nil end
  return (v:gsub("[\128-\255]", function(c)
    local b = byte(c)
    return string.char(192 + floor(b / 64), 128 + b % 64)
  end))
end

local CHAT, COMPLETIONS, PREDICT = "/v1/chat/completions", "/v1/completions", "/v1/predict"

-- The decoded body when it is plainly valid under the log contract, else nil
-- (Python decides: it refuses with the contract's own message, or serves).
local function fast_check(ep, raw)
  if byte(raw, 1) ~= 123 or not plain_json(raw) then return nil end          -- '{' first: an object, no whitespace games
  local body = cjson.decode(raw)
  if not is_obj(body) then return nil end
  if ep == CHAT then
    local msgs = body.messages
    if not is_arr(msgs) then return nil end
    for i = 1, #msgs do
      local m = msgs[i]
      if not is_obj(m) or type(m.role) ~= "string" or not opt_str(m.content) then return nil end
    end
  elseif ep == COMPLETIONS then
    if body.prompt == nil or not opt_str(body.prompt) then return nil end
  else
    if not is_arr(body.instances) then return nil end
  end
  if not (opt_str(body.model) and opt_str(body.user) and opt_num(body.temperature) and opt_num(body.top_p)) then return nil end
  if not (opt_int(raw, body, "max_tokens", 0, 9.007e15) and opt_int(raw, body, "n", 0, INT32)
          and opt_int(raw, body, "seed", -9.007e15, 9.007e15) and opt_int(raw, body, "top_logprobs", 0, INT32)) then
    return nil
  end
  local lp = body.logprobs
  if ep == COMPLETIONS and type(lp) == "number" then
    if not opt_int(raw, body, "logprobs", 0, INT32) then return nil end
  elseif not opt_bool(lp) then
    return nil
  end
  local bias = body.logit_bias
  if bias ~= nil and bias ~= null then
    if not is_obj(bias) then return nil end
    for token, w in pairs(bias) do
      if not find(token, "^%d+$") or type(w) ~= "number" or not (w >= -100 and w <= 100) then return nil end
    end
  end
  local tools = body.tools
  if tools ~= nil and tools ~= null then
    if not is_arr(tools) then return nil end
    for i = 1, #tools do
      local t = tools[i]
      if not is_obj(t) then return nil end
      local fn, name = t["function"], nil
      if type(fn) == "table" then
        if next(fn) == nil then return nil end
        if fn[1] == nil then name = fn.name else name = t.name end
      else
        name = t.name
      end
      if not opt_str(name) then return nil end
    end
  end
  local fmt = body.response_format
  if fmt ~= nil and fmt ~= null and type(fmt) ~= "string" then
    if not is_obj(fmt) or not opt_str(fmt.type) then return nil end
  end
  return body
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- (account, api key id) or nil
local function identify()
  if cfg.account_header then
    local a = ngx.var["http_" .. cfg.account_header]
    if a and a ~= "" then return a, ngx.var.http_x_api_key_id end
  end
  local auth, key = ngx.var.http_authorization, nil
  if auth and #auth >= 7 and lower(sub(auth, 1, 7)) == "bearer " then
    key = trim(sub(auth, 8))
  else
    key = ngx.var.http_x_api_key
  end
  if not key or key == "" then return nil end
  local v = ngx.shared.antidistill:get("k:" .. key)
  if not v then return nil end
  local i = find(v, "\0", 1, true)
  if i then return sub(v, 1, i - 1), sub(v, i + 1) end
  return v, nil
end

local function send(status, body, ctype, rid, extra_name, extra_value)
  ngx.status = status
  ngx.header["Content-Type"] = ctype
  ngx.header["Content-Length"] = #body
  if rid then ngx.header["X-Request-Id"] = rid end
  if extra_name then ngx.header[extra_name] = extra_value end
  ngx.print(body)
  ngx.eof()
end

local function take_token(acct, rate, burst)
  local dict = ngx.shared.antidistill
  local key = "b:" .. acct .. "\0" .. rate .. "\0" .. burst
  local now = mono()
  local tokens, stamp = burst, now
  local v = dict:get(key)
  if v then
    local i = find(v, ":", 1, true)
    tokens, stamp = tonumber(sub(v, 1, i - 1)), tonumber(sub(v, i + 1))
  end
  tokens = tokens + (now - stamp) * rate
  if tokens > burst then tokens = burst end
  local wait = 0
  if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
  dict:set(key, tostring(tokens) .. ":" .. tostring(now), 3600 + burst / rate)
  return wait
end

-- Keys of every object in a decoded value, against the key tokens of its
-- text: fewer decoded means a key was given twice (DuckDB refuses such a
-- line; Python keeps the last), and then Python writes the line.
local KEY = [=["(?:[^"\\]|\\.)*"\s*:]=]
local function count_keys(t)
  if type(t) ~= "table" then return 0 end
  local n = 0
  if t[1] ~= nil then
    for i = 1, #t do n = n + count_keys(t[i]) end
    return n
  end
  for _, v in pairs(t) do n = n + 1 + count_keys(v) end
  return n
end
local function no_repeated_keys(raw, decoded)
  local _, n = ngx.re.gsub(raw, KEY, "", "jo")
  return n == count_keys(decoded)
end

local function ascii(v) return v == nil or not re_find(v, [=[[\x80-\xff]]=], "jo") end

local ts_sec, ts_prefix = -1, ""
local function rfc3339(sec, nsec)
  if sec ~= ts_sec then ts_sec, ts_prefix = sec, os.date("!%Y-%m-%dT%H:%M:%S.", sec) end
  return ts_prefix .. string.format("%03dZ", floor(nsec / 1000000))
end

-- One exchange for the log. Usually its spec-format line, written here
-- (``S``, with what the Python side counts in front of it); a line that
-- needs Python (an SSE answer to reassemble, text that is not plain, a
-- forwarded client address) goes as a record it turns into the line (``R``).
-- ``response``: the answer's text, or nil (a refusal: null in the log);
-- ``decoded``: that text decoded, for a whole answer.
local function record(x, status, response, how, decoded)
  local lat = x.lat or (mono() - x.t0)
  local ua = ngx.var.http_user_agent
  local resp = "null"
  local plain = how ~= "stream" and not cfg.trust_forwarded_for and ascii(ua) and ascii(x.acct) and ascii(x.kid)
                and no_repeated_keys(x.raw, x.body)
  if plain and response then
    if is_obj(decoded) or (type(decoded) == "table" and next(decoded) == nil and byte(response, 1) == 123) then
      plain = plain_json(response) and no_repeated_keys(response, decoded)
      resp = response
    end
  end
  if not plain then
    ngx.var.ad_record = "R\t" .. cjson.encode({
      r = x.rid, s = x.sec, n = x.nsec, l = lat, a = latin1(x.acct), k = latin1(x.kid),
      ip = ngx.var.remote_addr, x = cfg.trust_forwarded_for and latin1(ngx.var.http_x_forwarded_for) or nil,
      u = latin1(ua), e = x.ep, st = status, q = x.raw, p = response and utf8_ok(response) and response or nil,
      h = how, g = x.attrs,
    })
    return
  end
  local b = {"S\t", x.rid, "\t", x.ep, "\t", status, "\t", string.format("%.9f", lat), "\t", x.actions or "", "\t",
             '{"request_id":"', x.rid, '","ts":"', rfc3339(x.sec, x.nsec), '","account_id":', cjson.encode(x.acct)}
  if x.kid then b[#b + 1] = ',"api_key_id":'; b[#b + 1] = cjson.encode(x.kid) end
  b[#b + 1] = ',"client_ip":'; b[#b + 1] = cjson.encode(ngx.var.remote_addr)
  if ua then b[#b + 1] = ',"user_agent":'; b[#b + 1] = cjson.encode(ua) end
  b[#b + 1] = ',"endpoint":"'; b[#b + 1] = x.ep; b[#b + 1] = '","request":'; b[#b + 1] = x.raw
  b[#b + 1] = ',"response":'; b[#b + 1] = resp; b[#b + 1] = ',"status":'; b[#b + 1] = status
  b[#b + 1] = ',"latency_ms":'; b[#b + 1] = string.format("%.3f", lat * 1000)
  if x.attrs then b[#b + 1] = ',"gateway":'; b[#b + 1] = sub(x.attrs, 1, -2); b[#b + 1] = ',"changes":[]}' end
  b[#b + 1] = "}"
  ngx.var.ad_record = table.concat(b)
end

local function fields(v)
  local out, init = {}, 1
  while true do
    local i = find(v, "\0", init, true)
    if not i then out[#out + 1] = sub(v, init); return out end
    out[#out + 1] = sub(v, init, i - 1)
    init = i + 1
  end
end

local function to_python()
  return ngx.exec("@antidistill_python")
end

local function upstream_fault(kind)
  local f = cfg.faults[kind]
  return f[1], f[2]
end

function M.handle()
  local sec, nsec = wall()
  local t0 = mono()
  local ep = ngx.var.uri
  if ngx.req.get_method() ~= "POST" then
    return send(405, cfg.not_post[ep], "application/json", nil, "Allow", "POST")
  end
  local rid = request_id(sec, nsec)
  local acct, kid = identify()
  if not acct then return send(401, cfg.unauthorized, "application/json", rid) end
  local declared = ngx.var.http_content_length
  if declared and find(declared, "^%d+$") and tonumber(declared) > cfg.max_body then
    return send(413, cfg.too_large_declared[1] .. declared .. cfg.too_large_declared[2], "application/json", rid)
  end
  ngx.req.read_body()
  local raw = ngx.req.get_body_data()
  if not raw then return to_python() end                    -- empty, or spilled to a file: Python answers
  if #raw > cfg.max_body then return send(413, cfg.too_large, "application/json", rid) end
  local body = fast_check(ep, raw)
  if not body then return to_python() end
  local dict = ngx.shared.antidistill
  local d = dict:get("a:" .. acct) or dict:get("*")
  local x = {rid = rid, sec = sec, nsec = nsec, t0 = t0, acct = acct, kid = kid, ep = ep, raw = raw, body = body}
  if d then
    local kind = byte(d, 1)
    if kind == 80 then return to_python() end                 -- 'P'
    if type(body.user) == "string" and dict:get("u:" .. acct) then return to_python() end
    local f = fields(d)
    x.attrs, x.actions = f[2], f[3]
    if kind == 66 then                                        -- 'B': block
      x.lat = mono() - t0
      send(403, f[4], "application/json", rid)
      return record(x, 403, nil, "refused")
    elseif kind == 84 then                                    -- 'T': throttle
      local wait = take_token(acct, tonumber(f[4]), tonumber(f[5]))
      if wait > 0 then
        x.lat = mono() - t0
        send(429, f[6], "application/json", rid, "Retry-After", tostring(math.max(1, floor(wait + 0.999))))
        return record(x, 429, nil, "refused")
      end
    end
  elseif type(body.user) == "string" and dict:get("u:" .. acct) then
    return to_python()
  end
  if body.stream == true and ep ~= PREDICT then
    x.body, x.raw = nil, nil  -- the stream location reads the body again
    ngx.var.ad_ctx = cjson.encode(x)
    return ngx.exec("@antidistill_stream")
  end
  local res = ngx.location.capture("/_antidistill_up" .. ep, {method = ngx.HTTP_POST, body = raw})
  -- nginx's own failures reach a subrequest as a bare status, without a body
  local fault = nil
  if (res.status == 502 or res.status == 504) and (res.body or "") == "" then
    fault = res.status == 504 and "timeout" or "unreachable"
  elseif res.truncated then
    fault = "broken"
  end
  if fault then
    local status, msg = upstream_fault(fault)
    x.lat = mono() - t0
    send(status, msg, "application/json", rid)
    return record(x, status, nil, "refused")
  end
  local status, content = res.status, res.body or ""
  local obj = content ~= "" and cjson.decode(content) or nil
  if obj ~= nil and not utf8_ok(content) then obj = nil end  -- orjson would not read it either
  if status < 400 and not (is_obj(obj) or (type(obj) == "table" and next(obj) == nil and byte(content, 1) == 123)) then
    local s, msg = upstream_fault("bad_body")
    x.lat = mono() - t0
    send(s, msg, "application/json", rid)
    return record(x, s, nil, "refused")
  end
  x.lat = mono() - t0
  send(status, content, res.header["Content-Type"] or "application/json", rid)
  return record(x, status, content, "whole", obj)
end

-- SSE: proxied with buffering off; the chunks are kept for the log.
local function stream_ctx()
  local x = cjson.decode(ngx.var.ad_ctx)
  x.raw = ngx.req.get_body_data()
  return x
end

function M.stream_header()
  local x = stream_ctx()
  ngx.ctx.x = x
  ngx.ctx.chunks = {}
  ngx.header["X-Request-Id"] = x.rid
  if not ngx.header["Content-Type"] then ngx.header["Content-Type"] = "text/event-stream" end
end

function M.stream_body()
  local chunk, eof = ngx.arg[1], ngx.arg[2]
  local chunks = ngx.ctx.chunks
  if chunks then
    if chunk ~= "" then chunks[#chunks + 1] = chunk end
    if eof then ngx.ctx.ended = true end
  end
end

function M.stream_log()
  local x = ngx.ctx.x
  if not x then return end
  local status = ngx.status
  if not ngx.ctx.ended and status < 400 then status = 502 end  -- cut off mid-stream
  record(x, status, table.concat(ngx.ctx.chunks), "stream")
end

-- The model server could not be reached (or timed out) for a stream.
function M.stream_fault()
  local x = stream_ctx()
  local kind = ngx.var.antidistill_fault
  local status, msg = upstream_fault(kind)
  x.lat = mono() - x.t0
  send(status, msg, "application/json", x.rid)
  return record(x, status, nil, "refused")
end

function M.too_large()
  -- nginx refused a body past client_max_body_size; the account comes first, as in Python
  local acct = identify()
  if not acct then return send(401, cfg.unauthorized, "application/json", nil) end
  local declared = ngx.var.http_content_length
  if declared and find(declared, "^%d+$") then
    return send(413, cfg.too_large_declared[1] .. declared .. cfg.too_large_declared[2], "application/json", nil)
  end
  return send(413, cfg.too_large, "application/json", nil)
end

-- The control socket: the Python gateway sets and deletes table entries.
function M.control()
  ngx.req.read_body()
  local data = ngx.req.get_body_data()
  if not data then
    local path = ngx.req.get_body_file()
    if path then local f = io.open(path, "rb"); data = f:read("*a"); f:close() end
  end
  local changes = cjson.decode(data or "")
  if type(changes) ~= "table" then ngx.status = 400; return ngx.say("bad table update") end
  local dict = ngx.shared.antidistill
  local n = 0
  for k, v in pairs(changes) do
    if v == null then dict:delete(k) else
      local ok, err = dict:safe_set(k, v)
      if not ok then ngx.status = 507; return ngx.say("table full: " .. tostring(err)) end
    end
    n = n + 1
  end
  ngx.say(n)
end

return M
"""
