"""Redis-backed state, one store per concept: conversations and their state machine (Lua
scripts in lua/), transcripts, the queue, agents, attachments, the inbox's search index,
the answers agents marked good; every key name in keys.py.

    stores = Stores.connect(redis, settings)
    conversation = await stores.conversations.get("c1")
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from handoff.settings import Settings
from handoff.stores.agents import AgentDirectory
from handoff.stores.attachments import AttachmentStore
from handoff.stores.conversations import ConversationStore
from handoff.stores.inbox import InboxIndex
from handoff.stores.keys import Keys
from handoff.stores.logins import LoginAttempts, LoginLimits
from handoff.stores.mail import MailStore
from handoff.stores.queue import HandoffQueue
from handoff.stores.records import ConversationRecords
from handoff.stores.taught import TaughtStore
from handoff.stores.transcript import TranscriptStore


@dataclass(frozen=True)
class Stores:
    """Every store of one gateway process, over one Redis connection pool."""

    keys: Keys
    conversations: ConversationStore
    transcripts: TranscriptStore
    queue: HandoffQueue
    agents: AgentDirectory
    attachments: AttachmentStore
    mail: MailStore
    logins: LoginAttempts
    records: ConversationRecords
    inbox: InboxIndex
    taught: TaughtStore

    @classmethod
    def connect(cls, redis: Redis, settings: Settings) -> Stores:
        keys = Keys(settings.redis_prefix)
        inbox = InboxIndex(redis, keys)
        conversations = ConversationStore(redis, keys, settings.idle_retention_s, inbox)
        transcripts = TranscriptStore(redis, keys)
        attachments = AttachmentStore(
            redis, keys, settings.attachments_dir, settings.max_attachment_bytes
        )
        return cls(
            keys=keys,
            conversations=conversations,
            transcripts=transcripts,
            queue=HandoffQueue(redis, keys, conversations, settings.default_wait_per_chat_s),
            agents=AgentDirectory(redis, keys),
            attachments=attachments,
            mail=MailStore(redis, keys),
            logins=LoginAttempts(
                redis,
                keys,
                LoginLimits(
                    settings.login_failures_per_username,
                    settings.login_failures_per_address,
                    settings.login_window_s,
                    settings.login_lockout_s,
                ),
            ),
            records=ConversationRecords(
                redis, keys, transcripts, attachments, inbox, settings.rasa_key_prefix
            ),
            inbox=inbox,
            taught=TaughtStore(redis, keys),
        )
