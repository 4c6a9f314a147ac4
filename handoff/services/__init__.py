"""Every decision of the gateway, with no sockets in sight, as three services over one core.

The socket and web adapters translate events into calls on these, and the services tell
people what happened through a Notifier. `ConversationCore` (core.py) holds the stores and
the shared steps; `CustomerService`, `BotRelay` and `AgentDesk` each hold the core.

    services = Services.build(Stores.connect(redis, settings), settings, notifier, rasa, secret)
    opened = await services.customers.open_session(token=None)
    await services.customers.message(opened.conversation_id, "where is my parcel?")
"""

from __future__ import annotations

from dataclasses import dataclass

from handoff.auth.tokens import AgentTokens, SessionTokens
from handoff.bot_client import RasaClient
from handoff.mail.service import MailService
from handoff.mail.tokens import MailTokens
from handoff.services.agent_desk import AgentDesk
from handoff.services.bot_relay import BotRelay
from handoff.services.core import ConversationCore
from handoff.services.customers import CustomerService, SessionOpened
from handoff.services.inbox import InboxService
from handoff.services.notifier import Notifier
from handoff.settings import Settings
from handoff.stores import Stores


@dataclass(frozen=True)
class Services:
    """The gateway's services, wired once per process."""

    core: ConversationCore
    customers: CustomerService
    bot: BotRelay
    agents: AgentDesk
    mail: MailService
    inbox: InboxService

    @classmethod
    def build(
        cls,
        stores: Stores,
        settings: Settings,
        notifier: Notifier,
        rasa: RasaClient,
        secret: str,
    ) -> Services:
        core = ConversationCore(stores, notifier, settings)
        bot = BotRelay(core, rasa)
        mail = MailService(core, MailTokens(secret, settings.mail_link_ttl_s), stores.mail)
        return cls(
            core=core,
            customers=CustomerService(core, bot, SessionTokens(secret), mail),
            bot=bot,
            agents=AgentDesk(core, AgentTokens(secret, settings.agent_token_ttl_s), mail),
            mail=mail,
            inbox=InboxService(core),
        )

    @property
    def stores(self) -> Stores:
        return self.core.stores

    async def close(self) -> None:
        await self.bot.close()


__all__ = [
    "AgentDesk",
    "BotRelay",
    "ConversationCore",
    "CustomerService",
    "InboxService",
    "Services",
    "SessionOpened",
]
