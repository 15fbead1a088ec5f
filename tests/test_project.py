"""The project's promises about itself: README commands, CI, demo data."""

from __future__ import annotations

import json
import re

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    head = text.split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", head)


def test_readme_opens_with_exactly_two_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "citelib --demo" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_demo_json_matches_demo_ris() -> None:
    """resources/demo/demo.json must describe the same real references as demo.ris."""
    ris = (ROOT / "resources" / "demo" / "demo.ris").read_text(encoding="utf-8")
    records = [r for r in ris.split("ER  -") if "TY  -" in r]

    def tag(record: str, name: str) -> str | None:
        m = re.search(rf"^{name}  - (.*)$", record, re.MULTILINE)
        return m.group(1).strip() if m else None

    csl = json.loads((ROOT / "resources" / "demo" / "demo.json").read_text(encoding="utf-8"))
    assert len(csl) == len(records) == 7
    for record, entry in zip(records, csl, strict=True):
        assert entry["title"] == tag(record, "TI")
        assert entry.get("DOI") == tag(record, "DO")
        assert entry.get("PMID") == tag(record, "AN")
        assert [a["family"] for a in entry["author"]] == [
            a.split(",")[0] for a in re.findall(r"^AU  - (.*)$", record, re.MULTILINE)
        ]
        keywords = re.findall(r"^KW  - (.*)$", record, re.MULTILINE)
        assert entry["keyword"] == ", ".join(keywords)
