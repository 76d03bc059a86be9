"""``python -m nlu ...``: the NLU CLI without the rest of the app (used by scripts/rasa.sh)."""

from __future__ import annotations

from nlu.cli import nlu_group

if __name__ == "__main__":
    nlu_group()
