import shutil
from pathlib import Path

from bot.runner.training import TRAINING_INPUTS, fingerprint
from bot.settings import PROJECT_ROOT


def _copy_inputs(dest: Path) -> None:
    for name in TRAINING_INPUTS:
        src = PROJECT_ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy(src, dest / name)


def test_fingerprint_is_stable_and_tracks_every_input(tmp_path):
    _copy_inputs(tmp_path)
    before = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == before

    nlu = next((tmp_path / "data" / "nlu").glob("*.yml"))
    nlu.write_text(nlu.read_text() + "\n# edited\n")
    after_data = fingerprint(tmp_path)
    assert after_data != before

    (tmp_path / "config.yml").write_text((tmp_path / "config.yml").read_text() + "\n")
    assert fingerprint(tmp_path) != after_data


def test_fingerprint_sees_a_new_data_file(tmp_path):
    _copy_inputs(tmp_path)
    before = fingerprint(tmp_path)
    (tmp_path / "data" / "stories" / "extra.yml").write_text('version: "3.1"\n')
    assert fingerprint(tmp_path) != before
