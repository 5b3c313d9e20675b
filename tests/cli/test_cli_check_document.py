"""`certwizard check document FILE [--json]` on real image files."""

from __future__ import annotations

import argparse
import io
import json
import random

import pytest
from PIL import Image

from certwizard.cli import check
from certwizard.documents.images import inspect_document


def run_cli(argv: list[str]) -> int:
    # The `check` command group as the real parser registers it (the top-level parser also loads commands
    # owned by other modules, which this test should not depend on).
    parser = argparse.ArgumentParser(prog="certwizard")
    check.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["check", *argv])
    return args.handler(args)


def encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def picture(size: tuple[int, int] = (320, 240)) -> Image.Image:
    return Image.radial_gradient("L").resize(size).convert("RGB")


def test_acceptable_png_exits_0_and_shows_the_facts(tmp_path, capsys):
    path = tmp_path / "licence.png"
    path.write_bytes(encode(picture(), "PNG"))
    assert run_cli(["document", str(path)]) == 0
    out = capsys.readouterr().out
    expected = inspect_document(path)
    assert out.startswith("licence.png: acceptable\n")
    assert "PNG" in out and "320 x 240 pixels" in out and expected.sha256 in out
    assert f"({expected.size:,} bytes; the limit is 500 KB)" in out
    assert "problem" not in out


def test_json_output_is_the_check_as_a_dict(tmp_path, capsys):
    path = tmp_path / "licence.jpg"
    path.write_bytes(encode(picture(), "JPEG"))
    assert run_cli(["document", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == inspect_document(path).to_dict()


def test_refused_file_exits_1_and_says_what_it_is(tmp_path, capsys):
    path = tmp_path / "licence.png"
    path.write_bytes(encode(picture(), "GIF"))
    assert run_cli(["document", str(path)]) == 1
    out = capsys.readouterr().out
    assert "licence.png: refused" in out and "problem" in out and "GIF image" in out and "PNG or JPEG" in out


def test_refused_file_in_json_exits_1(tmp_path, capsys):
    path = tmp_path / "licence.png"
    path.write_bytes(encode(picture(), "GIF"))
    assert run_cli(["document", str(path), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and [p["code"] for p in payload["problems"]] == ["not-png-or-jpeg"]


def test_a_missing_file_is_a_usage_error_as_for_check_csr(tmp_path, capsys):
    # Before, `check document` exited 1 where `check csr` exits 2 for the same mistake.
    missing = tmp_path / "missing.png"
    assert run_cli(["document", str(missing)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"{missing}: there is no file at this path" in err
    assert run_cli(["document", str(missing), "--json"]) == 2
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False and [p["code"] for p in payload["problems"]] == ["not-found"]
    assert run_cli(["csr", str(tmp_path / "missing.csr"), "--product", "dv-single",
                    "--domains", "www.example.com"]) == 2


def test_oversized_valid_image_gets_a_reencode_hint_with_the_likely_result(tmp_path, capsys):
    noisy = Image.frombytes("RGB", (460, 460), random.Random(5).randbytes(460 * 460 * 3))
    path = tmp_path / "scan.png"
    path.write_bytes(encode(noisy, "PNG"))
    assert run_cli(["document", str(path)]) == 1
    out = capsys.readouterr().out
    assert "the limit is 500 KB" in out
    hint = next(line for line in out.splitlines() if line.strip().startswith("hint"))
    assert "re-encoded it would be a JPEG of" in hint and "460 x 460 pixels" in hint and "wizard" in hint
    assert list(tmp_path.iterdir()) == [path]          # a check writes nothing


def test_damaged_oversized_image_gets_no_reencode_hint(tmp_path, capsys):
    noisy = Image.frombytes("RGB", (460, 460), random.Random(5).randbytes(460 * 460 * 3))
    path = tmp_path / "scan.png"
    path.write_bytes(encode(noisy, "PNG")[:-4000])
    assert run_cli(["document", str(path)]) == 1
    assert "hint" not in capsys.readouterr().out


def test_jpeg_named_png_is_acceptable_and_reported_as_jpeg(tmp_path, capsys):
    path = tmp_path / "scan.png"
    path.write_bytes(encode(picture(), "JPEG"))
    assert run_cli(["document", str(path)]) == 0
    out = capsys.readouterr().out
    assert "JPEG (decided by the content" in out and "warning" in out and ".png" in out


def test_symlink_is_refused(tmp_path, capsys):
    target = tmp_path / "real.png"
    target.write_bytes(encode(picture(), "PNG"))
    (tmp_path / "link.png").symlink_to(target)
    assert run_cli(["document", str(tmp_path / "link.png")]) == 2    # like check csr: the path is unusable
    assert "give the real file's path" in capsys.readouterr().err


def test_escape_sequences_in_the_file_name_never_reach_the_terminal(tmp_path, capsys):
    path = tmp_path / "\x1b]0;pwned\x07\x1b[2J[bold]x.png"
    path.write_bytes(encode(picture(), "PNG"))
    assert run_cli(["document", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07\\x1b[2J[bold]x.png: acceptable" in out


def test_missing_file_argument_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_cli(["document"])
    assert exit_info.value.code == 2
    assert "FILE" in capsys.readouterr().err


def test_empty_file_argument_is_a_usage_error(capsys):
    assert run_cli(["document", ""]) == 2
    assert "give the path of a PNG or JPEG file" in capsys.readouterr().err
