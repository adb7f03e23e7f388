package redisstore

import (
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/sessiongate/sessiongate/sessions"
)

// The scripts. "#!lua" (Redis 7) makes Redis refuse any key outside the
// slot of the declared keys, so a key outside the store's hash tag fails
// loudly instead of working until the day it runs on a Cluster. Numbers
// that reach Redis are always the strings Go passed or Redis returned,
// never Lua arithmetic on them: Lua would write 1.7e15 as "1.7e+15".

// revokeOne is shared by Rotate (reuse) and Revoke: mark the session
// revoked at now, move its end to now, append the feed entry.
const revokeOne = `
local function revoke(key, id, sub, now, reason, all, seq, feed)
	redis.call('HSET', key, 'rev', now, 'why', reason)
	redis.call('ZADD', all, now, id)
	local n = redis.call('INCR', seq)
	redis.call('XADD', feed, n .. '-0', 'sid', id, 'sub', sub, 'at', now, 'why', reason)
end
`

// createScript: KEYS session, user set, all; ARGV id, end, field/value...
var createScript = redis.NewScript(`#!lua
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
`)

// rotateScript is sessions.Decide in Lua. KEYS session, all, seq, feed;
// ARGV id, presented generation, now, grace, now+idle timeout, user agent,
// IP, reuse reason, channel. Returns {outcome, HGETALL of the session after
// the step}, or {0} when there is no such session.
var rotateScript = redis.NewScript(strings.NewReplacer(
	"ROTATED", strconv.Itoa(int(sessions.OutcomeRotated)),
	"REPEATED", strconv.Itoa(int(sessions.OutcomeRepeated)),
	"REUSED", strconv.Itoa(int(sessions.OutcomeReused)),
	"AHEAD", strconv.Itoa(int(sessions.OutcomeAhead)),
	"ENDED", strconv.Itoa(int(sessions.OutcomeEnded)),
).Replace(`#!lua` + revokeOne + `
local r = redis.call('HMGET', KEYS[1], 'gen', 'rot', 'idle', 'exp', 'rev', 'sub')
if not r[1] then return {0} end
local gen, q, now = tonumber(r[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local rot, idle, exp = tonumber(r[2] or '0'), tonumber(r[3] or '0'), tonumber(r[4] or '0')
local outcome
if r[5] or now >= idle or now >= exp then
	outcome = ENDED
elseif q > gen then
	outcome = AHEAD
elseif q == gen then
	local nextIdle = ARGV[5]
	if tonumber(nextIdle) > exp then nextIdle = r[4] end
	redis.call('HINCRBY', KEYS[1], 'gen', 1)
	redis.call('HSET', KEYS[1], 'rot', ARGV[3], 'last', ARGV[3], 'idle', nextIdle, 'ua', ARGV[6], 'ip', ARGV[7])
	redis.call('ZADD', KEYS[2], nextIdle, ARGV[1])
	outcome = ROTATED
elseif q + 1 == gen and rot ~= 0 and now - rot < tonumber(ARGV[4]) then
	outcome = REPEATED
else
	revoke(KEYS[1], ARGV[1], r[6], ARGV[3], ARGV[8], KEYS[2], KEYS[3], KEYS[4])
	redis.call('PUBLISH', ARGV[9], '')
	outcome = REUSED
end
return {outcome, redis.call('HGETALL', KEYS[1])}
`))

// revokeScript: KEYS source (the session, the user's set or all), all,
// seq, feed; ARGV mode ("id", "set" or "all"), the ID (mode "id") or the
// one to spare (mode "set"), session key base, now, reason, channel.
// Returns how many it revoked.
var revokeScript = redis.NewScript(`#!lua` + revokeOne + `
local ids, except = {}, ''
if ARGV[1] == 'id' then
	ids = {ARGV[2]}
elseif ARGV[1] == 'set' then
	ids, except = redis.call('SMEMBERS', KEYS[1]), ARGV[2]
else
	ids = redis.call('ZRANGE', KEYS[1], 0, -1)
end
table.sort(ids)
local now, n = tonumber(ARGV[4]), 0
for _, id in ipairs(ids) do
	local key = ARGV[3] .. id
	local r = redis.call('HMGET', key, 'sub', 'rev', 'idle', 'exp')
	if id ~= except and r[1] and not r[2] and now < tonumber(r[3] or '0') and now < tonumber(r[4] or '0') then
		revoke(key, id, r[1], ARGV[4], ARGV[5], KEYS[2], KEYS[3], KEYS[4])
		n = n + 1
	end
end
if n > 0 then redis.call('PUBLISH', ARGV[6], '') end
return n
`)

// listScript: KEYS the user's set; ARGV session key base. Returns {id,
// HGETALL, id, HGETALL, ...}.
var listScript = redis.NewScript(`#!lua
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
	local h = redis.call('HGETALL', ARGV[1] .. id)
	if #h > 0 then
		table.insert(out, id)
		table.insert(out, h)
	end
end
return out
`)

// sweepScript: KEYS all, feed; ARGV cutoff, limit, session key base, user
// key base. Deletes up to limit sessions that ended before cutoff, and up
// to limit feed entries older than cutoff from the feed's old end.
var sweepScript = redis.NewScript(`#!lua
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(ids) do
	local key = ARGV[3] .. id
	local sub = redis.call('HGET', key, 'sub')
	redis.call('DEL', key)
	if sub then redis.call('SREM', ARGV[4] .. sub, id) end
	redis.call('ZREM', KEYS[1], id)
end
local cutoff = tonumber(ARGV[1])
for _, e in ipairs(redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', ARGV[2])) do
	local at
	for i = 1, #e[2], 2 do
		if e[2][i] == 'at' then at = tonumber(e[2][i + 1]) end
	end
	if not at or at >= cutoff then break end
	redis.call('XDEL', KEYS[2], e[1])
end
return #ids
`)

// putKeyScript: KEYS keys, retire; ARGV slot, key JSON, RetireAt.
var putKeyScript = redis.NewScript(`#!lua
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
	redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
return redis.call('HGET', KEYS[1], ARGV[1])
`)

// deleteKeysScript: KEYS keys, retire; ARGV now.
var deleteKeysScript = redis.NewScript(`#!lua
local slots = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1])
for _, slot in ipairs(slots) do
	redis.call('HDEL', KEYS[1], slot)
	redis.call('ZREM', KEYS[2], slot)
end
return #slots
`)
