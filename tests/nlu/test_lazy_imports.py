"""Loading a saved model and parsing need numpy only: scikit-learn and SciPy (about 1.5 s
to import) are for training and `nlu test`, so `sahayak chat` answers sooner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nlu import model as model_io

REPO = Path(__file__).resolve().parents[2]


def test_a_saved_model_parses_without_scikit_learn(tiny_data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "model.joblib"
    model_io.save(model_io.train_from_dir(tiny_data_dir), path)
    code = ("import sys\nfrom pathlib import Path\nfrom nlu.embedded import EmbeddedParser\n"
            f"p = EmbeddedParser(Path({str(path)!r}), Path({str(tiny_data_dir)!r}), 0.1, "
            "auto_retrain=False)\n"
            "print(p.parse('mera balance kitna hai').intent.name)\n"
            "print(sorted(m for m in ('sklearn', 'scipy', 'nlu.evaluate') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["check_balance", "[]"]
