"""Scripts that a retry cannot run twice: a call retried after its reply was lost returns
the first call's result.

The gateway's Redis client re-sends a command when the connection breaks before the reply
arrives (a Redis restart, a cut network). A script that had already run would then run
again: a message recorded twice in the transcript, or a claim refused ("already held")
that in fact succeeded. `OnceScript` wraps such a script: each logical call carries a
fresh token (a retry re-sends the same command, so the same token), and the script keeps
each token's result for `REMEMBER_S` in a hash next to the conversation (ids, states and
usernames; no message text). The lookup and the record run inside the script, so they
cost no round trip.

    append = OnceScript(redis, source)
    await append(keys=[conversation_key, stream_key], args=[...], once=keys.calls("c1"))
"""

from __future__ import annotations

import uuid
from typing import Any, Sequence

from redis.asyncio import Redis

# Longer than any retry: the client's (seconds) and the bot relay's during an outage (30 s).
REMEMBER_S = 120
# A long busy conversation starts its hash afresh at this size (retries come within
# seconds, so the results dropped are long settled).
REMEMBER_CALLS = 64

_WRAPPER = """
local once_key, once_token = KEYS[#KEYS], ARGV[#ARGV]
local done = redis.call('HGET', once_key, once_token)
if done then return cjson.decode(done) end
local function run()
{body}
end
local result = run()
if redis.call('HLEN', once_key) >= {calls} then redis.call('DEL', once_key) end
redis.call('HSET', once_key, once_token, cjson.encode(result))
redis.call('EXPIRE', once_key, {remember})
return result
"""


def new_token() -> str:
    """A token for one logical call; pass the same one to retries of that call."""
    return uuid.uuid4().hex


class OnceScript:
    """A Lua script whose result is remembered per call token (see the module docstring).

    The script must return an array of strings and must not read `#KEYS` or `#ARGV`: the
    hash's key and the token ride after its own keys and arguments.
    """

    def __init__(self, redis: Redis, body: str) -> None:
        source = (
            _WRAPPER.replace("{body}", body)
            .replace("{remember}", str(REMEMBER_S))
            .replace("{calls}", str(REMEMBER_CALLS))
        )
        self._script = redis.register_script(source)

    async def __call__(
        self, *, keys: Sequence[str], args: Sequence[Any], once: str, token: str = ""
    ) -> Any:
        """Run the script, or return the result a call with `token` already had."""
        return await self._script(keys=[*keys, once], args=[*args, token or new_token()])
