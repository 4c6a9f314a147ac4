"""Names of every Redis key the gateway uses, in one place, under one prefix.

keys = Keys("handoff:")
keys.transcript("c1")  # 'handoff:transcript:c1'
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str

    def conversation(self, conversation_id: str) -> str:
        """Hash: state, gen, agent, reason, confidence, queued_at, last_message..."""
        return f"{self.prefix}conversation:{conversation_id}"

    def transcript(self, conversation_id: str) -> str:
        """Stream: one entry per message or event, ids assigned by Redis."""
        return f"{self.prefix}transcript:{conversation_id}"

    def calls(self, conversation_id: str) -> str:
        """Hash, two minutes after its last write: the results of the latest scripted calls
        on the conversation by call token, so a retried call is not run twice (once.py)."""
        return f"{self.prefix}calls:{conversation_id}"

    @property
    def queue(self) -> str:
        """Sorted set of queued conversation ids, scored by queue order."""
        return f"{self.prefix}queue"

    @property
    def queue_waits(self) -> str:
        """List of the latest measured queue waits (seconds), for wait estimates."""
        return f"{self.prefix}queue_waits"

    def agent_chats(self, username: str) -> str:
        """Set of conversation ids an agent holds. Lua scripts build this name too."""
        return f"{self.prefix}agent_chats:{username}"

    def agent(self, username: str) -> str:
        """Hash: name, password hash, limit, status, last_seen."""
        return f"{self.prefix}agent:{username}"

    @property
    def agents(self) -> str:
        """Set of every agent username."""
        return f"{self.prefix}agents"

    def agent_sockets(self, username: str) -> str:
        """Sorted set of `<process>:<sid>` connections, scored by last heartbeat."""
        return f"{self.prefix}agent_sockets:{username}"

    def attachment(self, attachment_id: str) -> str:
        """Hash: conversation, name, size, content_type, created_at of an uploaded file."""
        return f"{self.prefix}attachment:{attachment_id}"

    def revoked_token(self, token_id: str) -> str:
        """String, expiring with the token: an agent token signed out before its expiry."""
        return f"{self.prefix}revoked_token:{token_id}"

    def login_failures(self, kind: str, who: str) -> str:
        """Counter of failed logins of a username or client address (`kind`) in a window."""
        return f"{self.prefix}login_failures:{kind}:{who}"

    def login_lockout(self, kind: str, who: str) -> str:
        """String, expiring with the lockout: this username or address may not log in."""
        return f"{self.prefix}login_lockout:{kind}:{who}"

    def customer_sockets(self, conversation_id: str) -> str:
        """Sorted set of a conversation's open widget connections, scored by heartbeat."""
        return f"{self.prefix}customer_sockets:{conversation_id}"

    @property
    def mail_due(self) -> str:
        """Sorted set of conversations with agent messages to email, scored by due time."""
        return f"{self.prefix}mail_due"

    @property
    def outbox(self) -> str:
        """Stream of composed emails waiting to be sent (consumer group `mailers`)."""
        return f"{self.prefix}outbox"

    def mail_sent(self, key: str) -> str:
        """String: how far the send of the email with idempotency key `key` got."""
        return f"{self.prefix}mail_sent:{key}"

    def taught(self, conversation_id: str) -> str:
        """Hash: reply entry id -> JSON of an answer an agent marked good in the conversation
        (the review list); dropped once the conversation's transcript expired."""
        return f"{self.prefix}taught:{conversation_id}"

    @property
    def taught_conversations(self) -> str:
        """Set of conversation ids that have answers marked good."""
        return f"{self.prefix}taught_conversations"

    @property
    def inbox_all(self) -> str:
        """Sorted set of every conversation in the inbox index, scored by its start."""
        return f"{self.prefix}inbox:all"

    def inbox_word(self, word: str) -> str:
        """Sorted set of the conversations whose transcript has `word`, scored by start."""
        return f"{self.prefix}inbox:word:{word}"

    def inbox_tag(self, tag: str, value: str) -> str:
        """Sorted set of the conversations with a tag (`state`, `agent`...), by start."""
        return f"{self.prefix}inbox:tag:{tag}:{value}"

    def inbox_words_of(self, conversation_id: str) -> str:
        """Set of the words a conversation is indexed under (to take it out again)."""
        return f"{self.prefix}inbox:words_of:{conversation_id}"

    def inbox_tags_of(self, conversation_id: str) -> str:
        """Hash: tag -> the tag key a conversation is in."""
        return f"{self.prefix}inbox:tags_of:{conversation_id}"

    @property
    def inbox_expiry(self) -> str:
        """Sorted set of closed conversations, scored by when they leave the index."""
        return f"{self.prefix}inbox:expiry"

    def inbox_scratch(self, nonce: str) -> str:
        """A search's intersection, deleted by the search that made it."""
        return f"{self.prefix}inbox:scratch:{nonce}"

    @property
    def secret(self) -> str:
        """The shared signing secret when GATEWAY_SECRET is not set."""
        return f"{self.prefix}secret"
