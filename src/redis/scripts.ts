/**
 * The Lua scripts of the Redis history. Each runs atomically, so numbering, storing, de-duplicating and
 * publishing a message is one step that every node sees in the same order.
 */

/**
 * Append. KEYS: meta, log, cids. ARGV: epoch if the room has none, window (HISTORY_LIMIT), `session\0cid`
 * or '', message JSON without seq, channel to publish on or '', ns as a JSON string.
 * Returns {1, seq} for a new message, {0, seq, json} for a resend still held.
 */
export const APPEND = `
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
local window = tonumber(ARGV[2])
local cid = ARGV[3]
if cid ~= '' then
  local held = redis.call('ZSCORE', KEYS[3], cid)
  if held then
    local entry = redis.call('XRANGE', KEYS[2], held .. '-0', held .. '-0')
    if entry[1] then return {0, tonumber(held), entry[1][2][2]} end
  end
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('XADD', KEYS[2], 'MAXLEN', '~', window, seq .. '-0', 'm', ARGV[4])
if cid ~= '' then redis.call('ZADD', KEYS[3], seq, cid) end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', seq - window)
if ARGV[5] ~= '' then
  local epoch = cjson.encode(redis.call('HGET', KEYS[1], 'epoch'))
  redis.call('PUBLISH', ARGV[5], '{"ns":' .. ARGV[6] .. ',"epoch":' .. epoch .. ',"seq":' .. seq .. ',"m":' .. ARGV[4] .. '}')
end
return {1, seq}
`;

/**
 * Info and range. KEYS: meta, log. ARGV: epoch if the room has none, window, after or '', before or '',
 * count. The stream is trimmed approximately (MAXLEN ~), so the window is applied here: a read sees exactly
 * the newest HISTORY_LIMIT messages. Returns {epoch, seq, first, id1, json1, id2, json2, ...}, ascending
 * when `after` is given, else descending.
 */
export const RANGE = `
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq')
local seq = tonumber(meta[2] or '0')
local held = math.min(redis.call('XLEN', KEYS[2]), tonumber(ARGV[2]))
local first = seq - held + 1
local out = {meta[1], seq, first}
local count = tonumber(ARGV[5])
if count <= 0 then return out end
local lo = first
if ARGV[3] ~= '' then lo = math.max(lo, tonumber(ARGV[3]) + 1) end
local hi = seq
if ARGV[4] ~= '' then hi = math.min(hi, tonumber(ARGV[4]) - 1) end
if hi < lo then return out end
local entries
if ARGV[3] ~= '' then
  entries = redis.call('XRANGE', KEYS[2], lo .. '-0', hi .. '-0', 'COUNT', count)
else
  entries = redis.call('XREVRANGE', KEYS[2], hi .. '-0', lo .. '-0', 'COUNT', count)
end
for _, entry in ipairs(entries) do
  table.insert(out, entry[1])
  table.insert(out, entry[2][2])
end
return out
`;
