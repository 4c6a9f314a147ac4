-- Take one conversation out of every set of the inbox index.
-- KEYS: all-conversations sorted set, the conversation's set of word keys, its tags hash,
--       the expiry sorted set
-- ARGV: conversation id
-- Returns 1 when the conversation was indexed
local all, words, tags, expiry = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id = ARGV[1]
for _, key in ipairs(redis.call('SMEMBERS', words)) do redis.call('ZREM', key, id) end
for _, key in ipairs(redis.call('HVALS', tags)) do redis.call('ZREM', key, id) end
redis.call('DEL', words, tags)
redis.call('ZREM', expiry, id)
return redis.call('ZREM', all, id)
