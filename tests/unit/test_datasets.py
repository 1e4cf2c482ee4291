"""Training data: a card's ``datasets:`` and the other model fields, dataset cards told
from model cards, the table of well-known datasets (valid, its non-commercial word
taken from the license's terms), resolution against dataset cards in the scan and the
table, and the findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier.datasets import (
    DatasetCard,
    card_keys,
    commercial_license,
    dataset_cards,
    kind_findings,
    load_table,
    model_info,
    named_datasets,
    non_commercial_keys,
    resolve,
    training_data_findings,
)
from licensetier.errors import LicenseDBError
from licensetier.license_db import LicenseDB
from licensetier.models import Artifact, Severity, Tier, Weights
from licensetier.readers import Reading
from licensetier.readers.model_card import ModelCard, load_hf_licenses, parse_model_card


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def _card(front: str, source: str = "README.md") -> ModelCard:
    card = parse_model_card(f"---\n{front}---\n# Card\n", source)
    assert card is not None
    return card


# -- the card's fields -----------------------------------------------------------------


def test_datasets_as_a_string_or_a_list_with_their_line() -> None:
    one = _card("license: mit\ndatasets: tatsu-lab/alpaca\n")
    assert (one.datasets, one.datasets_line, one.errors) == (("tatsu-lab/alpaca",), 3, ())
    many = _card("datasets:\n  - squad\n  - ''\n  # a comment\n  - 'allenai/c4'\nlicense: mit\n")
    assert (many.datasets, many.datasets_line) == (("squad", "allenai/c4"), 2)
    assert many.dataset_lines == (("squad", 3), ("", 4), ("allenai/c4", 6))
    assert _card("datasets: [a, b]\nlicense: mit\n").dataset_lines == ()  # on the key's line


def test_datasets_of_the_wrong_type_is_an_error_with_its_line() -> None:
    card = _card("license: mit\ndatasets:\n  name: squad\npipeline_tag: 3\n")
    assert card.datasets == ()
    assert card.license == ("mit",)  # the rest of the card is kept
    messages = sorted((e.line, e.message) for e in card.errors)
    assert messages == [
        (3, "datasets: expected a string or a list of strings, got a table ({'name': 'squad'})"),
        (5, "pipeline_tag: expected a string, got an integer (3)"),
    ]
    assert all(e.path == "README.md" for e in card.errors)


def test_model_name_pipeline_tag_library_and_pretty_name() -> None:
    card = _card(
        "model_name: tiny-chat\npipeline_tag: text-generation\nlibrary_name: transformers\n"
        "model-index:\n- name: ignored-when-model_name-is-given\n"
    )
    assert (card.model_name, card.pipeline_tag, card.library_name) == (
        "tiny-chat",
        "text-generation",
        "transformers",
    )
    indexed = _card("model-index:\n- name: from-the-index\n  results: []\n")
    assert indexed.model_name == "from-the-index"
    malformed = _card("model-index: {name: x}\n")  # the Hub's concern: no name, no error
    assert (malformed.model_name, malformed.errors) == (None, ())
    assert _card("pretty_name: Tiny Stories\n").pretty_name == "Tiny Stories"


@pytest.mark.parametrize(
    ("front", "is_dataset"),
    [
        # a dataset card as the Hub writes them
        (
            "license: cc-by-nc-4.0\ntask_categories:\n- text-generation\n"
            "size_categories:\n- 10K<n<100K\npretty_name: Alpaca\n",
            True,
        ),
        ("dataset_info:\n  features: []\nconfigs:\n- config_name: default\n", True),
        ("annotations_creators: [crowdsourced]\nsource_datasets: [original]\n", True),
        # model cards; one that borrows task_categories is still a model card
        (
            "license: mit\nbase_model: meta-llama/Llama-3.1-8B\npipeline_tag: text-generation\n",
            False,
        ),
        (
            "model_name: x\nbase_model: y/z\nlibrary_name: peft\ntask_categories: [qa]\n"
            "datasets: [a/b]\n",
            False,
        ),
        # nothing says which: a model card, as before
        ("license: apache-2.0\n", False),
        ("language: en\ntags: [x]\n", False),
    ],
)
def test_a_dataset_card_is_told_from_a_model_card(front: str, is_dataset: bool) -> None:
    assert _card(front).is_dataset is is_dataset


# -- the table ---------------------------------------------------------------------------


def test_every_license_of_the_table_is_a_known_key(db: LicenseDB) -> None:
    known = db.keys() | db.licenseref_keys()
    table = load_table()
    assert len(table.entries) >= 25
    for entry in table.entries:
        assert entry.source.startswith("https://"), entry
        if entry.terms is None:
            assert entry.keys is not None, entry
            assert entry.keys in known, entry  # one key each
            db.keys_to_spdx(entry.keys)
        else:
            assert entry.keys is None
            assert entry.license is None


def test_no_dataset_is_listed_twice() -> None:
    seen: set[str] = set()
    for entry in load_table().entries:
        for pattern in entry.ids:
            assert pattern.lower() not in seen, pattern
            seen.add(pattern.lower())


@pytest.mark.parametrize(
    ("name", "license_", "non_commercial"),
    [
        ("tatsu-lab/alpaca", "cc-by-nc-4.0", True),
        ("https://huggingface.co/datasets/tatsu-lab/alpaca", "cc-by-nc-4.0", True),
        ("Samsung/samsum", "cc-by-nc-nd-4.0", True),  # CC BY-NC-ND: the same attribute
        ("ILSVRC/imagenet-1k", None, True),  # terms of access, not a license
        ("databricks/databricks-dolly-15k", "cc-by-sa-3.0", False),
        ("OPENASSISTANT/OASST1", "apache-2.0", False),
        ("mozilla-foundation/common_voice_11_0", "cc0-1.0", False),
        ("allenai/c4", "odc-by", False),
        ("squad", "cc-by-sa-4.0", False),
    ],
)
def test_the_table_resolves_and_non_commercial_comes_from_the_terms(
    name: str, license_: str | None, non_commercial: bool
) -> None:
    entry = load_table().lookup(name)
    assert entry is not None
    assert (entry.license, entry.non_commercial) == (license_, non_commercial)


@pytest.mark.parametrize("name", ["someone/alpaca", "tatsu-lab/alpaca-extra", "imagenet-1k-x"])
def test_what_the_table_does_not_know(name: str) -> None:
    assert load_table().lookup(name) is None


SOURCE = 'source = "https://x"\n'
AB = 'ids = ["a/b"]\n'


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (AB + 'license = "cc-by-nc-4.0"\nnon_commercial = true\n' + SOURCE, "license's attribute"),
        (AB + SOURCE, "either `license` or `terms`"),
        (AB + 'license = "mit"\nterms = "t"\n' + SOURCE, "either `license` or `terms`"),
        (AB + 'terms = "research only"\n' + SOURCE, "states `non_commercial`"),
        (AB + 'license = "mit"\n', "`source`"),
        ('ids = []\nlicense = "mit"\n' + SOURCE, "`ids`"),
        (AB + 'license = "mit"\nurl = "y"\n' + SOURCE, "unknown field"),
    ],
)
def test_the_table_is_validated(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "datasets.toml"
    path.write_text(f"[[dataset]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(LicenseDBError, match=message):
        load_table(path)


# -- dataset cards in the scan and resolution ----------------------------------------------


def _write(root: Path, path: str, front: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"---\n{front}---\n# Card\n", encoding="utf-8")


def test_dataset_cards_are_found_and_read(tmp_path: Path, db: LicenseDB) -> None:
    _write(tmp_path, "README.md", "license: mit\nbase_model: a/b\n")  # a model card
    _write(tmp_path, "data/chats/README.md", "license: cc-by-nc-4.0\ntask_categories: [x]\n")
    _write(tmp_path, "data/web/README.md", "license: odc-by\npretty_name: Web Text\nconfigs: []\n")
    _write(tmp_path, "data/bare/README.md", "task_categories: [x]\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/README.md").write_text("---\n: not yaml: [\n", encoding="utf-8")
    files = ["README.md", "data/chats/README.md", "data/web/README.md", "data/bare/README.md"]
    cards = dataset_cards(tmp_path, [*files, "docs/README.md"], Reading(), db, "repo")
    shown = [(c.path, c.directory, c.name, c.license, c.non_commercial) for c in cards]
    assert shown == [
        ("data/bare/README.md", "data/bare", "bare", None, False),
        ("data/chats/README.md", "data/chats", "chats", "CC-BY-NC-4.0", True),
        ("data/web/README.md", "data/web", "Web Text", "ODC-By-1.0", False),
    ]
    root_card = dataset_cards(tmp_path, ["data/chats/README.md"], Reading(), db, "repo")
    assert root_card[0].name == "chats"


def test_card_keys_reads_hub_ids_license_name_and_spdx(db: LicenseDB) -> None:
    assert card_keys(_card("license: [cc-by-nc-4.0, mit]\n"), db) == "cc-by-nc-4.0 AND mit"
    other = _card("license: other\nlicense_name: qwen-research\n")
    assert card_keys(other, db) is not None
    assert card_keys(_card("license: Apache-2.0 OR MIT\n"), db) == "(apache-2.0 OR mit)"
    assert card_keys(_card("license: gfdl\n"), db) is None  # a family: not one license
    assert card_keys(_card("license: no-such-thing\n"), db) is None


def _dataset_card(directory: str, license_: str, pretty: str | None = None) -> DatasetCard:
    front = f"license: {license_}\ntask_categories: [x]\n"
    if pretty:
        front += f"pretty_name: {pretty}\n"
    card = _card(front, f"{directory}/README.md")
    nc = license_.startswith("cc-by-nc")
    name = pretty or directory.rpartition("/")[2]
    return DatasetCard(f"{directory}/README.md", directory, name, card, license_, None, nc)


def test_resolution_prefers_the_dataset_cards_in_the_scan() -> None:
    cards = [_dataset_card("data/alpaca", "mit"), _dataset_card("data/x", "cc-by-nc-4.0", "Chats")]
    card = _card("datasets: [tatsu-lab/alpaca, me/chats, https://huggingface.co/datasets/me/X]\n")
    art = Artifact(".", None, None, None)
    resolved = [resolve(n, cards) for n in named_datasets(art, card, ())]
    assert [r.card.path if r.card else None for r in resolved] == [
        "data/alpaca/README.md",  # the local card, not the table's non-commercial entry
        "data/x/README.md",  # by pretty_name
        "data/x/README.md",  # by directory name, from a Hub URL
    ]
    assert [r.non_commercial for r in resolved] == [False, True, True]
    assert resolve(named_datasets(art, _card("datasets: squad\n"), ())[0], cards).known


def test_named_datasets_from_the_card_and_gguf_headers_once_each() -> None:
    art = Artifact("m", None, None, None)
    card = _card("datasets: [a/b, c/d]\n", "m/README.md")
    weights = [
        Weights("m/x.gguf", "gguf", datasets=("A/B", "e/f"), artifact="m"),
        Weights("other/y.gguf", "gguf", datasets=("g/h",), artifact="other"),
    ]
    named = named_datasets(art, card, weights)
    assert [(n.name, n.source, n.line) for n in named] == [
        ("a/b", "m/README.md", 2),
        ("c/d", "m/README.md", 2),
        ("e/f", "m/x.gguf", None),
    ]
    dataset = _card("datasets: [a/b]\ntask_categories: [x]\npretty_name: P\n")
    assert named_datasets(art, dataset, ()) == []  # a dataset card trains nothing


# -- the findings --------------------------------------------------------------------------


def _artifact(db: LicenseDB, spdx: str | None, kind: str | None = "model-weights") -> Artifact:
    c = db.classify(db.spdx_to_keys(spdx)) if spdx else None
    return Artifact(".", kind, Tier.SOMETIMES_OPEN if kind else None, None, (), spdx, c)


@pytest.mark.parametrize(
    ("spdx", "allows"),
    [
        ("Apache-2.0", True),
        ("LicenseRef-scancode-llama-3.1-license-2024", True),  # custom, commercial use allowed
        ("CC-BY-NC-4.0", False),
        ("MIT AND CC-BY-NC-SA-4.0", False),
        ("LicenseRef-scancode-flux-1-nc", False),  # the same attribute, a model license
        ("LicenseRef-scancode-proprietary-license", False),
        (None, False),
    ],
)
def test_which_licenses_allow_commercial_use(db: LicenseDB, spdx: str | None, allows: bool) -> None:
    assert (commercial_license(_artifact(db, spdx), db) is not None) is allows


def test_a_commercial_license_on_non_commercial_data(db: LicenseDB) -> None:
    card = _card("license: apache-2.0\ndatasets:\n- tatsu-lab/alpaca\n- unknown/data\n- squad\n")
    findings, resolved = training_data_findings(_artifact(db, "Apache-2.0"), card, [], db)
    shown = [(f.rule, f.severity, f.path, f.line, f.license) for f in findings]
    assert shown == [
        ("training-data-non-commercial", Severity.WARNING, "README.md", 4, "CC-BY-NC-4.0"),
        ("dataset-unverified", Severity.INFO, "README.md", 5, None),  # each item's own line
    ]
    assert "trained on tatsu-lab/alpaca" in findings[0].message
    assert "https://github.com/tatsu-lab/stanford_alpaca" in findings[0].message
    assert "Apache-2.0" in findings[0].message
    assert "open legal question" in findings[0].why
    assert [r.named.name for r in resolved] == ["tatsu-lab/alpaca", "unknown/data", "squad"]
    # declared non-commercial, or not declared at all: nothing to say about the data
    assert training_data_findings(_artifact(db, "CC-BY-NC-4.0"), card, [], db)[0] == []
    assert training_data_findings(_artifact(db, None), card, [], db)[0] == []


def test_the_intended_license_counts_when_none_is_declared(db: LicenseDB) -> None:
    card = _card("datasets: [ms_marco]\n")
    art = Artifact(".", "model-weights", Tier.SOMETIMES_OPEN, "MIT")
    (finding,) = training_data_findings(art, card, [], db)[0]
    assert finding.rule == "training-data-non-commercial"
    assert "MS MARCO terms" in finding.message
    assert finding.license is None


def test_a_local_non_commercial_card_is_named(db: LicenseDB) -> None:
    cards = [_dataset_card("data/chats", "cc-by-nc-4.0")]
    cards = [
        DatasetCard(c.path, c.directory, c.name, c.card, "cc-by-nc-4.0", "CC-BY-NC-4.0", True)
        for c in cards
    ]
    weights = [Weights("model.gguf", "gguf", datasets=("me/chats",))]
    (finding,) = training_data_findings(_artifact(db, "MIT"), None, cards, db, weights)[0]
    assert (finding.rule, finding.path, finding.line) == (
        "training-data-non-commercial",
        "model.gguf",
        None,
    )
    assert "its dataset card data/chats/README.md declares CC-BY-NC-4.0" in finding.message


def test_dataset_kind_undeclared(db: LicenseDB) -> None:
    cards = [_dataset_card("data", "mit"), _dataset_card("sets/a", "mit")]
    root = Artifact(".", None, None, None)
    data = Artifact("data", None, None, None)
    found = kind_findings(cards, [root, data])
    assert [(f.rule, f.severity, f.artifact, f.path) for f in found] == [
        ("dataset-kind-undeclared", Severity.INFO, "data", "data/README.md"),
        ("dataset-kind-undeclared", Severity.INFO, ".", "sets/a/README.md"),
    ]
    assert "data has a dataset card (data/README.md) but declares no kind" in found[0].message
    assert "sets/a has a dataset card (sets/a/README.md) but is no artifact" in found[1].message
    declared = [
        Artifact(".", "model-weights", Tier.SOMETIMES_OPEN, None),
        Artifact("data", "training-data", Tier.RARELY_OPEN, None),
        Artifact("sets", "training-data", Tier.RARELY_OPEN, None),
    ]
    assert kind_findings(cards, declared) == []


def test_dataset_cards_below_one_parent_make_one_finding() -> None:
    cards = [_dataset_card(f"datasets/{n}", "mit") for n in ("a", "b", "c/d")]
    root = Artifact(".", None, None, None)
    (one,) = kind_findings(cards, [root])
    assert one.path == "datasets/a/README.md"
    assert "datasets holds 3 dataset cards (datasets/a/README.md, ...) but is no artifact" in (
        one.message
    )
    scattered = [_dataset_card("data", "mit"), _dataset_card("tools/x", "mit")]
    assert [f.path for f in kind_findings(scattered, [root])] == [
        "data/README.md",
        "tools/x/README.md",
    ]


def test_model_info(db: LicenseDB) -> None:
    card = _card(
        "license: apache-2.0\nmodel-index:\n- name: tiny\npipeline_tag: text-generation\n"
        "library_name: peft\nbase_model: TheBloke/Llama-2-7B-GGUF\nbase_model_relation: quantized\n"
        "datasets: [squad]\n"
    )
    art = _artifact(db, "Apache-2.0")
    _, resolved = training_data_findings(art, card, [], db)
    info = model_info(art, card, resolved, db, [])
    assert info is not None
    assert (info.card, info.name, info.license, info.task, info.library) == (
        "README.md",
        "tiny",
        "Apache-2.0",
        "text-generation",
        "peft",
    )
    (base,) = info.base_models
    assert (base.model, base.relation, base.original) == (
        "TheBloke/Llama-2-7B-GGUF",
        "quantized",
        "Llama-2-7B",
    )
    assert base.license == db.keys_to_spdx("llama-2-license-2023")
    (dataset,) = info.datasets
    assert (dataset.name, dataset.license, dataset.card) == ("squad", "CC-BY-SA-4.0", None)
    # weights alone: the name from the GGUF header
    weights = [Weights("m.gguf", "gguf", metadata=(("general.name", "Tiny GGUF"),))]
    only = model_info(art, None, [], db, weights)
    assert only is not None
    assert (only.card, only.name) == (None, "Tiny GGUF")
    # a dataset card, or a README with front matter of no model: no model
    assert model_info(art, _card("license: mit\ntask_categories: [x]\n"), [], db, []) is None
    assert model_info(art, _card("license: mit\n"), [], db, []) is None


def test_every_non_commercial_creative_commons_id_of_the_hub_is_non_commercial() -> None:
    hf = load_hf_licenses()
    ids = [i for i in hf.keys if i.startswith("cc-by-nc")]
    assert len(ids) == 8
    for ident in ids:
        found = hf.resolve(ident)
        assert found is not None
        assert non_commercial_keys(found[0]), ident
    assert not non_commercial_keys("cc-by-sa-4.0")
    assert not non_commercial_keys("cc-by-nd-4.0")  # no derivatives, but commercial use
