"""`deeptalk batch` input discovery and output naming (real files)."""

from __future__ import annotations

from pathlib import Path

from deeptalk.commands.batch import find_inputs, output_paths


def test_folder_inputs(tmp_path: Path) -> None:
    for name in ("b.wav", "a.FLAC", "notes.txt", "sub/c.wav"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    flat = find_inputs(tmp_path)
    assert [(p.name, str(s)) for p, s in flat] == [("a.FLAC", "a"), ("b.wav", "b")]
    deep = find_inputs(tmp_path, recursive=True)
    assert [str(s) for _, s in deep] == ["a", "b", "sub/c"]


def test_list_file_inputs(tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    listing = tmp_path / "lists" / "todo.txt"
    listing.write_text(f"# takes for the trailer\n\n../x/one.wav\n{tmp_path / 'y' / 'one.wav'}\n  two.ogg  \n")
    pairs = find_inputs(listing)
    assert [p for p, _ in pairs] == [tmp_path / "lists" / "../x/one.wav", tmp_path / "y" / "one.wav",
                                     tmp_path / "lists" / "two.ogg"]
    assert [str(s) for _, s in pairs] == ["one", "one", "two"]


def test_output_names_never_collide(tmp_path: Path) -> None:
    outs = output_paths([Path("one"), Path("one"), Path("two"), Path("one"), Path("sub/one")], tmp_path)
    assert [str(p.relative_to(tmp_path)) for p in outs] == ["one.npz", "one_2.npz", "two.npz", "one_3.npz",
                                                             "sub/one.npz"]
