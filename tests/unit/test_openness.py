"""Model openness on small inputs: the table (license_db/openness.toml), the license
verdict per content type, the class reached, and what a model card alone shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from licensetier.errors import LicenseDBError
from licensetier.expressions import spdx_list_symbol
from licensetier.license_db import LicenseDB
from licensetier.models import Artifact, OpennessComponent
from licensetier.openness import (
    Inputs,
    _results_table,
    _verdict,
    assess,
    is_model_artifact,
    load_table,
    reached,
)
from licensetier.readers.model_card import parse_model_card


@pytest.fixture(scope="module")
def db() -> LicenseDB:
    return LicenseDB.load()


def test_the_table_is_the_model_openness_tools_list(db: LicenseDB) -> None:
    table = load_table()
    assert len(table.components) == 17
    required = {
        level: sorted(c.name for c in table.components if c.mof_class == level and c.required)
        for level in (3, 2, 1)
    }
    assert required == {
        3: [
            "Data card",
            "Evaluation results",
            "Model architecture",
            "Model card",
            "Model parameters (Final)",
            "Technical report",
        ],
        2: ["Evaluation code", "Evaluation data", "Inference code", "Training code"],
        1: [
            "Data preprocessing code",
            "Datasets",
            "Model parameters (Intermediate)",
            "Research paper",
        ],
    }
    optional = sorted(c.name for c in table.components if not c.required)
    assert optional == ["Model metadata", "Sample model outputs", "Supporting libraries and tools"]
    # every accepted id is an SPDX id, or a LicenseRef licensetier knows
    for group, ids in table.licenses.items():
        for ident in ids:
            if ident.startswith("licenseref-"):
                assert db.spdx_to_keys(ident), (group, ident)
            else:
                assert spdx_list_symbol(ident) is not None, (group, ident)
    assert "cc-by-nc-4.0" not in table.accepted(("code", "data", "document"))


def test_a_broken_table_is_refused(tmp_path: Path) -> None:
    shipped = (Path(__file__).parents[2] / "license_db" / "openness.toml").read_text()
    broken = tmp_path / "openness.toml"
    broken.write_text(shipped.replace("class = 2", "class = 4", 1), encoding="utf-8")
    with pytest.raises(LicenseDBError, match="`class` must be 1, 2 or 3"):
        load_table(broken)
    broken = tmp_path / "openness-2.toml"
    broken.write_text(shipped.replace('id = "code"', 'id = "code"\nextra = 1', 1))
    with pytest.raises(LicenseDBError, match="unknown field"):
        load_table(broken)


@pytest.mark.parametrize(
    ("spdx", "groups", "ok", "named"),
    [
        ("Apache-2.0", ("code",), True, None),
        ("CC-BY-4.0", ("code",), False, "CC-BY-4.0"),
        ("CC-BY-4.0", ("data",), True, None),
        ("MIT OR LicenseRef-scancode-llama-3.1-license-2024", ("code",), True, None),
        ("Apache-2.0 AND CC-BY-NC-4.0", ("data", "code"), False, "CC-BY-NC-4.0 (non-commercial)"),
        ("GPL-2.0-only WITH Classpath-exception-2.0", ("code",), True, None),
        ("LicenseRef-scancode-openmdw-1.0", ("document",), True, None),
        ("LicenseRef-scancode-llama-3.1-license-2024", ("data", "code"), False, "custom"),
        ("LicenseRef-scancode-gemma-tou-2024-04-01", ("code",), False, "custom"),
    ],
)
def test_a_license_for_a_type(
    db: LicenseDB, spdx: str, groups: tuple[str, ...], ok: bool, named: str | None
) -> None:
    accepted, why = _verdict(spdx, load_table().accepted(groups), db)
    assert accepted is ok
    if named is not None:
        assert why is not None
        assert named in why


def _component(level: int, acceptable: bool, required: bool = True) -> OpennessComponent:
    return OpennessComponent(
        id=f"c{level}{acceptable}",
        name="x",
        mof_class=level,
        required=required,
        types=("code",),
        present=acceptable,
        acceptable=acceptable,
    )


def test_the_class_reached_needs_every_class_below() -> None:
    assert reached([_component(3, True), _component(2, True), _component(1, False)]) == 2
    assert reached([_component(3, False), _component(2, True), _component(1, True)]) is None
    assert reached([_component(3, True), _component(2, False, required=False)]) == 1
    assert reached([]) == 1


CARD = """---
license: apache-2.0
tags:
- arxiv:2402.00838
model-index:
- name: Open-7B
  results:
  - task: {type: text-generation}
    metrics: [{type: acc, value: 0.5}]
  - task: {type: text-generation}
    metrics: [{type: acc, value: 0.6}]
