"""The declared license in the manifests of other ecosystems: R's DESCRIPTION,
*.gemspec, *.nuspec, Maven's pom.xml <licenses>, Gradle's POM block. Each is read as
data (never run); each statement names its file, field and line; a malformed file is one
scan problem naming its line, and the other manifests are still read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from licensetier.declared import DetectText, r_license_names, read_declared
from licensetier.deps.discover import read_manifests
from licensetier.detect.engine import Engine
from licensetier.license_db import LicenseDB
from licensetier.models import DeclaredLicense, ScanError
from licensetier.readers import Reading
from licensetier.readers.gemspec import assignments
from licensetier.readers.gradle import blank_comments
from licensetier.readers.r_description import is_license_template
from licensetier.readers.routes import declaring, declaring_files, is_declaring

MIT_TEXT = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    'software and associated documentation files (the "Software"), to deal in the Software '
    "without restriction, including without limitation the rights to use, copy, modify, "
    "merge, publish, distribute, sublicense, and/or sell copies of the Software, and to "
    "permit persons to whom the Software is furnished to do so, subject to the following "
    "conditions:\n\nThe above copyright notice and this permission notice shall be included "
    "in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED "
    '"AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED '
    "TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND "
    "NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY "
    "CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR "
    "OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR "
    "OTHER DEALINGS IN THE SOFTWARE.\n"
)


@pytest.fixture(scope="session")
def db() -> LicenseDB:
    return LicenseDB.load()


@pytest.fixture(scope="session")
def detect() -> DetectText:
    return Engine().detect_text


Read = Callable[[], tuple[list[DeclaredLicense], list[ScanError]]]


@pytest.fixture
def read(tmp_path: Path, db: LicenseDB, detect: DetectText) -> Read:
    return lambda: read_declared(tmp_path, ".", db, detect)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def rows(declared: list[DeclaredLicense]) -> list[tuple[str, str, str | None, int | None]]:
    return [(d.source, d.field, d.license_spdx, d.line) for d in declared]


# -- routing ----------------------------------------------------------------------------


def test_pattern_rows_declare_every_matching_file_in_name_order() -> None:
    keys = [key for key, _ in declaring()]
    assert keys.index("composer.json") < keys.index("DESCRIPTION") < keys.index("README.md")
    assert r".+\.gemspec" in keys
    assert r".+\.nuspec" in keys
    names = ["b.gemspec", "README.md", "a.gemspec", "x.nuspec", "pom.xml", "build.gradle.kts"]
    names.append("gradle.properties")
    assert declaring_files(names) == [
        ("a.gemspec", r".+\.gemspec"),
        ("b.gemspec", r".+\.gemspec"),
        ("x.nuspec", r".+\.nuspec"),
        ("pom.xml", "pom.xml"),
        ("build.gradle.kts", r"build\.gradle(?:\.kts)?"),
        ("gradle.properties", "gradle.properties"),
        ("README.md", "README.md"),
    ]
    assert is_declaring("rails.gemspec")
    assert not is_declaring(".gemspec")
    assert not is_declaring("DESCRIPTION.txt")


def test_r_names_table_is_sound(db: LicenseDB) -> None:
    table = r_license_names()
    assert table["gpl-2"] == "GPL-2.0-only"
    for name, spdx in table.items():
        assert name == " ".join(name.split()).lower()
        assert db.spdx_to_keys(spdx), name


# -- R's DESCRIPTION --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("license", "spdx", "low"),
    [
        ("GPL-2", "GPL-2.0-only", False),
        ("GPL (>= 2)", "GPL-2.0-or-later", False),
        ("GPL (>= 2.0)", "GPL-2.0-or-later", False),
        ("LGPL (>= 2.1)", "LGPL-2.1-or-later", False),
        ("GPL-2 | GPL-3", "GPL-2.0-only OR GPL-3.0-only", False),
        ("MIT + file LICENSE", "MIT", False),
        ("GPL-3 | MIT + file LICENCE", "GPL-3.0-only OR MIT", False),
        ("BSD_3_clause + file LICENSE", "BSD-3-Clause", False),
        ("Apache License (== 2.0)", "Apache-2.0", False),
        ("Apache License (>= 2)", "Apache-2.0", False),
        ("Apache License 2.0", "Apache-2.0", False),
        ("CC BY 4.0", "CC-BY-4.0", False),
        ("CC0", "CC0-1.0", False),
        ("AGPL-3", "AGPL-3.0-only", False),
        ("Artistic-2.0", "Artistic-2.0", False),
        ("GPL", "GPL-2.0-or-later", False),
        ("GPL (> 2)", None, True),  # R knows no such range: not guessed
        ("Unlimited", None, True),
    ],
)
def test_r_description_license_field(
    tmp_path: Path, read: Read, license: str, spdx: str | None, low: bool
) -> None:
    write(
        tmp_path,
        "DESCRIPTION",
        "Package: demo\nTitle: A Demo\nVersion: 1.0.0\n"
        "Authors@R: person('A', 'B',\n    role = c('aut', 'cre'))\n"
        f"License: {license}\nEncoding: UTF-8\n",
    )
    declared, errors = read()
    assert errors == []
    (statement,) = declared
    assert (statement.source, statement.field, statement.line) == ("DESCRIPTION", "License", 6)
    assert statement.raw == license
    assert statement.license_spdx == spdx
    assert statement.low_confidence is low


def test_r_description_license_over_continuation_lines_and_file_license(
    tmp_path: Path, read: Read
) -> None:
    write(tmp_path, "DESCRIPTION", "Package: demo\nLicense: GPL-2 |\n  GPL-3\n")
    declared, errors = read()
    assert errors == []
    assert rows(declared) == [("DESCRIPTION", "License", "GPL-2.0-only OR GPL-3.0-only", 2)]
    # "file LICENSE" alone: the license is that file's text
    write(tmp_path, "DESCRIPTION", "Package: demo\nLicense: file LICENSE\n")
    write(tmp_path, "LICENSE", "MIT License\n\n" + MIT_TEXT)
    declared, errors = read()
    assert errors == []
    assert [(d.field, d.license_spdx) for d in declared if d.source == "DESCRIPTION"] == [
        ("License", "MIT")
    ]


def test_a_description_that_is_not_an_r_package_is_not_read(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "DESCRIPTION", "This tool converts files.\n\nLicense: see below\n")
    assert read() == ([], [])


def test_a_malformed_r_description_is_one_problem_naming_its_line(
    tmp_path: Path, read: Read
) -> None:
    write(tmp_path, "DESCRIPTION", "Package: demo\nLicense: MIT\nthis line is no field\n")
    write(tmp_path, "package.json", '{"license": "MIT"}')
    declared, errors = read()
    assert [(e.path, e.line) for e in errors] == [("DESCRIPTION", 3)]
    assert "not valid DESCRIPTION" in errors[0].message
    assert [d.source for d in declared] == ["package.json"]  # the scan goes on


# -- *.gemspec --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field", "spdx"),
    [
        ('  spec.license = "MIT"', "license", "MIT"),
        ("  s.license = 'BSD-2-Clause'.freeze", "license", "BSD-2-Clause"),
        ('  spec.licenses = ["MIT", "Apache-2.0"]', "licenses", "MIT OR Apache-2.0"),
        ("  spec.licenses = %w[MIT Apache-2.0]", "licenses", "MIT OR Apache-2.0"),
        ("  gem.licenses = ['Ruby'.freeze, 'BSD-2-Clause'.freeze]", "licenses", None),
        ('  s.licenses = ["MIT".freeze]', "licenses", "MIT"),
    ],
)
def test_gemspec_license_forms(
    tmp_path: Path, read: Read, line: str, field: str, spdx: str | None
) -> None:
    write(
        tmp_path,
        "demo.gemspec",
        f"# frozen_string_literal: true\n\nGem::Specification.new do |spec|\n"
        f"  spec.name = 'demo'\n{line}\nend\n",
    )
    declared, errors = read()
    assert errors == []
    (statement,) = declared
    assert (statement.source, statement.field, statement.line) == ("demo.gemspec", field, 5)
    if spdx is not None:
        assert statement.license_spdx == spdx
    else:  # Ruby's own license (ScanCode's key) or the BSD-2-Clause
        assert statement.license is not None
        assert statement.license.endswith(" OR bsd-simplified")


def test_gemspec_array_over_lines_with_comments(tmp_path: Path) -> None:
    text = (
        "Gem::Specification.new do |s|\n"
        "  # s.license = 'GPL-3.0'\n"
        "  s.licenses = [\n    'MIT', # the code\n    \"Apache-2.0\",\n  ]\nend\n"
    )
    (found,) = assignments(text, "x.gemspec")
    assert (found.field, found.line, found.values) == ("licenses", 3, ("MIT", "Apache-2.0"))


@pytest.mark.parametrize(
    "value",
    [
        "LICENSE_NAME",
        "File.read('LICENSE').lines.first",
        '"#{kind}-2.0"',
        '"MIT" + suffix',
        "'MIT'.upcase",
        "[name]",
    ],
)
def test_a_computed_gemspec_license_is_left_out(tmp_path: Path, read: Read, value: str) -> None:
    marker = tmp_path / "gemspec_was_run"
    write(
        tmp_path,
        "demo.gemspec",
        f"File.write({str(marker)!r}, 'ran')\n"
        f"Gem::Specification.new do |s|\n  s.license = {value}\nend\n",
    )
    assert read() == ([], [])
    assert not marker.exists()


def test_several_gemspecs_in_a_directory_are_each_read(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "b.gemspec", "Gem::Specification.new { |s| s.license = 'MIT' }\n")
    write(tmp_path, "a.gemspec", "Gem::Specification.new do |s|\n  s.license = 'MIT'\nend\n")
    declared, errors = read()
    assert errors == []
    # "s.license" after a "{" on the same line is not at the start of a line: not read
    assert rows(declared) == [("a.gemspec", "license", "MIT", 2)]


def test_an_unterminated_gemspec_value_is_one_problem_naming_its_line(
    tmp_path: Path, read: Read
) -> None:
    write(tmp_path, "bad.gemspec", "Gem::Specification.new do |s|\n  s.licenses = ['MIT',\n")
    write(tmp_path, "good.gemspec", "Gem::Specification.new do |s|\n  s.license = 'MIT'\nend\n")
    declared, errors = read()
    assert [(e.path, e.line) for e in errors] == [("bad.gemspec", 2)]
    assert "unterminated array" in errors[0].message
    assert rows(declared) == [("good.gemspec", "license", "MIT", 2)]


# -- *.nuspec ---------------------------------------------------------------------------

NUSPEC = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>Demo</id>
    <version>1.0.0</version>
{license}
  </metadata>
{files}
</package>
"""


