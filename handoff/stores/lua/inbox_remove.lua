-- Take one conversation out of every set of the inbox index.
-- KEYS: all-conversations sorted set, the conversation's set of words, its tags hash,
--       the expiry sorted set
-- ARGV: conversation id, the word keys' prefix
-- Returns 1 when the conversation was indexed
local all, words, tags, expiry = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, word_prefix = ARGV[1], ARGV[2]
for _, word in ipairs(redis.call('SMEMBERS', words)) do
  redis.call('ZREM', word_prefix .. word, id)
end
for _, key in ipairs(redis.call('HVALS', tags)) do redis.call('ZREM', key, id) end
redis.call('DEL', words, tags)
redis.call('ZREM', expiry, id)
return redis.call('ZREM', all, id)
