"""FAQ retrieval core: FAQ catalog, sentence embeddings, FAISS index and the answer rule.

Plain Python, usable without Rasa::

    encoder = load_encoder(DEFAULT_MODEL)
    index = FaqIndex.build(load_catalog("bot/data/faq.yml"), encoder)
    matches = index.search_vectors(encoder.encode(["I forgot my password"]), top_k=5)[0]
    decision = RetrievalSettings().rule().decide(matches)  # .faq_id, or None: hand off
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
