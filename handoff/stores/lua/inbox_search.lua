-- The conversations in every given set (words and tags), started between two times,
-- newest first: how many there are, and one page of their ids.
-- KEYS: all-conversations sorted set, a scratch key, then the sets to intersect
-- ARGV: earliest start, latest start, offset, count
-- Returns {total, id...}
local all, scratch = KEYS[1], KEYS[2]
local since, till, offset, count = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local source = all
if #KEYS == 3 then
  source = KEYS[3]
elseif #KEYS > 3 then
  local sets = {}
  for i = 3, #KEYS do table.insert(sets, KEYS[i]) end
  table.insert(sets, 'AGGREGATE')
  table.insert(sets, 'MIN')  -- every set scores a conversation alike: its start
  redis.call('ZINTERSTORE', scratch, #KEYS - 2, unpack(sets))
  source = scratch
end
local total = redis.call('ZCOUNT', source, since, till)
local ids = redis.call('ZREVRANGEBYSCORE', source, till, since, 'LIMIT', offset, count)
if source == scratch then redis.call('DEL', scratch) end
local result = {total}
for _, id in ipairs(ids) do table.insert(result, id) end
return result
