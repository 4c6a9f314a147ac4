"""FAQ retrieval core: FAQ catalog, sentence embeddings, FAISS index and the answer rule.

Plain Python, usable without Rasa::

    encoder = load_encoder(DEFAULT_MODEL)
    settings = RetrievalSettings()
    retriever, _ = build_retriever(load_catalog("bot/data/faq.yml"), encoder, settings)
    question = "I forgot my password"
    matches = retriever.index.search([question], encoder.encode([question]), 5)[0]
    decision = retriever.rule(settings).decide(matches)  # .faq_id, or None: hand off
"""

from bot.faq.catalog import Faq, FaqFileError, load_catalog, parse_catalog
from bot.faq.decision import Decision, DecisionRule
from bot.faq.embedder import DEFAULT_MODEL, Encoder, load_encoder
from bot.faq.evaluate import build_retriever
from bot.faq.index import FaqIndex, FaqMatch
from bot.faq.retriever import TrainedRetriever
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
    "TrainedRetriever",
    "build_retriever",
    "load_catalog",
    "load_encoder",
    "parse_catalog",
]