def test_nuspec_license_expression(tmp_path: Path, read: Read) -> None:
    license = '    <license type="expression">MIT OR Apache-2.0</license>'
    write(tmp_path, "Demo.nuspec", NUSPEC.format(license=license, files=""))
    declared, errors = read()
    assert errors == []
    assert rows(declared) == [("Demo.nuspec", "license (expression)", "MIT OR Apache-2.0", 6)]


def test_nuspec_license_file_next_to_it_or_through_files(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "LICENSE.txt", "MIT License\n\n" + MIT_TEXT)
    license = '    <license type="file">LICENSE.txt</license>'
    write(tmp_path, "Demo.nuspec", NUSPEC.format(license=license, files=""))
    declared, errors = read()
    assert errors == []
    assert rows(declared) == [("Demo.nuspec", "license (file)", "MIT", 6)]
    # a .nuspec in a folder of its own, packing ..\LICENSE.md as LICENSE.md
    write(tmp_path, "build/LICENSE.md", "")
    (tmp_path / "build" / "LICENSE.md").unlink()
    write(tmp_path, "LICENSE.md", "MIT License\n\n" + MIT_TEXT)
    license = '    <license type="file">LICENSE.md</license>'
    files = '  <files>\n    <file src="..\\LICENSE.md" target="" />\n  </files>'
    write(tmp_path, "build/Demo.nuspec", NUSPEC.format(license=license, files=files))
    declared, errors = read_declared(
        tmp_path / "build", "build", LicenseDB.load(), Engine().detect_text
    )
    assert errors == []
    assert rows(declared) == [("build/Demo.nuspec", "license (file)", "MIT", 6)]


