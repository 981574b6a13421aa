import subprocess
from pathlib import Path

from bot.settings import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"


def test_mean_pooling_featurizer_in_the_rasa_environment():
    script = Path(__file__).with_name("rasa_env_checks.py")
    result = subprocess.run([str(RASA_PYTHON), str(script)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stdout + result.stderr[-3000:]
