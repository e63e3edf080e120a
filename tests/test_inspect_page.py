"""The page: every model writes one, it holds what it should, and a real browser renders and drives it offline.

The browser tests drive Debian's Chromium (``/usr/bin/chromium``) through the ``playwright``
package, launched with ``executable_path`` (no browser download); they are skipped, with
the reason, where either is missing. One browser serves the whole module, with two pages:
one written by the command (no chance baseline or ablation) and one written in-process
from an inspection with a planted unit (exactly +1 on a span, -1 elsewhere) and a
baseline and ablation set by hand. They check: no script errors and no request beyond the
file itself; choosing a unit (menu, typed, heat strip) recolours the text and a bad one
is refused in a message; marking a span ranks the planted unit first, as numpy does;
surprisal mode changes the colours and the colour bar; the gate scatter has a dot per
gate unit; the baseline and ablation are shown where they exist.
"""
import json
import re
from pathlib import Path

import numpy as np
import pytest

from conftest import CHROMIUM, FIXTURE, INSPECT, PASSAGE, playwright_or_skip, ptb_checkpoint
from r2rt_rnn.beyond.inspect.analysis import inspect_passage
from r2rt_rnn.beyond.inspect.features import BUILT_IN
from r2rt_rnn.beyond.inspect.packing import LEVELS, pack, packed_size, plan, unpack
from r2rt_rnn.beyond.inspect.page import feature_definitions, page_data, write_page
from r2rt_rnn.cli import main as cli_main
from r2rt_rnn.model import CELL_TYPES
from r2rt_rnn.runtime.errors import R2RTError

pytestmark = pytest.mark.slow  # traces checkpoints of every cell type, and drives a real browser

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PLANTED, PLANTED_SPAN = "0:3", (20, 40)  # inside the passage's second line, no line break at either end