def test_nuspec_license_url(tmp_path: Path, read: Read) -> None:
    license = "    <licenseUrl>https://opensource.org/licenses/MIT</licenseUrl>"
    write(tmp_path, "Demo.nuspec", NUSPEC.format(license=license, files=""))
    declared, errors = read()
    assert errors == []
    assert rows(declared) == [("Demo.nuspec", "licenseUrl", "MIT", 6)]
    # a URL of the project's own file: kept as written, not understood
    own = "https://example.com/demo/blob/main/LICENSE.md"
    write(
        tmp_path, "Demo.nuspec", NUSPEC.format(license=f"<licenseUrl>{own}</licenseUrl>", files="")
    )
    (statement,) = read()[0]
    assert (statement.raw, statement.license, statement.low_confidence) == (own, None, True)


def test_a_malformed_nuspec_is_one_problem_naming_its_line(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "Demo.nuspec", "<package>\n<metadata>\n<license>MIT</metadata>\n</package>\n")
    write(
        tmp_path,
        "Other.nuspec",
        NUSPEC.format(license="<license type='expression'>MIT</license>", files=""),
    )
    declared, errors = read()
    assert [(e.path, e.line) for e in errors] == [("Demo.nuspec", 3)]
    assert "not valid XML" in errors[0].message
    assert [d.source for d in declared] == ["Other.nuspec"]


