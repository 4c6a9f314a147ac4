"""Sentence embeddings with ONNX Runtime: the same vectors as sentence-transformers, faster.

ONNX Runtime embeds a customer message for a fraction of torch's CPU time (measured by
`python -m bench.encoder`; figures in docs/performance.md). The graph comes from
`bot.faq.onnx_export`, which also keeps the model's own tokenizer, so serving never runs
torch.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np
from tokenizers import Encoding

from bot.faq.onnx_export import MODEL_FILE, SPEC_FILE, TOKENIZER_FILE


class OnnxEncoder:
    """An exported model behind the `Encoder` protocol.

    encoder = OnnxEncoder(exported_model_dir(path))
    vectors = encoder.encode(["I forgot my password"])   # shape (1, 384), unit length
    """

    def __init__(self, directory: Path, batch_size: int = 32, threads: int | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        spec = json.loads((directory / SPEC_FILE).read_text())
        self._inputs: list[str] = spec["inputs"]
        self._dimension = int(spec["dimension"])
        self._batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        self._tokenizer.enable_truncation(int(spec["max_tokens"]))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads if threads is not None else _threads_setting()
        options.inter_op_num_threads = 1
        # Idle pool threads would otherwise spin for work, taking CPU from Rasa's event loop.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(
            str(directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        # Stripped as sentence-transformers does. Texts of the same token count run
        # together, so no batch is padded: a short question padded to the length of a
        # long one would cost as much as the long one.
        encodings = self._tokenizer.encode_batch([str(text).strip() for text in texts])
        rows_by_length: dict[int, list[int]] = {}
        for row, encoding in enumerate(encodings):
            rows_by_length.setdefault(len(encoding.ids), []).append(row)
        vectors = np.empty((len(encodings), self._dimension), dtype=np.float32)
        for rows in rows_by_length.values():
            for start in range(0, len(rows), self._batch_size):
                chunk = rows[start : start + self._batch_size]
                vectors[chunk] = self._embed([encodings[row] for row in chunk])
        return vectors

    def _embed(self, encodings: list[Encoding]) -> np.ndarray:
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        feeds = {name: np.asarray(columns[name], dtype=np.int64) for name in self._inputs}
        (embedding,) = self._session.run(["embedding"], feeds)
        return np.asarray(embedding, dtype=np.float32)


def _threads_setting() -> int:
    """$ENCODER_THREADS, else 1: each Rasa worker has a core of its own, not two."""
    return int(os.environ.get("ENCODER_THREADS") or 1)
