"""The composition root builds each part once and every entry point shares it: one NLU
parser per process (webhooks and web chat once loaded two models), one renderer (with the
helpline) for replies, the worker's sender and broadcast previews."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.composition import Components, compose
from tests.servers import clear_settings_env, make_settings


@pytest.fixture
def components(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Components]:
    clear_settings_env(monkeypatch)
    monkeypatch.setenv("NLU_MODEL_PATH", str(tmp_path / "never-loaded.joblib"))
    built = compose(make_settings(f"sqlite:///{tmp_path / 'c.db'}",
                                  outbox_http_url="http://127.0.0.1:9/send"))
    yield built
    built.close()


def test_lazy_parts_are_built_once_even_when_threads_race(components: Components) -> None:
    assert "parser" not in vars(components)  # nothing loaded until asked
    start, seen = threading.Barrier(4), []

    def ask() -> None:
        start.wait()
        seen.append((components.parser, components.assistant, components.sender))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({tuple(map(id, parts)) for parts in seen}) == 1


def test_one_parser_and_one_renderer_everywhere(components: Components) -> None:
    assistant = components.assistant
    assert assistant.engine.parser is components.parser
    assert assistant.renderer is components.renderer
    assert components.renderer.defaults == {"helpline": components.config.helpline}
    assert str(components.renderer.tz) == components.settings.timezone


def test_the_app_uses_the_components_it_is_given(components: Components) -> None:
    app = create_app(components)
    assert app.state.backend is components.backend
    assert app.state.components is components