# -- Maven's pom.xml --------------------------------------------------------------------

POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>demo</artifactId>
  <version>1.0</version>
  <licenses>
{licenses}
  </licenses>
  <dependencies>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-api</artifactId>
      <version>2.0.13</version>
    </dependency>
  </dependencies>
</project>
"""

APACHE = """    <license>
      <name>The Apache Software License, Version 2.0</name>
      <url>https://www.apache.org/licenses/LICENSE-2.0.txt</url>
      <distribution>repo</distribution>
    </license>"""


def test_pom_licenses_are_read_and_its_dependencies_from_the_same_parse(
    tmp_path: Path, read: Read, db: LicenseDB, detect: DetectText
) -> None:
    write(tmp_path, "pom.xml", POM.format(licenses=APACHE))
    reading = Reading()
    declared, errors = read_declared(tmp_path, ".", db, detect, reading)
    assert errors == []
    assert rows(declared) == [("pom.xml", "licenses", "Apache-2.0", 8)]
    groups, problems = read_manifests(tmp_path, ["pom.xml"], reading)
    assert problems == []
    ((_, entry),) = groups[0].entries
    assert (entry.namespace, entry.name, entry.line) == ("org.slf4j", "slf4j-api", 17)
    assert reading.parsed == ["pom.xml"]  # parsed once for both


def test_several_pom_licenses_are_a_choice_and_a_url_stands_in_for_a_name(
    tmp_path: Path, read: Read
) -> None:
    gpl = """    <license>
      <name>GPL2 w/ CPE</name>
      <url>https://www.gnu.org/software/classpath/license.html</url>
    </license>
    <license>
      <url>https://opensource.org/licenses/MIT</url>
    </license>"""
    write(tmp_path, "pom.xml", POM.format(licenses=APACHE + "\n" + gpl))
    declared, errors = read()
    assert errors == []
    (statement,) = declared
    assert statement.line == 8
    assert statement.license is not None
    assert statement.license.startswith("apache-2.0 OR ")
    assert statement.license.endswith(" OR mit")


def test_a_malformed_pom_is_one_problem_for_both_readers(
    tmp_path: Path, db: LicenseDB, detect: DetectText
) -> None:
    write(tmp_path, "pom.xml", "<project>\n  <licenses>\n  </license>\n</project>\n")
    write(tmp_path, "Cargo.toml", '[package]\nname = "x"\nlicense = "MIT"\n')
    reading = Reading()
    declared, errors = read_declared(tmp_path, ".", db, detect, reading)
    _, problems = read_manifests(tmp_path, ["pom.xml"], reading)
    assert [(e.path, e.line) for e in errors + problems] == [("pom.xml", 3)]
    assert [d.source for d in declared] == ["Cargo.toml"]


# -- Gradle -----------------------------------------------------------------------------

GROOVY = """plugins { id 'maven-publish' }
// licenses { license { name 'GPL-3.0' } }
publishing {
  publications {
    maven(MavenPublication) {
      pom {
        licenses {
          license {
            name = 'The Apache License, Version 2.0'
            url = 'http://www.apache.org/licenses/LICENSE-2.0.txt'
          }
        }
      }
    }
  }
}
"""

KOTLIN = """plugins { `maven-publish` }
publishing {
  publications.create<MavenPublication>("maven") {
    pom {
      licenses {
        license {
          name.set("MIT License") /* the code */
          url.set("https://opensource.org/licenses/MIT")
        }
        license {
          name.set("Apache-2.0")
        }
      }
    }
  }
}
"""


def test_gradle_groovy_pom_block(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "build.gradle", GROOVY)
    declared, errors = read()
    assert errors == []
    assert rows(declared) == [("build.gradle", "licenses { license }", "Apache-2.0", 7)]


def test_gradle_kotlin_pom_block_with_two_licenses_is_a_choice(tmp_path: Path, read: Read) -> None:
    write(tmp_path, "build.gradle.kts", KOTLIN)
    declared, errors = read()
    assert errors == []
    assert rows(declared) == [("build.gradle.kts", "licenses { license }", "MIT OR Apache-2.0", 5)]


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        ("licenses { license { name 'MIT' } }", "MIT"),
        ("licenses {\n license {\n  name('BSD-3-Clause')\n }\n}", "BSD-3-Clause"),
        ("bintray { pkg { licenses = ['Apache-2.0'] } }", "Apache-2.0"),
        ('bintray { pkg { setLicenses("MIT", "Apache-2.0") } }', "MIT OR Apache-2.0"),
    ],
)
def test_gradle_other_forms(tmp_path: Path, read: Read, text: str, spdx: str) -> None:
    write(tmp_path, "build.gradle", text)
    declared, errors = read()
    assert errors == []
    assert [d.license_spdx for d in declared] == [spdx]


def test_gradle_forms_that_state_no_license_or_are_computed(tmp_path: Path, read: Read) -> None:
    write(
        tmp_path,
        "build.gradle",
        "license { header = rootProject.file('HEADER') }\n"  # a license-header plugin
        "licenses { license { name = project.licenseName } }\n"
        'licenses { license { name = "${licenseName}" } }\n',
    )
    assert read() == ([], [])


def test_an_unclosed_gradle_licenses_block_is_one_problem_naming_its_line(
    tmp_path: Path, read: Read
) -> None:
    write(tmp_path, "build.gradle", "pom {\n  licenses {\n    license { name 'MIT' }\n")
    write(tmp_path, "DESCRIPTION", "Package: x\nLicense: MIT + file LICENSE\n")
    declared, errors = read()
    assert [(e.path, e.line) for e in errors] == [("build.gradle", 2)]
    assert [d.source for d in declared] == ["DESCRIPTION"]


def test_blanked_comments_keep_offsets_and_strings() -> None:
    text = "a = 'x // y' // z\n/* b\n c */ d"
    code, bare = blank_comments(text)
    assert len(code) == len(bare) == len(text)
    assert code.splitlines()[0].rstrip() == "a = 'x // y'"
    assert bare.splitlines()[0].rstrip() == "a = '      '"
    assert code.splitlines()[2].strip() == "d"


def test_gradle_properties_of_the_publishing_plugins(tmp_path: Path, read: Read) -> None:
    write(
        tmp_path,
        "gradle.properties",
        "org.gradle.jvmargs=-Xmx2g\n# POM_LICENSE_NAME=GPL-3.0\n"
        "POM_LICENCE_NAME=The Apache Software License, \\\n    Version 2.0\n"
        "POM_LICENCE_URL=https://www.apache.org/licenses/LICENSE-2.0.txt\n"
        "POM_LICENCE_DIST=repo\n",
    )
    write(tmp_path, "build.gradle", "apply plugin: 'com.vanniktech.maven.publish'\n")
    declared, errors = read()
    assert errors == []
    assert rows(declared) == [("gradle.properties", "POM_LICENCE_NAME", "Apache-2.0", 3)]
    write(tmp_path, "gradle.properties", "POM_LICENSE_URL: https://opensource.org/licenses/MIT\n")
    assert rows(read()[0]) == [("gradle.properties", "POM_LICENSE_URL", "MIT", 1)]
    write(tmp_path, "gradle.properties", "POM_NAME=demo\n")
    assert read() == ([], [])


@pytest.mark.parametrize(
    ("text", "template"),
    [
        ("YEAR: 2024\nCOPYRIGHT HOLDER: demo authors\n", True),
        ("YEAR: 2020\nCOPYRIGHT HOLDER: A\nORGANIZATION: B\n\n", True),
        ("YEAR: 2024\nCOPYRIGHT HOLDER: x\nPermission is hereby granted...\n", False),
        ("", False),
        (None, False),
    ],
)
def test_r_license_template(text: str | None, template: bool) -> None:
    assert is_license_template(text) is template
