"""Rasa's training cache must not hand back a component's output made by older code: our
code's hash is part of every component's cache key, and of the model's name."""

from pathlib import Path

import pytest
from rasa.engine.training.fingerprinting import calculate_fingerprint_key

from bot.code_fingerprint import code_fingerprint
from bot.components import FaqRetriever, SentenceEmbeddingFeaturizer, SharedLabelIntentClassifier


def test_fingerprint_follows_every_python_file(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "calibration.py").write_text("ANSWER = 0.3\n")
    (tmp_path / "notes.txt").write_text("not code")
    before = code_fingerprint(tmp_path)
    (tmp_path / "notes.txt").write_text("still not code")
    code_fingerprint.cache_clear()
    assert code_fingerprint(tmp_path) == before
    (tmp_path / "faq" / "calibration.py").write_text("ANSWER = 0.2\n")
    code_fingerprint.cache_clear()
    assert code_fingerprint(tmp_path) != before


@pytest.mark.parametrize(
    ("component", "module"),
    [
        (FaqRetriever, "bot.components.stored_model"),
        (SharedLabelIntentClassifier, "bot.components.stored_model"),
        (SentenceEmbeddingFeaturizer, "bot.components.sentence_featurizer"),
    ],
)
def test_rasa_cache_key_changes_with_our_code(
    component: type, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change in bot/faq/calibration.py leaves the component class's own source (all
    Rasa hashes of code) alone; the cache key must change all the same."""
    config = component.get_default_config()
    key = calculate_fingerprint_key(component, config, {})
    assert calculate_fingerprint_key(component, config, {}) == key
    monkeypatch.setattr(f"{module}.code_fingerprint", lambda: "changed code")
    assert calculate_fingerprint_key(component, config, {}) != key
