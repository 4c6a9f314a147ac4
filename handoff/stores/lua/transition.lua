-- Move one conversation to a new state, atomically, or say why not.
-- Checks the state (and owner, generation, the new agent's chat limit), moves the
-- conversation in or out of the queue and the agents' chat sets, bumps the generation and
-- appends the system entry that records why.
-- KEYS: conversation hash, transcript stream, queue sorted set
-- ARGV: agent-chats key prefix, conversation id, allowed states (JSON list), expected agent,
--       new state, fields to set (JSON object; '' deletes), entry JSON, queue op
--       (none|remove|tail|head), now, new agent, new agent's chat limit, expected generation,
--       the stream field that holds an entry, the bot state, how long a conversation the
--       bot is in charge of lives without activity (seconds; 0: for ever)
-- Returns {refusal or 'ok', previous state, previous agent, entry id}
local conv, stream, queue = KEYS[1], KEYS[2], KEYS[3]
local agent_chats, id = ARGV[1], ARGV[2]
local allowed = cjson.decode(ARGV[3])
local expected_agent, new_state = ARGV[4], ARGV[5]
local fields = cjson.decode(ARGV[6])
local entry, queue_op = ARGV[7], ARGV[8]
local now = tonumber(ARGV[9])
local new_agent, limit, expected_gen = ARGV[10], tonumber(ARGV[11]), ARGV[12]
local entry_field, bot, idle_s = ARGV[13], ARGV[14], tonumber(ARGV[15])

local state = redis.call('HGET', conv, 'state')
if not state then return {'missing', '', ''} end
local agent = redis.call('HGET', conv, 'agent') or ''
local permitted = false
for _, s in ipairs(allowed) do
  if s == state then permitted = true end
end
if not permitted then return {'state', state, agent} end
if expected_gen ~= '' and redis.call('HGET', conv, 'gen') ~= expected_gen then
  return {'gen', state, agent}
end
if expected_agent ~= '' and agent ~= expected_agent then return {'agent', state, agent} end
if new_agent ~= '' and new_agent ~= agent and limit > 0
   and redis.call('SCARD', agent_chats .. new_agent) >= limit then
  return {'limit', state, agent}
end
if agent ~= '' then redis.call('SREM', agent_chats .. agent, id) end
if new_agent ~= '' then
  redis.call('SADD', agent_chats .. new_agent, id)
  redis.call('HSET', conv, 'agent', new_agent)
else
  redis.call('HDEL', conv, 'agent', 'agent_name')
end
if queue_op == 'remove' then
  redis.call('ZREM', queue, id)
elseif queue_op == 'tail' then
  redis.call('ZADD', queue, now, id)
elseif queue_op == 'head' then
  local first = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
  local score = now
  if first[2] and tonumber(first[2]) < score then score = tonumber(first[2]) end
  redis.call('ZADD', queue, score - 1, id)
end
redis.call('HSET', conv, 'state', new_state)
redis.call('HINCRBY', conv, 'gen', 1)
for k, v in pairs(fields) do
  if v == '' then redis.call('HDEL', conv, k) else redis.call('HSET', conv, k, v) end
end
local entry_id = ''
if entry ~= '' then entry_id = redis.call('XADD', stream, '*', entry_field, entry) end
-- Back with the bot, the idle clock runs; with people it stops (a close sets its own).
if new_state == bot and idle_s > 0 then
  redis.call('EXPIRE', conv, idle_s)
  redis.call('EXPIRE', stream, idle_s)
elseif new_state ~= bot then
  redis.call('PERSIST', conv)
  redis.call('PERSIST', stream)
end
return {'ok', state, agent, entry_id}