def read_page_data(path):
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
    """The inspect command without chance levels and ablation (their own tests are test_inspect_baseline's)."""
    code = cli_main([*INSPECT, *map(str, args)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


# --- packing ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bits", sorted(LEVELS))
def test_packed_activations_come_back_within_half_a_step(bits):
    rng = np.random.default_rng(bits)
    values = np.concatenate([rng.uniform(-1, 1, (7, 5)), [[-1, 1, 0, 1.7, -3]]])  # odd count; out of range clips
    packed = pack(values, bits)
    assert len(packed["data"]) == packed_size(8, 5, bits)
    back = unpack(packed)
    assert back.shape == (8, 5)
    assert np.abs(back - np.clip(values, -1, 1)).max() <= 0.5 / LEVELS[bits] + 1e-6
    assert back[-1].tolist() == [-1, 1, 0, 1, -1]  # the ends and 0 are levels themselves
    assert np.array_equal(unpack(pack(back, bits)), back)  # levels pack to themselves


def test_packing_refuses_what_it_cannot_hold():
    with pytest.raises(R2RTError, match="bits must be one of"):
        pack(np.zeros((2, 2)), 5)
    with pytest.raises(R2RTError, match=r"\[rows, cols\]"):
        pack(np.zeros(4))
    assert unpack(pack(np.array([[np.nan, 0.5]]))).tolist() == [[0, pytest.approx(0.5, abs=0.004)]]


def test_the_plan_takes_8_bits_then_4_then_fewer_positions():
    assert plan(100, 10, packed_size(100, 10, 8)) == (8, 100)
    assert plan(100, 10, packed_size(100, 10, 8) - 4) == (4, 100)
    bits, positions = plan(100, 10, packed_size(100, 10, 4) // 2)
    assert bits == 4 and 0 < positions < 100 and packed_size(positions, 10, 4) <= packed_size(100, 10, 4) // 2 + 4
    assert plan(100, 10, 1) == (4, 1)  # at least one position


# --- the page's data ----------------------------------------------------------------------------------------

def check_activations(activations, positions, parts):
    """Every unit of the 2 x 16 model at every position, at 8 bits (so the menu's units need no copy)."""
    every = activations["all"]
    assert (every["layers"], every["width"], len(every["parts"])) == (2, 16, parts)
    values = unpack(every["values"])
    assert values.shape == (positions, 2 * 16 * parts) and np.abs(values).max() <= 1 and values.std() > 0
    assert every["values"]["bits"] == 8 and activations["chosen"] is None


def check_gates(data, cell_type):
    """The cell's gates in the table, and a dot's two fractions for every gate unit."""
    gates = {"LSTM": {"i", "f", "o"}, "GRU": {"r", "u"}, "Custom": {"r", "u", "mix"}}
    expected = next((g for k, g in gates.items() if cell_type and k in cell_type), set())
    assert set(data["gates"].get("0", {})) == expected
    for k, layer in enumerate(data["gateUnits"]["layers"]):
        for gate, (shut, open_) in layer.items():
            assert len(shut) == len(open_) == data["gates"][str(k)][gate]["units"] > 0


@pytest.mark.parametrize("cell_type", list(CELL_TYPES), ids=lambda c: c or "RNN")
def test_every_cell_type_writes_a_page(tmp_path, capsys, make_checkpoint, passage_file, cell_type):
    path = make_checkpoint(cell_type)
    out = tmp_path / "page.html"
    printed = inspect(capsys, path, "--text", passage_file, "--chars", 150, "--out", out, "--unit", "1:2")
    data = read_page_data(out)
    assert len(data["tokens"]) == 150 and data["tokens"] == list((PASSAGE * 4)[:150])
    assert data["firstUnit"] == "1:2"  # the unit asked for comes first
    check_activations(data["activations"], 150, 2 if "LSTM" in (cell_type or "") else 1)
    assert len(data["topIds"]) == 150 and all(len(row) == 5 for row in data["topIds"])
    assert len(data["surprisal"]) == 150 and data["surprisal"][-1] is None
    assert data["surprisal"][0] == pytest.approx(-np.log2(data["nextP"][0]), abs=0.02)
    check_gates(data, cell_type)
    assert f"page: {out}" in printed
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left beside it


@pytest.fixture(scope="module")
def inspection(make_checkpoint):
    """An inspection of the passage by a small random GRU (traced in-process; no chance levels, no ablation)."""
    return inspect_passage(make_checkpoint("GRU"), PASSAGE * 4, baseline_seeds=0, ablation="off")


def test_a_small_budget_carries_every_unit_coarser_and_the_menu_units_whole(inspection):
    data = page_data(inspection, budget=packed_size(100, 32, 4))
    every, chosen = data["activations"]["all"], data["activations"]["chosen"]
    assert every["values"]["bits"] == 4 and 90 <= every["values"]["rows"] < len(inspection.shown)
    assert chosen["values"]["bits"] == 8 and chosen["values"]["rows"] == len(inspection.shown)
    layout = inspection.spec.layout()
    exact = layout.activations(inspection.shown.layers)
    columns = [layout.column(layout.parse(u)) for u in chosen["units"]]
    assert np.abs(unpack(chosen["values"]) - exact[:, columns]).max() <= 0.5 / 127 + 1e-6
    carried = every["values"]["rows"]
    assert np.abs(unpack(every["values"]) - exact[:carried]).max() <= 0.5 / 7 + 1e-6


def test_the_page_defines_every_feature_and_carries_a_baseline_only_when_there_is_one(inspection):
    assert set(feature_definitions()) == set(BUILT_IN)  # the table in features.py's docstring names them all
    plain = page_data(inspection)
    assert set(BUILT_IN) <= set(plain["definitions"]) and plain["ablations"] == {}
    assert all(row["chance"] is None and all(u["above"] is None for u in row["units"]) for row in plain["features"])
    best = inspection.best("line_position")
    inspection.baselines = {"line_position": {"chance": abs(best.correlation) - 0.01, "seeds": 3, "margin": 0.05}}
    inspection.ablations = {best.unit: {"feature": "line_position", "loss_on": 1.0, "loss_on_ablated": 1.5,
                                        "loss_off": 2.0, "loss_off_ablated": np.nan}}
    try:
        data = page_data(inspection)
    finally:
        inspection.baselines, inspection.ablations = {}, {}
    row = next(r for r in data["features"] if r["name"] == "line_position")
    assert row["chance"]["seeds"] == 3 and row["units"][0]["above"] is False  # within the margin: not a finding
    assert "not above chance" in data["unitNotes"][str(best.unit)]
    assert data["ablations"][str(best.unit)] == {"feature": "line_position", "loss_on": 1.0, "loss_on_ablated": 1.5,
                                                  "loss_off": 2.0, "loss_off_ablated": None}


def test_a_ptb_word_model_writes_a_page_and_figures(tmp_path, capsys):
    path = ptb_checkpoint(tmp_path)
    out, figures = tmp_path / "ptb.html", tmp_path / "figures"
    inspect(capsys, path, "--text", FIXTURE / "ptb.valid.txt", "--chars", 120, "--unknown", "unk", "--out", out,
            "--figures", figures, "--json", tmp_path / "ptb.json", "--feature", "line_position")
    data = read_page_data(out)
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


# --- in a real browser ---------------------------------------------------------------------------------------

class Browser:
    """One Chromium for the module; :meth:`open` loads a page and records its script errors and requests."""

    def __init__(self, sync_api, folder):
        self.driver = sync_api.sync_playwright().start()
        self.context = self.driver.chromium.launch_persistent_context(
            str(folder / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1200, "height": 800})
        self.requests, self.errors, self.allowed = [], [], set()

        def route(r):
            self.requests.append(r.request.url)
            return r.continue_() if r.request.url in self.allowed else r.abort()

        self.context.route("**/*", route)

    def open(self, path):
        self.allowed.add(path.as_uri())
        page = self.context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=20000)
        return page

    def close(self):
        self.context.close()
        self.driver.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(playwright_or_skip(), tmp_path_factory.mktemp("browser"))
    yield b
    b.close()
    assert not b.errors
    assert sorted(set(b.requests)) == sorted(b.allowed)  # the pages themselves, nothing else


@pytest.fixture(scope="module")
def plain_page(browser, make_checkpoint, passage_file, tmp_path_factory):
    """The page the command writes for a small random GRU (no baseline, no ablation)."""
    out = tmp_path_factory.mktemp("plain") / "page.html"
    assert cli_main([*INSPECT, str(make_checkpoint("GRU")), "--text", str(passage_file), "--out", str(out)]) == 0
    return browser.open(out)


@pytest.fixture(scope="module")
def planted(browser, inspection, tmp_path_factory):
    """A page whose unit 0:3 is exactly +1 on PLANTED_SPAN and -1 elsewhere, with a baseline and an ablation."""
    layout = inspection.spec.layout()
    unit = layout.parse(PLANTED)
    values = np.full(len(inspection.shown), -1.0, dtype=np.float32)
    values[slice(*PLANTED_SPAN)] = 1.0
    inspection.shown.layers[unit.layer][unit.part][:, unit.index] = values
    inspection.baselines = {name: {"chance": 0.99, "seeds": 4, "margin": 0.0} for name in inspection.rankings}
    inspection.ablations = {PLANTED: {"feature": "line_position", "loss_on": 3.5, "loss_on_ablated": 4.25,
                                      "loss_off": 3.0, "loss_off_ablated": 3.125}}
    out = write_page(inspection, tmp_path_factory.mktemp("planted") / "planted.html")
    inspection.baselines, inspection.ablations = {}, {}
    return browser.open(out), unpack(read_page_data(out)["activations"]["all"]["values"])


COLOURS = "els => els.map(e => e.style.backgroundColor)"


def colours(page):
    return page.eval_on_selector_all("#text .t", COLOURS)


def changed(before, after):
    return sum(a != b for a, b in zip(before, after))


def test_the_page_renders_and_switches_units(plain_page):
    page = plain_page
    tokens = int(page.evaluate("document.body.dataset.tokens"))
    assert page.locator("#text .t").count() == tokens == len(PASSAGE * 4)
    before = colours(page)
    assert all(c.startswith("rgb") for c in before)  # every token is coloured
    options = page.eval_on_selector_all("#unit option", "os => os.map(o => o.value)")
    other = next(u for u in options if u != page.eval_on_selector("#unit", "s => s.value"))
    page.select_option("#unit", other)
    assert changed(before, colours(page)) > tokens // 4
    page.hover("#text .t >> nth=5")
    assert "top 5 guesses" in page.inner_text("#info")
    assert page.is_hidden("#ablation-box")  # nothing to show without an ablation
    assert page.eval_on_selector_all("#features tbody tr td.verdict", "tds => tds.map(t => t.textContent)") \
        == [""] * page.locator("#features tbody tr td.verdict").count()


def test_a_typed_unit_recolours_and_a_bad_one_is_a_message(plain_page):
    page = plain_page
    before = colours(page)
    show_unit(page, "1:7")
    assert page.input_value("#unit") == "1:7"  # the menu shows it too
    assert changed(before, colours(page)) > len(before) // 4
    for typed, message in (("5:1", "there is no layer 5; this model has layers 0 to 1"),
                           ("0:99", "layer 0 has no index 99; its units are 0 to 15"), ("x", "is not of the form")):
        page.fill("#unit-input", typed)
        page.click("#unit-go")
        assert message in page.inner_text("#unit-message")
        assert page.evaluate("document.body.dataset.unit") == "1:7"  # the colouring stays


def test_clicking_the_heat_strip_picks_a_unit(plain_page):
    page = plain_page
    page.select_option("#unit", page.eval_on_selector("#unit option", "o => o.value"))
    before = colours(page)
    box = page.locator("#strip").bounding_box()
    width = page.evaluate("document.getElementById('strip').width")
    cell = (width - 64) / 16  # 16 units a row, after the labels' margin
    page.mouse.click(box["x"] + 64 + 5.5 * cell, box["y"] + 14 + 6)  # layer 1, unit 5
    assert page.evaluate("document.body.dataset.unit") == "1:5"
    assert changed(before, colours(page)) > len(before) // 4
    assert "unit 1:5" in page.inner_text("#strip-label")


def show_unit(page, unit):
    page.fill("#unit-input", unit)
    page.press("#unit-input", "Enter")
    assert page.evaluate("document.body.dataset.unit") == unit


def drag(page, first, last):
    """Press on token ``first``, move over to token ``last`` and let go."""
    a = page.locator(f"#text .t >> nth={first}").bounding_box()
    b = page.locator(f"#text .t >> nth={last}").bounding_box()
    page.mouse.move(a["x"] + 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + 2, b["y"] + b["height"] / 2, steps=4)
    page.mouse.up()


def ranking(page):
    return page.eval_on_selector_all("#ranking-table tr", "rows => rows.slice(1).map(r => "
                                                          "Array.from(r.cells).map(c => c.textContent))")


def test_marking_a_span_ranks_the_units_that_follow_it(planted):
    page, values = planted
    start, end = PLANTED_SPAN
    drag(page, start, end - 1)
    assert page.evaluate("document.body.dataset.span") == f"{start}:{end}"
    rows = ranking(page)
    assert rows[0] == [PLANTED, "+1.000", "100.0%", "0%"] and len(rows) == 10
    assert "r with the marked span" in page.inner_text("#strip-caption")
    drag(page, 8, 13)  # another span: the list changes, and agrees with numpy's correlations
    indicator = np.zeros(len(values))
    indicator[8:14] = 1
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.array([np.corrcoef(column, indicator)[0, 1] for column in values.T])
    best = int(np.nanargmax(np.abs(r)))
    rows = ranking(page)
    layout_name = f"{best // 16}:{best % 16}"
    assert rows[0][0] == layout_name and float(rows[0][1]) == pytest.approx(r[best], abs=1.5e-3)
    page.click("#span-clear")
    assert page.evaluate("document.body.dataset.span") is None and not page.locator("#ranking-table").count()


def test_surprisal_mode_changes_the_colours_and_the_colour_bar(planted):
    page, _ = planted
    show_unit(page, PLANTED)
    bar = "() => [document.getElementById('colourbar-ramp').style.background, " \
          "document.getElementById('colourbar-high').textContent]"
    before, bar_before = colours(page), page.evaluate(bar)
    page.select_option("#mode", "surprisal")
    assert page.evaluate("document.body.dataset.mode") == "surprisal"
    assert changed(before, colours(page)) > len(before) // 2
    bar_after = page.evaluate(bar)
    assert bar_after[0] != bar_before[0] and "bits" in bar_after[1] and "surprisal" in page.inner_text("#controls")
    page.select_option("#mode", "unit")
    assert colours(page) == before


def test_the_gate_scatter_baseline_ablation_and_definitions_are_shown(planted):
    page, _ = planted
    assert page.locator("#gate-scatter svg.gate-panel").count() == 2  # the GRU's r and u
    assert page.locator("#gate-scatter circle.dot").count() == 2 * 2 * 16  # layers x gates x units
    verdicts = page.eval_on_selector_all("#features td.verdict", "tds => tds.map(t => t.textContent)")
    assert verdicts and set(verdicts) == {"not above chance"}  # chance 0.99: nothing clears it
    assert "0.99 (4 seeds)" in page.inner_text("#features")
    assert page.is_visible("#ablation-box") and "4.250" in page.inner_text("#ablations")
    show_unit(page, PLANTED)
    assert "clamped: loss where line_position is on 3.500 nats \u2192 4.250 nats" in page.inner_text("#unit-note")
    definitions = page.inner_text("#feature-definitions")
    assert all(name in definitions for name in BUILT_IN)
