"""README.md front matter into `SpaceMetadata`, and `problems()` with Hugging Face's stage names."""

from __future__ import annotations

from pathlib import Path

import pytest

from podium.spaces import (
    CONFIG_ERROR,
    NO_APP_FILE,
    MetadataError,
    SpaceMetadata,
    load_metadata,
    parse_metadata,
    problems,
)
from podium.spaces.frontmatter import FrontMatterError, parse_front_matter


def readme(body: str) -> str:
    return "---\n" + body + "---\n# My Space\n\nText.\n"


def test_full_hugging_face_style_front_matter() -> None:
    meta = parse_metadata(readme(
        "title: Image captioning  # shown on the card\n"
        "emoji: 🖼️\n"
        "sdk: gradio\n"
        "sdk_version: 5.0.1\n"
        "app_file: src/main.py\n"
        'python_version: "3.12"\n'
        "suggested_hardware: t4-small\n"
        "sleep_time: 3600\n"
        "pinned: true\n"
        "license: apache-2.0\n"
        "short_description: 'Captions your photos'\n"
    ))
    assert meta == SpaceMetadata(
        title="Image captioning", emoji="🖼️", sdk="gradio", sdk_version="5.0.1", app_file="src/main.py",
        python_version="3.12", suggested_hardware="t4-small", sleep_time=3600, pinned=True,
        license="apache-2.0", short_description="Captions your photos",
    )
    assert meta.warnings == ()


def test_no_front_matter_and_no_readme_give_defaults(tmp_path: Path) -> None:
    assert load_metadata(tmp_path) == SpaceMetadata()
    (tmp_path / "README.md").write_text("# Just a readme\n\n---\ntitle: not front matter\n---\n")
    meta = load_metadata(tmp_path)
    assert meta == SpaceMetadata()
    assert (meta.sdk, meta.app_file, meta.app_port, meta.pinned) == ("podium", "app.py", 7860, False)


def test_dotted_numbers_stay_text_so_python_310_is_not_31() -> None:
    meta = parse_metadata(readme("python_version: 3.10\nsdk_version: 4.44\n"))
    assert meta.python_version == "3.10"
    assert meta.sdk_version == "4.44"


def test_unknown_keys_are_kept_with_a_warning() -> None:
    meta = parse_metadata(readme("title: x\ncolorFrom: red\ntags:\n  - vision\n  - 'nlp'\nmodels: [a/b, \"c/d\"]\n"))
    assert meta.extra == {"colorFrom": "red", "tags": ["vision", "nlp"], "models": ["a/b", "c/d"]}
    assert [w.split(":")[1] for w in meta.warnings] == ["3", "4", "7"]
    assert all(w.startswith("README.md:") and "not used by Podium" in w for w in meta.warnings)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("a: plain text\n", "plain text"),
        ('a: "quoted # not a comment"\n', "quoted # not a comment"),
        ("a: 'it''s'\n", "it's"),
        ('a: "tab\\tand \\"quote\\""\n', 'tab\tand "quote"'),
        ("a: 42\n", 42),
        ("a: -1\n", -1),
        ("a: true\n", True),
        ("a: False\n", False),
        ("a: null\n", None),
        ("a: ~\n", None),
        ('a: "42"\n', "42"),
        ("a: value # comment\n", "value"),
        ("a: url#fragment\n", "url#fragment"),
        ("a: []\n", []),
        ("a:\n", []),
        ("a:\n- x\n-  2\n", ["x", 2]),
        ("# a comment line\n\na: 1\n", 1),
    ],
)
def test_front_matter_values(body: str, expected: object) -> None:
    assert parse_front_matter(readme(body)).values == {"a": expected}


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("a: 1\nnested:\n  key: value\n", 4, "indented lines are not supported"),
        ("a: {x: 1}\n", 2, "put it in quotes"),
        ("a: &anchor x\n", 2, "put it in quotes"),
        ("a: |\n", 2, "put it in quotes"),
        ("a: b: c\n", 2, "nested mappings"),
        ("a: 1\na: 2\n", 3, "set twice (first on line 2)"),
        ('a: "open\n', 2, "not closed"),
        ("- item\n", 2, "must follow a line `key:`"),
        ("a:\n- [1, 2]\n", 3, "nested lists"),
        ("a: [1, [2]]\n", 2, "nested lists"),
        ("a: [1, 2\n", 2, "not closed"),
        ("just words\n", 2, "expected `key: value`"),
        ("a:\n\t- x\n", 3, "tabs"),
        ('a: "x" trailing\n', 2, "after the closing quote"),
    ],
)
def test_unsupported_yaml_is_refused_with_its_line(body: str, line: int, words: str) -> None:
    with pytest.raises(FrontMatterError) as info:
        parse_front_matter(readme(body))
    assert info.value.line == line
    assert words in str(info.value)


