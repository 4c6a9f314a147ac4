"""The ONNX Runtime encoder gives sentence-transformers' vectors, and its export is cached.

The real packaged model is exported (into a private cache directory) and compared with
sentence-transformers on the kinds of text customers send, including the bad ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.faq import embedder, onnx_export
from bot.faq.embedder import DEFAULT_MODEL, SentenceTransformerEncoder, resolve_model_path
from bot.faq.onnx_encoder import OnnxEncoder

TEXTS = [
    "How do I reset my password?",
    "where is my parcel",
    "hi",
    "",
    "   padded with spaces   ",
    "¿Dónde está mi pedido? 我的订单在哪里",
    "\x00\x01\x7f binary-looking \ufffd",
    "<script>alert('x')</script>",
    "refund " * 2000,  # far beyond the model's 256 tokens: truncated, as sentence-transformers does
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("encoders")
    return onnx_export.exported_model_dir(resolve_model_path(DEFAULT_MODEL), cache)


def test_vectors_match_sentence_transformers(exported: Path) -> None:
    onnx_vectors = OnnxEncoder(exported).encode(TEXTS)
    torch_vectors = SentenceTransformerEncoder(DEFAULT_MODEL).encode(TEXTS)
    assert onnx_vectors.shape == (len(TEXTS), 384)
    assert np.abs(onnx_vectors - torch_vectors).max() < 1e-5
    assert np.allclose(np.linalg.norm(onnx_vectors, axis=1), 1.0, atol=1e-5)


def test_a_text_gets_the_same_vector_alone_or_in_any_batch(exported: Path) -> None:
    encoder = OnnxEncoder(exported, batch_size=2)
    together = encoder.encode(TEXTS)
    alone = np.stack([encoder.encode([text])[0] for text in TEXTS])
    assert np.abs(together - alone).max() < 1e-5
    assert encoder.encode([]).shape == (0, 384)


def test_the_export_is_reused_until_the_model_changes(tmp_path: Path, exported: Path) -> None:
    cache = exported.parent
    spec = exported / onnx_export.SPEC_FILE
    written = spec.stat().st_mtime_ns
    assert onnx_export.exported_model_dir(resolve_model_path(DEFAULT_MODEL), cache) == exported
    assert spec.stat().st_mtime_ns == written  # not exported again

    model_copy = tmp_path / "model"
    model_copy.mkdir()
    (model_copy / "config.json").write_text("{}")
    before = onnx_export.fingerprint(str(model_copy))
    (model_copy / "config.json").write_text('{"changed": true}')
    assert onnx_export.fingerprint(str(model_copy)) != before


def test_a_model_the_exporter_cannot_handle_runs_on_torch(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refuse(model_path: str) -> Path:
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(onnx_export, "exported_model_dir", refuse)
    embedder.load_encoder.cache_clear()
    try:
        encoder = embedder.load_encoder(DEFAULT_MODEL)
        assert isinstance(encoder, SentenceTransformerEncoder)
        assert encoder.encode(["hello"]).shape == (1, 384)
        assert "runs on torch" in caplog.text and "unsupported operator" in caplog.text
    finally:
        embedder.load_encoder.cache_clear()


def test_a_broken_export_directory_is_not_used(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        OnnxEncoder(tmp_path)
