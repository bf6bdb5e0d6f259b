/**
 * The Lua scripts of RedisPresence. Values are small JSON arrays (cjson in the script, JSON in Node):
 * a nick `[nick, session, node]`, a member `[nick, node]`. Each node lists what it put in Redis in its
 * `held:NODE` set, so whoever finds the node dead can take exactly its share out again.
 */

/**
 * Claim the first free nick of a list. KEYS: nicks hash, held set. ARGV: session, node, ns, then pairs of
 * (nick, folded nick). A nick already held by the same session (a resume, maybe from another node) is
 * taken over. Returns the 1-based index of the pair granted, or 0 when all are taken.
 */
export const CLAIM_NICK = `
local session, node, ns = ARGV[1], ARGV[2], ARGV[3]
for i = 4, #ARGV, 2 do
  local fold = ARGV[i + 1]
  local v = redis.call('HGET', KEYS[1], fold)
  if (not v) or cjson.decode(v)[2] == session then
    redis.call('HSET', KEYS[1], fold, cjson.encode({ARGV[i], session, node}))
    redis.call('SADD', KEYS[2], cjson.encode({'n', ns, fold, session}))
    return (i - 2) / 2
  end
end
return 0
`;

/** Release a nick if this session on this node holds it. KEYS: nicks, held. ARGV: fold, session, node, ns. */
export const RELEASE_NICK = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then
  local n = cjson.decode(v)
  if n[2] == ARGV[2] and n[3] == ARGV[3] then redis.call('HDEL', KEYS[1], ARGV[1]) end
end
redis.call('SREM', KEYS[2], cjson.encode({'n', ARGV[4], ARGV[1], ARGV[2]}))
return 1
`;

/** Join. KEYS: room hash, held. ARGV: session, nick, node, ns, room. Returns the member count. */
export const JOIN = `
local added = redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({ARGV[2], ARGV[3]}))
redis.call('SADD', KEYS[2], cjson.encode({'m', ARGV[4], ARGV[5], ARGV[1]}))
return {redis.call('HLEN', KEYS[1]), added}
`;

/**
 * Leave, unless the session is now a member through another node (it resumed there). KEYS: room, held.
 * ARGV: session, node, ns, room. Returns the member count.
 */
export const LEAVE = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and cjson.decode(v)[2] == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('SREM', KEYS[2], cjson.encode({'m', ARGV[3], ARGV[4], ARGV[1]}))
return redis.call('HLEN', KEYS[1])
`;

/** Own a session. KEYS: owners hash, held. ARGV: session, node, ns. Returns the previous owner or false. */
export const CLAIM_SESSION = `
local before = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], cjson.encode({'o', ARGV[3], ARGV[1]}))
return before
`;

/** Disown a session if this node owns it. KEYS: owners, held. ARGV: session, node, ns. */
export const RELEASE_SESSION = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('SREM', KEYS[2], cjson.encode({'o', ARGV[3], ARGV[1]}))
return 1
`;

/**
 * Reap dead nodes: every node in the `nodes` set whose `alive:` key has expired (or, with ARGV[3] = '1',
 * this node's own leftovers from an earlier run). Removing the node from the set first makes one caller
 * the reaper. ARGV: prefix, this node, force. Returns flat departures: ns, room, session, nick, node, ...
 */
export const REAP = `
local prefix, self, force = ARGV[1], ARGV[2], ARGV[3] == '1'
local out = {}
local function reap(id)
  redis.call('SREM', prefix .. 'nodes', id)
  local held = prefix .. 'held:' .. id
  for _, raw in ipairs(redis.call('SMEMBERS', held)) do
    local e = cjson.decode(raw)
    if e[1] == 'm' then
      local key = prefix .. 'room:{' .. e[2] .. '|' .. e[3] .. '}'
      local v = redis.call('HGET', key, e[4])
      if v then
        local m = cjson.decode(v)
        if m[2] == id then
          redis.call('HDEL', key, e[4])
          for _, x in ipairs({e[2], e[3], e[4], m[1], id}) do table.insert(out, x) end
        end
      end
    elseif e[1] == 'n' then
      local key = prefix .. 'nicks:' .. e[2]
      local v = redis.call('HGET', key, e[3])
      if v and cjson.decode(v)[3] == id then redis.call('HDEL', key, e[3]) end
    elseif e[1] == 'o' then
      local key = prefix .. 'owner:' .. e[2]
      if redis.call('HGET', key, e[3]) == id then redis.call('HDEL', key, e[3]) end
    end
  end
  redis.call('DEL', held)
end
if force then
  reap(self)
else
  for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'nodes')) do
    if id ~= self and redis.call('EXISTS', prefix .. 'alive:' .. id) == 0 then reap(id) end
  end
end
return out
`;
