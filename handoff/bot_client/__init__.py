"""The gateway's link to the bot: Rasa's REST channel, and its replies as entries."""

from handoff.bot_client.client import BotUnavailable, RasaClient
from handoff.bot_client.replies import BotReply, parse_bot_reply

__all__ = ["BotReply", "BotUnavailable", "RasaClient", "parse_bot_reply"]
