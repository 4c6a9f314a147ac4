-- Put an answer an agent marked good on the review list, once per reply, and let it expire
-- with the conversation's transcript (retention): the question is the customer's text.
-- KEYS: the conversation's taught hash, the set of conversations with taught answers,
--       the conversation's transcript stream
-- ARGV: conversation id, reply entry id, the taught answer (JSON)
-- Returns the stored JSON: the new one, or the one marked before.
local added = redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
local ttl = redis.call('PTTL', KEYS[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
if added == 1 then return ARGV[3] end
return redis.call('HGET', KEYS[1], ARGV[2])
