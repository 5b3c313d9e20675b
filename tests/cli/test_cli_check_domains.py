"""`certwizard check domains`: human and JSON output, exit codes, and the installed console script."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from certwizard.cli import main
from certwizard.domain.products import CATALOG

CONSOLE_SCRIPT = Path(sys.executable).with_name("certwizard")


def _check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", "domains", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_acceptable_list_exits_0_and_shows_each_name_with_the_cn_marked(capsys):
    code, out, err = _check(capsys, "--product", "dv-multi", "www.example.com,bücher.de")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert "  www.example.com  <- common name (CN)" in lines
    assert "  bücher.de (xn--bcher-kva.de)" in lines
    assert lines[-1] == "Acceptable: 2 names."


def test_each_argument_may_hold_a_list(capsys):
    code, out, _ = _check(capsys, "--product", "dv-multi", "a.example.com, b.example.com", "c.example.com")
    assert code == 0
    assert [line.strip() for line in out.splitlines() if line.startswith("  ")][:3] == [
        "a.example.com  <- common name (CN)", "b.example.com", "c.example.com"]


def test_rejected_list_exits_1_and_lists_every_problem_after_the_accepted_names(capsys):
    code, out, _ = _check(capsys, "--product", "dv-multi", "www.example.com", "printer.local", "10.0.0.1")
    assert code == 1
    lines = out.splitlines()
    problems = lines[lines.index("Problems:") + 1:-1]
    assert len(problems) == 2
    assert "printer.local" in problems[0] and "internal name" in problems[0]
    assert "10.0.0.1" in problems[1] and "private" in problems[1]
    assert lines.index("  www.example.com  <- common name (CN)") < lines.index("Problems:")
    assert lines[-1].startswith("Rejected: 2 problems")


def test_notes_are_printed_after_problems(capsys):
    code, out, _ = _check(capsys, "--product", "ov-multi-wildcard", "*.example.com", "www.example.com")
    assert code == 0
    lines = out.splitlines()
    assert "  www.example.com  <- common name (CN)" in lines
    notes = lines[lines.index("Notes:") + 1:-1]
    assert any("Moved www.example.com to the front" in note for note in notes)


def test_unknown_product_is_a_usage_error_listing_the_valid_ids(capsys):
    code, out, err = _check(capsys, "--product", "dv-mega", "www.example.com")
    assert code == 2 and out == ""
    assert "dv-mega" in err and all(product_id in err for product_id in CATALOG)


def test_missing_domain_argument_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "domains", "--product", "dv-single"])
    assert exc.value.code == 2
    assert "DOMAIN" in capsys.readouterr().err


def test_json_output_has_the_documented_shape(capsys):
    names = ["*.例子.中国", "www.例子.中国", "foo.local"]
    code, out, _ = _check(capsys, "--product", "ov-multi-wildcard", "--json", *names)
    assert code == 1
    data = json.loads(out)
    assert list(data) == ["product", "ok", "domains", "cn", "problems", "notes"]
    assert data["product"] == "ov-multi-wildcard" and data["ok"] is False
    assert data["cn"] == "www.xn--fsqu00a.xn--fiqs8s"
    assert data["domains"] == [
        {"input": "www.例子.中国", "ascii": "www.xn--fsqu00a.xn--fiqs8s", "unicode": "www.例子.中国",
         "wildcard": False, "ip": False},
        {"input": "*.例子.中国", "ascii": "*.xn--fsqu00a.xn--fiqs8s", "unicode": "*.例子.中国",
         "wildcard": True, "ip": False},
    ]
    assert [(p["code"], p["name"]) for p in data["problems"]] == [("internal-name", "foo.local")]
    assert any("common name" in note for note in data["notes"])


def test_json_for_an_acceptable_ip_has_no_cn(capsys):
    code, out, _ = _check(capsys, "--product", "dv-single", "--json", "8.8.8.8")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True and data["cn"] is None
    assert data["domains"][0]["ip"] is True


def test_hostile_names_never_reach_the_terminal_raw(capsys):
    code, out, _ = _check(capsys, "--product", "dv-single", "\x1b[2J\x1b]0;pwned\x07evil.com")
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J" in out


def test_hostile_names_are_escaped_in_json_too(capsys):
    _, out, _ = _check(capsys, "--product", "dv-single", "--json", "\x9b31mevil.com")
    assert "\x9b" not in out
    assert json.loads(out)["problems"][0]["name"] == "\\x9b31mevil.com"


def test_installed_console_script_runs_the_check(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "CERTWIZARD_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "check", "domains", "--product", "dv-single", "--json", "例子.中国"],
        capture_output=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    data = json.loads(result.stdout.decode("utf-8"))
    assert data["ok"] is True and data["cn"] == "xn--fsqu00a.xn--fiqs8s"


@pytest.mark.parametrize("argv, suggested", [
    (["--product", "dv-single", "-bad.example.com"],
     "certwizard check domains --product dv-single -- -bad.example.com"),
    (["--product", "dv-multi", "a.example.com", "-bad.example.com"],
     "certwizard check domains --product dv-multi -- a.example.com -bad.example.com"),
    (["-bad.example.com", "--json", "--product", "dv-multi"],
     "certwizard check domains --json --product dv-multi -- -bad.example.com"),
])
def test_a_name_starting_with_a_hyphen_is_said_to_be_read_as_an_option(capsys, argv, suggested):
    # argparse alone answered "the following arguments are required: DOMAIN" (or "unrecognized arguments").
    with pytest.raises(SystemExit) as exc:
        main(["check", "domains", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "'-bad.example.com' was read as an option because it starts with '-', not as DOMAIN" in err
    assert f"put -- after the options: {suggested}" in err
    # The suggested command works: the name is checked, and refused for what it is.
    code = main(suggested.split()[1:])
    out = capsys.readouterr().out
    assert code == 1 and "'-bad.example.com' has a label that starts or ends with a hyphen" in out


def test_a_value_starting_with_a_hyphen_after_an_option_suggests_joining_them(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "domains", "--product", "-dv-single", "www.example.com"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --product: expected one argument" in err
    assert "so --product got no value" in err and "--product=-dv-single" in err


def test_a_command_that_takes_no_values_gets_argparse_s_plain_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["--data-dir", str(tmp_path), "refresh", "-x"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: -x" in err and "was read as an option" not in err
