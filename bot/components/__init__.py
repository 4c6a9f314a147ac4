"""Rasa graph components named in config.yml (`bot.components.<Name>`)."""

from bot import rasa_speedups
from bot.components.faq_retriever import FaqRetriever
from bot.components.sentence_featurizer import SentenceEmbeddingFeaturizer

rasa_speedups.apply()

__all__ = ["FaqRetriever", "SentenceEmbeddingFeaturizer"]
