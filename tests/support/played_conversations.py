"""A known set of conversations, played through a real gateway and the real trained bot,
so the insights report can be checked against what happened.

Customers ask FAQs the bot answers; others ask about three topics no FAQ covers (dogs in
the shops, a wedding registry, plastic-free packaging), which the bot hands to a person,
who replies and resolves; one presses "Not what I meant" under an FAQ answer; one asks for
a person. Some rate the agent afterwards.

    played = await play_all(gateway.url, ada)      # ada: a connected Agent
    played.conversations, TOPICS["dogs"].questions
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devstack.clients import Agent, Customer

BOT_TIMEOUT_S = 60.0
NOT_WHAT_I_MEANT = "/faq_rejected"


@dataclass(frozen=True)
class Topic:
    """Questions of one meaning no FAQ answers, and what the agent replies to each."""

    questions: tuple[str, ...]
    reply: str


TOPICS = {
    "dogs": Topic(
        (
            "Can I bring my dog into your store?",
            "Are dogs allowed inside your shops?",
            "Is my puppy welcome in the store with me?",
            "can I come in with my dog",
        ),
        "Yes, dogs on a lead are welcome in all our stores.",
    ),
    "packaging": Topic(
        (
            "Is your packaging plastic free?",
            "How sustainable is your packaging?",
            "Do you use recyclable packaging for deliveries?",
        ),
        "Our boxes and padding are recycled cardboard and paper, with no plastic.",
    ),
    "registry": Topic(
        ("Do you have a wedding gift registry?", "Is there a bridal registry service?"),
        "We do not offer a wedding registry, but a gift card works for every guest.",
    ),
}
FAQ_QUESTIONS = (
    ("How can I reset my password?", "reset_password"),
    ("What payment methods do you accept?", "payment_methods"),
    ("How long does delivery take?", "delivery_times"),
)
REJECTED = ("How do I track my parcel?", "track_order")
HUMAN_REQUEST = "I want to talk to a human"
# Ratings given after an agent resolved, in the order the hand-offs are played.
RATINGS = (5, 4, 2, 5)


@dataclass
class Played:
    """What was played, as the report should count it."""

    conversations: int = 0
    contained: int = 0
    handoffs_by_reason: dict[str, int] = field(default_factory=dict)
    claimed: int = 0
    ratings: list[int] = field(default_factory=list)
    faq_answers: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)

    def handed_off(self, reason: str) -> None:
        self.handoffs_by_reason[reason] = self.handoffs_by_reason.get(reason, 0) + 1

    def answered(self, faq_id: str) -> None:
        self.faq_answers[faq_id] = self.faq_answers.get(faq_id, 0) + 1


async def play_all(url: str, agent: Agent) -> Played:
    """Play every conversation, one after the other; `agent` claims each hand-off."""
    played = Played()
    ratings = list(RATINGS)
    for question, faq_id in FAQ_QUESTIONS:
        customer = await _customer(url, played)
        await _answered(customer, question)
        played.answered(faq_id)
        played.contained += 1
        await customer.disconnect()
    for topic in TOPICS.values():
        for question in topic.questions:
            customer = await _customer(url, played)
            await _queued(customer, question)
            played.handed_off("low_confidence")
            await _served(customer, agent, [topic.reply], ratings, played)
    customer = await _customer(url, played)
    question, faq_id = REJECTED
    await _answered(customer, question)
    played.answered(faq_id)
    await _queued(customer, NOT_WHAT_I_MEANT)
    played.handed_off("faq_rejected")
    played.rejected[faq_id] = 1
    await _served(customer, agent, ["Your tracking link is in the shipping email."], [], played)
    customer = await _customer(url, played)
    await _queued(customer, HUMAN_REQUEST)
    played.handed_off("customer_request")
    await _served(customer, agent, ["Hello, how can I help?"], ratings, played)
    return played


async def _customer(url: str, played: Played) -> Customer:
    customer = await Customer.connect(url)
    await customer.start_session()
    played.conversations += 1
    return customer


async def _answered(customer: Customer, question: str) -> None:
    """Ask an FAQ; the bot answers with the "Not what I meant" button under it."""
    mark = customer.mark()
    await customer.say(question)
    await customer.bot_message(
        lambda m: m.get("role") == "bot" and bool(m.get("quick_replies")),
        after=mark,
        timeout=BOT_TIMEOUT_S,
    )


async def _queued(customer: Customer, text: str) -> None:
    mark = customer.mark()
    await customer.say(text)
    await customer.wait_for(
        "status", lambda s: s["state"] == "queued", after=mark, timeout=BOT_TIMEOUT_S
    )


async def _served(
    customer: Customer, agent: Agent, replies: list[str], ratings: list[int], played: Played
) -> None:
    """The agent claims, replies and resolves; the customer rates if a rating is left."""
    conversation_id = customer.conversation_id
    claimed = await agent.call("claim", {"conversation_id": conversation_id})
    assert claimed["ok"], claimed
    played.claimed += 1
    for text in replies:
        sent = await agent.call("message", {"conversation_id": conversation_id, "text": text})
        assert sent["ok"], sent
    resolved = await agent.call("resolve", {"conversation_id": conversation_id})
    assert resolved["ok"], resolved
    if ratings:
        score = ratings.pop(0)
        rated = await customer.call("rating", {"score": score})
        assert rated["ok"], rated
        played.ratings.append(score)
    await customer.disconnect()
