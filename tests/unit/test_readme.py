"""Finding a README's License section (licensetier.readers.readme)."""

from __future__ import annotations

import pytest

from licensetier.readers.readme import is_license_title, license_section, preference


@pytest.mark.parametrize(
    "title",
    [
        "License",
        "LICENSE",
        "Licence",
        "Licensing",
        "## 📝 License",
        "8. License",
        "License:",
        "Copyright and License",
        "License & Copyright",
        "**License**",
        "[License](LICENSE)",
        "License information",
        "The License",
    ],
)
def test_license_titles(title: str) -> None:
    assert is_license_title(title)


@pytest.mark.parametrize(
    "title", ["Licensed software", "Installation", "License keys for the API", "Contributing"]
)
def test_other_titles(title: str) -> None:
    assert not is_license_title(title)


def test_markdown_atx_section_ends_at_the_next_heading_of_any_level() -> None:
    text = "# Tool\n\nText.\n\n## License\n\nMIT, see LICENSE.\n\n### Contribution\n\nApache.\n"
    section = license_section(text, "README.md")
    assert section is not None
    assert (section.line, section.start, section.end) == (5, 6, 7)
    assert section.text.strip() == "MIT, see LICENSE."
    assert section.heading == "License"


def test_markdown_setext_and_html_headings() -> None:
    setext = "Tool\n====\n\nLicense\n-------\nBSD-3-Clause\n\nUsage\n-----\nrun it\n"
    section = license_section(setext, "README.md")
    assert section is not None
    assert (section.line, section.text) == (4, "BSD-3-Clause")
    html = '<h1 align="center">Tool</h1>\n\n<h2>License</h2>\n\nApache-2.0\n'
    section = license_section(html, "README.md")
    assert section is not None
    assert (section.line, section.text.strip()) == (3, "Apache-2.0")


def test_a_heading_inside_a_code_fence_is_not_a_heading() -> None:
    text = "# Tool\n\n```sh\n# License\necho\n```\n\nNo section here.\n"
    assert license_section(text, "README.md") is None
    text += "\n## License\n\nISC\n"
    section = license_section(text, "README.md")
    assert section is not None
    assert section.line == 10


def test_restructuredtext_titles_with_overlines() -> None:
    text = (
        "=====\nTool\n=====\n\nIntro.\n\n-------\nLicense\n-------\n\nMIT\n\nAuthors\n~~~~~~~\nme\n"
    )
    section = license_section(text, "README.rst")
    assert section is not None
    assert (section.line, section.text.strip()) == (8, "MIT")


def test_plain_text_capital_heading() -> None:
    text = "Tool 1.0\n\nINSTALL\n\nmake\n\nLICENSE\n\nGPL-2.0-or-later\n"
    section = license_section(text, "README")
    assert section is not None
    assert (section.line, section.text.strip()) == (7, "GPL-2.0-or-later")


def test_a_long_section_is_cut() -> None:
    text = "## License\n" + "".join(f"line {n}\n" for n in range(500))
    section = license_section(text, "README.md")
    assert section is not None
    assert section.end - section.start + 1 == 80


def test_no_section() -> None:
    assert license_section("# Tool\n\nThe license keys are in ~/.tool.\n", "README.md") is None
    assert license_section("", "README.md") is None


def test_the_readme_a_forge_shows_first_comes_first() -> None:
    names = ["README.txt", "readme.rst", "README", "README.md", "README-dev.md"]
    assert sorted(names, key=preference)[:2] == ["README.md", "readme.rst"]
