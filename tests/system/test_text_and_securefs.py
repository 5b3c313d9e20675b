import os
import stat

import pytest

from certwizard.domain.text import printable, require_printable, unprintable_characters
from certwizard.system.paths import DATA_DIR_ENV, DataLayout, resolve_data_dir
from certwizard.system.securefs import (
    FileTooLargeError,
    UnsafePathError,
    atomic_replace,
    create_private_file,
    ensure_private_dir,
    read_regular_file,
    remove_stale_temp_files,
)

HOSTILE = "A\x1b]0;pwned\x1b\\B\x1b[2J\x9b31m\u202eC\x07"


def test_printable_escapes_every_control_character():
    shown = printable(HOSTILE)
    assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown and "\x07" not in shown
    assert shown.startswith("A\\x1b]0;pwned") and "\\u202e" in shown
    assert printable("ACME [Holdings] 公司") == "ACME [Holdings] 公司"
    assert printable("line1\nline2", allow_newlines=True) == "line1\nline2"


def test_require_printable_names_the_characters():
    with pytest.raises(ValueError, match="U\\+001B, U\\+009B, U\\+202E, U\\+0007"):
        require_printable(HOSTILE)
    assert unprintable_characters("fine text") == []


@pytest.fixture(params=[0o000, 0o022, 0o077])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_private_files_and_folders_have_strict_modes_under_any_umask(tmp_path, umask):
    folder = ensure_private_dir(tmp_path / "a" / "keys")
    key = create_private_file(folder / "k.pem", b"secret")
    replaced = atomic_replace(folder / "db.json", b"{}")
    assert mode(folder) == 0o700 and mode(key) == 0o600 and mode(replaced) == 0o600
    assert mode(tmp_path / "a") == 0o700             # a folder it had to make on the way, too
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    ensure_private_dir(shared / "c" / "d")
    assert [mode(shared / p) for p in ("c", "c/d")] == [0o700] * 2
    assert mode(shared) == 0o755                      # a folder that already existed is left as it was


def test_existing_loose_folder_is_tightened_and_symlinked_folder_refused(tmp_path):
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    os.chmod(loose, 0o755)
    assert mode(ensure_private_dir(loose)) == 0o700
    (tmp_path / "link").symlink_to(loose)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        ensure_private_dir(tmp_path / "link")


def test_create_never_overwrites_and_never_follows_symlinks(tmp_path):
    target = tmp_path / "victim"
    target.write_bytes(b"original")
    with pytest.raises(FileExistsError):
        create_private_file(target, b"new")
    link = tmp_path / "key.pem"
    link.symlink_to(target)
    with pytest.raises(FileExistsError):
        create_private_file(link, b"new")
    dangling = tmp_path / "dangling.pem"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExistsError):
        create_private_file(dangling, b"new")
    assert target.read_bytes() == b"original" and not (tmp_path / "nowhere").exists()


def test_atomic_replace_replaces_a_symlink_instead_of_writing_through_it(tmp_path):
    target = tmp_path / "victim"
    target.write_bytes(b"original")
    link = tmp_path / "db.json"
    link.symlink_to(target)
    atomic_replace(link, b"new")
    assert target.read_bytes() == b"original"
    assert not link.is_symlink() and link.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_read_regular_file_refuses_links_fifos_folders_and_big_files(tmp_path):
    real = tmp_path / "real"
    real.write_bytes(b"x" * 10)
    assert read_regular_file(real, 10) == b"x" * 10
    with pytest.raises(FileTooLargeError):
        read_regular_file(real, 9)
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        read_regular_file(tmp_path / "link", 100)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(UnsafePathError, match="not a regular file"):
        read_regular_file(tmp_path / "fifo", 100)
    with pytest.raises(UnsafePathError, match="not a regular file"):
        read_regular_file(tmp_path, 100)


def test_stale_temp_files_are_removed_but_fresh_ones_kept(tmp_path):
    old = tmp_path / ".tmp-aaaa-db.json"
    old.write_bytes(b"half")
    os.utime(old, (1, 1))
    fresh = tmp_path / ".tmp-bbbb-db.json"
    fresh.write_bytes(b"in progress")
    assert remove_stale_temp_files(tmp_path, 600) == 1
    assert fresh.exists() and not old.exists()


def test_data_dir_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "flag") == tmp_path / "flag"
    assert resolve_data_dir() == tmp_path / "env"
    monkeypatch.delenv(DATA_DIR_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_data_dir() == tmp_path / "xdg" / "certwizard"
    layout = DataLayout(tmp_path / "data").ensure()
    assert mode(layout.root) == mode(layout.keys_dir) == mode(layout.documents_dir) == 0o700