---
# Open-7B

Our [technical report](https://example.org/open-7b-report.pdf) and the paper
https://arxiv.org/abs/2402.00838v2, and https://arxiv.org/pdf/2501.00656.
"""


def test_what_a_model_card_alone_shows(db: LicenseDB, tmp_path: Path) -> None:
    card = parse_model_card(CARD, "README.md")
    assert card is not None
    assert (card.eval_results, card.arxiv) == (2, ("2402.00838",))
    art = Artifact(path=".", kind=None, tier=None, intended_license=None)
    assert is_model_artifact(art, card, ())
    art = Artifact(
        path=".", kind=None, tier=None, intended_license=None, declared_license="Apache-2.0"
    )
    (tmp_path / "MODEL_CARD.md").write_text(
        "# Open-7B\n\n## Benchmarks\n\nOn five tasks:\n\n| task | score |\n|---|---|\n"
        "| ARC | 0.5 |\n\nSee also https://arxiv.org/abs/2501.00656.\n",
        encoding="utf-8",
    )
    paths = ["MODEL_CARD.md", "README.md"]
    inputs = Inputs(art, [art], paths, {}, (), card=card, card_text=CARD, root=tmp_path)
    o = assess(inputs, db)
    c = {x.id: x for x in o.components}
    assert c["evaluation-results"].found == (
        "README.md (model-index: 2 results)",
        "MODEL_CARD.md (a table under 'Benchmarks')",
    )
    assert c["model-card"].found == ("README.md (front matter)", "MODEL_CARD.md")
    assert c["evaluation-results"].acceptable
    # a paper or report linked, not shipped: present, its license not in the repository
    paper = c["research-paper"]
    assert paper.found == (
        "arXiv:2402.00838 (README.md)",
        "arXiv:2402.00838v2 (README.md)",
        "arXiv:2501.00656 (README.md)",
    )
    assert (paper.present, paper.acceptable) == (True, False)
    assert "stated where it is published" in paper.why
    assert c["technical-report"].found == ("https://example.org/open-7b-report.pdf (README.md)",)
    assert o.mof_class is None  # no weights, no architecture, no data card
    assert "Model parameters (Final) (Class III): not found" in " ".join(o.missing)


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("## Benchmarks\n\n### Base models\n\n<table>\n<tr><td>MMLU</td></tr>", "Benchmarks"),
        ("# Model\n\n## Evaluation results\n\n| task | acc |\n|---|---|\n", "Evaluation results"),
        ("## Benchmarks\n\nSoon.\n\n## Usage\n\n| flag | meaning |\n|---|---|\n", None),
        ("| task | acc |\n|---|---|\n", None),
    ],
)
def test_a_results_table_under_its_heading(text: str, heading: str | None) -> None:
    assert _results_table(text) == heading


@pytest.mark.parametrize(
    ("path", "inference"),
    [
        ("scripts/run.py", True),  # google/gemma_pytorch: loads a checkpoint and generates
        ("scripts/run_xla.py", True),
        ("tools/scripts/run_multimodal.py", True),
        ("example_text_completion.py", True),  # meta-llama/llama3's examples
        ("example_chat_completion.py", True),
        ("sample.py", True),
        ("run.py", False),  # a run script at the top says nothing of what it runs
        ("scripts/setup_env.py", False),
    ],
)
def test_inference_scripts_by_their_names(db: LicenseDB, path: str, inference: bool) -> None:
    art = Artifact(path=".", kind=None, tier=None, intended_license=None)
    o = assess(Inputs(art, [art], [path], {}, ()), db)
    (c,) = [x for x in o.components if x.id == "inference-code"]
    assert c.present is inference
    assert c.found == ((path,) if inference else ())