def test_unclosed_front_matter_is_refused() -> None:
    with pytest.raises(MetadataError, match="never closed; add a line `---`"):
        parse_metadata("---\ntitle: x\n")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("sdk: streamlit\n", "sdk 'streamlit' is not supported; write `sdk: podium`"),
        ("python_version: 3.9\n", "python_version '3.9' is not supported"),
        ("python_version: 3.14\n", "is not supported"),
        ("python_version: 3\n", "is not supported"),
        ("sleep_time: 30\n", "at least 60 seconds, or -1"),
        ("sleep_time: soon\n", "must be a whole number"),
        ("app_port: 70000\n", "between 1 and 65535"),
        ("pinned: maybe\n", "must be true or false"),
        ("title: true\n", "must be text"),
        ("title:\n- a\n", "takes a single value, not a list"),
        ("app_file: ../outside.py\n", "inside the Space folder"),
        ("app_file: /abs/app.py\n", "inside the Space folder"),
        ("suggested_hardware: A10G Large\n", "not a hardware name"),
        ("short_description: " + "x" * 61 + "\n", "keep it to 60"),
    ],
)
def test_invalid_values_name_file_line_and_fix(body: str, words: str) -> None:
    with pytest.raises(MetadataError) as info:
        parse_metadata(readme("title: ok\n" + body) if not body.startswith("title") else readme(body))
    assert words in str(info.value)
    assert str(info.value).startswith("README.md:")
    assert info.value.line == (2 if body.startswith("title") else 3)


def test_accepted_edge_values() -> None:
    meta = parse_metadata(readme("sleep_time: -1\npython_version: '3.13.1'\napp_file: ./src/../app.py\ntitle: 2048\n"))
    assert (meta.sleep_time, meta.python_version, meta.app_file, meta.title) == (-1, "3.13.1", "app.py", "2048")


def test_problems_config_error(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(readme("sdk: static\n"))
    (tmp_path / "app.py").write_text("")
    [problem] = problems(tmp_path)
    assert problem.stage == CONFIG_ERROR
    assert "README.md:2" in problem.message


def test_problems_no_app_file(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(readme("app_file: main.py\n"))
    [problem] = problems(tmp_path)
    assert problem.stage == NO_APP_FILE
    assert "main.py" in problem.message
    (tmp_path / "main.py").write_text("")
    assert problems(tmp_path) == []
    [ignored] = problems(tmp_path, bundled_paths={"README.md"})
    assert ignored.stage == NO_APP_FILE
    assert "left out" in ignored.message


def test_docker_spaces_need_a_dockerfile(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(readme("sdk: docker\napp_port: 8080\n"))
    [problem] = problems(tmp_path)
    assert problem.stage == NO_APP_FILE
    assert "Dockerfile" in problem.message
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\n")
    assert problems(tmp_path) == []
    assert load_metadata(tmp_path).app_port == 8080


def test_bom_and_crlf_readme(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_bytes("\ufeff---\r\ntitle: Win\r\nsdk: gradio\r\n---\r\n".encode())
    meta = load_metadata(tmp_path)
    assert (meta.title, meta.sdk) == ("Win", "gradio")
