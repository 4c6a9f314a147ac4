"""Exports a sentence-transformers model to ONNX once, into a cache every process shares.

The export holds the whole embedding (transformer, the model's own pooling and dense
layers, L2 normalisation) as one ONNX graph, plus the tokenizer and the few settings
`OnnxEncoder` needs, so serving never imports torch. A directory per model is keyed by a
fingerprint of the model's files: retraining or swapping the model exports again, and
processes racing to export the same model each write a private copy and keep the first.

    directory = exported_model_dir("/path/to/all-MiniLM-L6-v2")   # exports on first call
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

# Bump when the exported files change shape, so old caches are not reused.
EXPORT_FORMAT = 2
SPEC_FILE = "encoder.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[2] / "var" / "encoders"


def cache_dir() -> Path:
    """Where exports live: $ENCODER_CACHE_DIR, else var/encoders in the repository."""
    return Path(os.environ.get("ENCODER_CACHE_DIR") or DEFAULT_CACHE_DIR)


def exported_model_dir(model_path: str, cache_root: Path | None = None) -> Path:
    """The directory holding `model_path` as ONNX, exporting it first if need be."""
    root = cache_root or cache_dir()
    target = root / f"{Path(model_path).name or 'model'}-{fingerprint(model_path)}"
    if not (target / SPEC_FILE).is_file():
        root.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=root, prefix=".export-"))
        try:
            export(model_path, scratch)
            scratch.chmod(0o755)
            scratch.rename(target)
        except OSError:
            if not (target / SPEC_FILE).is_file():  # not a lost race: a real failure
                raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return target


def fingerprint(model_path: str) -> str:
    """A short hash of the model's identity: its path and its files' names, sizes and times."""
    digest = hashlib.sha256(f"{EXPORT_FORMAT}\n{model_path}\n".encode())
    directory = Path(model_path)
    if directory.is_dir():
        for file in sorted(p for p in directory.rglob("*") if p.is_file()):
            stat = file.stat()
            line = f"{file.relative_to(directory)}:{stat.st_size}:{stat.st_mtime_ns}\n"
            digest.update(line.encode())
    return digest.hexdigest()[:16]


def export(model_path: str, directory: Path) -> None:
    """Write the model's ONNX graph, tokenizer and spec into `directory`."""
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device="cpu").eval()
    tokenizer = model.tokenizer
    sample = tokenizer(["Where is my parcel?"], return_tensors="pt")
    inputs = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]
    axes = {name: {0: "batch", 1: "tokens"} for name in inputs}
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # the exporter's tracer warnings are about other models
        torch.onnx.export(
            _normalised_embedding(model, inputs),
            tuple(sample[name] for name in inputs),
            str(directory / MODEL_FILE),
            input_names=inputs,
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    tokenizer.backend_tokenizer.save(str(directory / TOKENIZER_FILE))
    spec = {
        "source": model_path,
        "inputs": inputs,
        "max_tokens": int(model.max_seq_length),
        "dimension": int(model.get_sentence_embedding_dimension() or 0),
    }
    (directory / SPEC_FILE).write_text(json.dumps(spec, indent=2))


def _normalised_embedding(model: Any, inputs: list[str]) -> Any:
    """The model as a module of positional tensors returning unit-length sentence vectors."""
    import torch

    class Module(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            features = self.model(dict(zip(inputs, tensors, strict=True)))
            return torch.nn.functional.normalize(features["sentence_embedding"], dim=1)

    return Module()
