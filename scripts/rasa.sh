#!/usr/bin/env bash
# Optional Rasa backend: build Rasa Open Source 3.6 in its own Python 3.10 virtualenv
# (Rasa needs Python < 3.11 and pins TensorFlow 2.12, SQLAlchemy 1.4, pydantic 1: ~2.7 GB,
# so it cannot share .venv), export our NLU data as a Rasa project, train it when the data
# changed, and serve the HTTP API on 127.0.0.1:5005 for NLU_BACKEND=rasa.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA_VENV=${RASA_VENV:-rasa-venv}
RASA_SPEC=${RASA_SPEC:-rasa>=3.6,<3.7}
RASA_HOST=${RASA_HOST:-127.0.0.1}
RASA_PORT=${RASA_PORT:-5005}
PROJECT=${RASA_PROJECT:-var/rasa}
APP_PYTHON=${APP_PYTHON:-.venv/bin/python}

find_python310() {
    if [[ -n "${RASA_PYTHON:-}" ]]; then echo "$RASA_PYTHON"; return; fi
    if python3.10 --version >/dev/null 2>&1; then command -v python3.10; return; fi
    if command -v pyenv >/dev/null 2>&1; then
        local p
        p=$(ls -d "$(pyenv root)"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V | tail -1)
        if [[ -n "$p" ]]; then echo "$p"; return; fi
    fi
    echo "Python 3.10 not found: install it (e.g. pyenv install 3.10) or set RASA_PYTHON" >&2
    exit 1
}

if [[ ! -x "$RASA_VENV/bin/rasa" ]]; then
    py=$(find_python310)
    echo "Building $RASA_VENV with $("$py" --version) and $RASA_SPEC (about 2.7 GB)..."
    "$py" -m venv "$RASA_VENV"
    "$RASA_VENV/bin/python" -m pip install --quiet --upgrade "pip<24.1" setuptools wheel
    "$RASA_VENV/bin/python" -m pip install "$RASA_SPEC"
fi

RASA_BIN=$(realpath "$RASA_VENV")/bin
mkdir -p "$PROJECT"
"$APP_PYTHON" -m nlu export-rasa "$PROJECT"

stamp="$PROJECT/models/.data-sha256"
current=$(cat "$PROJECT"/config.yml "$PROJECT"/domain.yml "$PROJECT"/data/nlu.yml \
    | sha256sum | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$current" || ! -f "$PROJECT/models/nlu.tar.gz" ]]; then
    echo "Training Rasa NLU model..."
    (cd "$PROJECT" && "$RASA_BIN/rasa" train nlu --config config.yml \
        --nlu data/nlu.yml --out models --fixed-model-name nlu)
    echo "$current" > "$stamp"
fi

echo "Serving Rasa on http://$RASA_HOST:$RASA_PORT"
echo "Point the app at it: NLU_BACKEND=rasa RASA_URL=http://$RASA_HOST:$RASA_PORT"
cd "$PROJECT"
exec "$RASA_BIN/rasa" run --enable-api --model models/nlu.tar.gz \
    --interface "$RASA_HOST" --port "$RASA_PORT"
