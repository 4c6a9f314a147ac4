-- Whole transcripts of several conversations, each as one JSON array of its entries with
-- their ids ('[]' for a missing one).
-- KEYS: transcript streams
-- ARGV: the stream field that holds an entry
-- Returns one string per key
local entry_field, out = ARGV[1], {}
for i, key in ipairs(KEYS) do
  local entries = {}
  for j, row in ipairs(redis.call('XRANGE', key, '-', '+')) do
    local fields, value = row[2], '{}'
    for f = 1, #fields, 2 do
      if fields[f] == entry_field then value = fields[f + 1] end
    end
    -- an entry is a JSON object: its id goes in first
    if value == '{}' then
      entries[j] = '{"id":"' .. row[1] .. '"}'
    else
      entries[j] = '{"id":"' .. row[1] .. '",' .. string.sub(value, 2)
    end
  end
  out[i] = '[' .. table.concat(entries, ',') .. ']'
end
return out
