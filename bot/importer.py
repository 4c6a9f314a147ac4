"""Training data importer that turns FAQ files in bot/data into a Rasa retrieval intent.

Every `faqs:` YAML file among the training data becomes examples of `faq/<id>` plus the
response `utter_faq/<id>`; its `unanswerable:` questions become examples of `faq/no_faq_fits`
(questions for the shop that no FAQ answers: the retriever hands them off). The FAQs are
therefore ordinary Rasa training data: a changed FAQ retrains the model, and an old model
keeps its own FAQs (versioning and rollback).
"""

from __future__ import annotations

from pathlib import Path
from typing import List

import yaml
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.faq_retriever import FAQ_INTENT, faq_response
from bot.faq.catalog import (
    Faq,
    FaqFileError,
    is_faq_document,
    load_faq_file,
)
from bot.faq.classifier import NO_FAQ


class FaqImporter(RasaFileImporter):
    """Rasa's file importer plus the FAQ files (config.yml: `importers: - name: ...`)."""

    def __init__(
        self,
        config_file: str | None = None,
        domain_path: str | None = None,
        training_data_paths: List[str] | str | None = None,
    ) -> None:
        super().__init__(config_file, domain_path, training_data_paths)
        self._faq_files = find_faq_files(training_data_paths)

    def get_nlu_data(self, language: str | None = "en") -> TrainingData:
        nlu_data = super().get_nlu_data(language)
        faqs: List[Faq] = []
        unanswerable: List[str] = []
        for path in self._faq_files:
            file_faqs, file_unanswerable = load_faq_file(path)
            faqs += file_faqs
            unanswerable += file_unanswerable
        return nlu_data.merge(faq_training_data(faqs, unanswerable))


def faq_training_data(faqs: List[Faq], unanswerable: List[str]) -> TrainingData:
    """FAQs as examples of the `faq` retrieval intent, with their answers as responses."""
    no_faq = Faq(NO_FAQ, tuple(unanswerable), "A person will help you with this.")
    faqs = [*faqs, no_faq] if unanswerable else faqs
    examples = [
        Message(
            data={
                TEXT: question,
                INTENT: FAQ_INTENT,
                INTENT_RESPONSE_KEY: f"{FAQ_INTENT}/{faq.id}",
            }
        )
        for faq in faqs
        for question in faq.questions
    ]
    responses = {faq_response(faq.id): [{"text": faq.answer}] for faq in faqs}
    return TrainingData(training_examples=examples, responses=responses)


def find_faq_files(paths: List[str] | str | None) -> List[Path]:
    """YAML files with a top-level `faqs:` key under the given training data paths."""
    if paths is None:
        return []
    roots = [Path(paths)] if isinstance(paths, str) else [Path(p) for p in paths]
    candidates = sorted(
        file
        for root in roots
        for file in ([root] if root.is_file() else root.rglob("*"))
        if file.suffix in {".yml", ".yaml"}
    )
    found = []
    for file in candidates:
        try:
            document = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            if "faqs:" in file.read_text(encoding="utf-8"):
                raise FaqFileError(file, "file", f"is not valid YAML ({error})") from error
            continue
        if is_faq_document(document):
            found.append(file)
    return found
