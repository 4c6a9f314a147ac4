-- Index one conversation for the inbox: its words and its tags (state, agent, ...).
-- Every set of the index scores a conversation by when it started, so a search is an
-- intersection of sets, newest first, and a date range is a score range.
-- KEYS: all-conversations sorted set, the conversation's set of words, its tags hash
-- ARGV: conversation id, now (its start when it is new), the word keys' prefix, n tags,
--       then n triples (tag name, the tag's set key, 'set' to replace or 'first' to keep
--       an earlier one), then the words
-- Returns the conversation's start (the score it has everywhere)
local all, words, tags = KEYS[1], KEYS[2], KEYS[3]
local id, now, word_prefix, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local score = redis.call('ZSCORE', all, id)
if not score then
  score = now
  redis.call('ZADD', all, score, id)
end
for i = 0, n - 1 do
  local name, key, mode = ARGV[5 + 3 * i], ARGV[6 + 3 * i], ARGV[7 + 3 * i]
  local old = redis.call('HGET', tags, name)
  if old ~= key and not (old and mode == 'first') then
    if old then redis.call('ZREM', old, id) end
    redis.call('ZADD', key, score, id)
    redis.call('HSET', tags, name, key)
  end
end
for i = 5 + 3 * n, #ARGV do
  redis.call('ZADD', word_prefix .. ARGV[i], score, id)
  redis.call('SADD', words, ARGV[i])
end
return score
