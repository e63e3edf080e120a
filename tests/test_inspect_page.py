"""The page: every model writes one, it holds what it should, and a real browser renders it offline.

The browser test drives Debian's Chromium (``/usr/bin/chromium``) through the ``playwright``
package, launched with ``executable_path`` (no browser download); it is skipped, with the
reason, where either is missing. It checks: no script errors, one coloured element per
token, switching the unit changes the colours, hovering shows the top guesses, and no
request leaves the file itself.
"""
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURE, PASSAGE, ptb_checkpoint
from r2rt_rnn.cli import main as cli_main
from r2rt_rnn.model import CELL_TYPES

CHROMIUM = os.environ.get("R2RT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def page_data(path):
    """The JSON the page carries (the ``<script id="data">`` element)."""
    html = Path(path).read_text(encoding="utf-8")
    match = re.search(r'<script id="data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))



@pytest.fixture(scope="module")
def passage_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("text") / "passage.txt"
    path.write_text(PASSAGE * 4, encoding="utf-8")
    return path


def inspect(capsys, *args):
    code = cli_main(["inspect", *map(str, args)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.parametrize("cell_type", list(CELL_TYPES), ids=lambda c: c or "RNN")
def test_every_cell_type_writes_a_page(tmp_path, capsys, make_checkpoint, passage_file, cell_type):
    path = make_checkpoint(cell_type)
    out = tmp_path / "page.html"
    printed = inspect(capsys, path, "--text", passage_file, "--chars", 150, "--out", out, "--unit", "1:2")
    data = page_data(out)
    assert len(data["tokens"]) == 150 and data["tokens"] == list((PASSAGE * 4)[:150])
    assert data["firstUnit"] == "1:2"  # the unit asked for comes first
    assert all(len(v) == 150 and all(-100 <= x <= 100 for x in v) for v in data["units"].values())
    assert len(data["topIds"]) == 150 and all(len(row) == 5 for row in data["topIds"])
    gates = {"LSTM": {"i", "f", "o"}, "GRU": {"r", "u"}, "Custom": {"r", "u", "mix"}}
    expected = next((g for k, g in gates.items() if cell_type and k in cell_type), set())
    assert set(data["gates"].get("0", {})) == expected
    assert f"page: {out}" in printed
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left beside it


def test_a_ptb_word_model_writes_a_page_and_figures(tmp_path, capsys):
    path = ptb_checkpoint(tmp_path)
    out, figures = tmp_path / "ptb.html", tmp_path / "figures"
    inspect(capsys, path, "--text", FIXTURE / "ptb.valid.txt", "--chars", 120, "--unknown", "unk", "--out", out,
            "--figures", figures, "--json", tmp_path / "ptb.json", "--feature", "line_position")
    data = page_data(out)
    assert data["level"] == "word" and len(data["tokens"]) == 120 and "<eos>" in data["tokens"]
    summary = json.loads((tmp_path / "ptb.json").read_text())
    assert summary["token"] == "word" and set(summary["gate_saturation"]["layers"]["0"]) == {"i", "f", "o"}
    assert list(summary["features"]) == ["line_position"]  # only the feature asked for
    for name in ("predictions.png", "gates.png", "unit_line_position.png"):
        assert (figures / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


def test_figures_of_a_character_model(tmp_path, capsys, make_checkpoint, passage_file):
    path = make_checkpoint("LSTM")
    figures = tmp_path / "figures"
    printed = inspect(capsys, path, "--text", passage_file, "--out", tmp_path / "p.html", "--figures", figures,
                      "--unit", "0:1:h", "--page-chars", 80)
    names = sorted(p.name for p in figures.glob("*.png"))
    assert {"predictions.png", "gates.png", "unit_in_brackets.png", "unit_0_1_h.png"} <= set(names)
    assert printed.count("figure: ") == len(names)


@pytest.fixture(scope="module")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed "
                                   "(pip install playwright; no browser download is needed)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return sync_api


def test_the_page_renders_in_a_real_browser_offline(tmp_path, capsys, make_checkpoint, passage_file, chromium):
    path = make_checkpoint("GRU")
    out = tmp_path / "page.html"
    inspect(capsys, path, "--text", passage_file, "--out", out)
    tokens = len(page_data(out)["tokens"])
    errors, requests = [], []
    with chromium.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1200, "height": 800})
        try:
            def route(r):
                requests.append(r.request.url)
                return r.continue_() if r.request.url == out.as_uri() else r.abort()

            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.goto(out.as_uri())
            page.wait_for_selector("body[data-ready='1']", timeout=10000)
            assert page.locator("#text .t").count() == tokens
            colours = "els => els.map(e => e.style.backgroundColor)"
            before = page.eval_on_selector_all("#text .t", colours)
            assert all(c.startswith("rgb") for c in before)  # every token is coloured
            options = page.eval_on_selector_all("#unit option", "os => os.map(o => o.value)")
            other = next(u for u in options if u != page.eval_on_selector("#unit", "s => s.value"))
            page.select_option("#unit", other)
            after = page.eval_on_selector_all("#text .t", colours)
            assert sum(a != b for a, b in zip(before, after)) > tokens // 4
            page.hover("#text .t >> nth=5")
            assert "top 5 guesses" in page.inner_text("#info")
            page.screenshot(path=str(tmp_path / "page.png"))
        finally:
            context.close()
    assert not errors
    assert requests == [out.as_uri()]  # the page itself, nothing else
