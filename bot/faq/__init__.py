"""FAQ retrieval core: FAQ catalog, sentence embeddings, FAISS index and the answer rule.

Plain Python, usable without Rasa::

    faqs = load_catalog("bot/data/faq.yml")
    index = FaqIndex.build(faqs, load_encoder(DEFAULT_MODEL))
    decision = RetrievalSettings().rule().decide(index.search("forgot my password"))
"""

from bot.faq.catalog import Faq, FaqFileError, load_catalog, parse_catalog
from bot.faq.decision import Decision, DecisionRule
from bot.faq.embedder import DEFAULT_MODEL, Encoder, load_encoder
from bot.faq.index import FaqIndex, FaqMatch
from bot.faq.settings import RetrievalSettings

__all__ = [
    "DEFAULT_MODEL",
    "Decision",
    "DecisionRule",
    "Encoder",
    "Faq",
    "FaqFileError",
    "FaqIndex",
    "FaqMatch",
    "RetrievalSettings",
    "load_catalog",
    "load_encoder",
    "parse_catalog",
]
