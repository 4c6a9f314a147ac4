"""Rasa graph components named in config.yml (`bot.components.<Name>`)."""

from bot.components.faq_retriever import FaqRetriever
from bot.components.intent_classifier import SharedLabelIntentClassifier
from bot.components.sentence_featurizer import SentenceEmbeddingFeaturizer

__all__ = ["FaqRetriever", "SentenceEmbeddingFeaturizer", "SharedLabelIntentClassifier"]
