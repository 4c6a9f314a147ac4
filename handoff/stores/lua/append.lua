-- Append entries to a conversation's transcript in one step, with the state they met.
-- With an expected generation the entries are the bot's reply to that generation: if the
-- bot is no longer in charge, the late variants are recorded instead ('late').
-- With an expected agent only that agent's held conversation accepts them.
-- KEYS: conversation hash, transcript stream
-- ARGV: expected generation, expected agent, last message, now, n, bot state, agent state,
--       closed state, the stream field that holds an entry, how long a conversation the bot
--       is in charge of lives without activity (seconds; 0: for ever), then n entries and
--       n late entries (JSON)
-- Returns {status, state, generation, agent, entry ids...}
local conv, stream = KEYS[1], KEYS[2]
local expected_gen, expected_agent, last_message, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local n = tonumber(ARGV[5])
local bot, with_agent, closed, entry_field = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local idle_s = tonumber(ARGV[10])
local first = 10
local state = redis.call('HGET', conv, 'state')
if not state then return {'missing', '', '', ''} end
local gen = redis.call('HGET', conv, 'gen') or '0'
local agent = redis.call('HGET', conv, 'agent') or ''
if state == closed then return {'closed', state, gen, agent} end
if expected_agent ~= '' and (state ~= with_agent or agent ~= expected_agent) then
  return {'agent', state, gen, agent}
end
local offset, status = first, 'ok'
if expected_gen ~= '' and (state ~= bot or gen ~= expected_gen) then
  offset, status = first + n, 'late'
end
local result = {status, state, gen, agent}
for i = 1, n do
  table.insert(result, redis.call('XADD', stream, '*', entry_field, ARGV[offset + i]))
end
if last_message ~= '' then
  redis.call('HSET', conv, 'last_message', last_message, 'last_activity', now)
end
-- While the bot is in charge, every entry restarts the idle clock.
if state == bot and idle_s > 0 then
  redis.call('EXPIRE', conv, idle_s)
  redis.call('EXPIRE', stream, idle_s)
end
return result
