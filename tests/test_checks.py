"""One module checks arguments (r2rt_rnn/runtime/checks.py): a number is a ``numbers.Integral`` / ``numbers.Real``
(numpy's too), never a bool; a switch is a bool; each error names its parameter, and the command line its flag."""
import json
import math
import re
from fractions import Fraction

import numpy as np
import pytest

from conftest import REPO, assert_one_line_error, run
from r2rt_rnn.data import Vocabulary, gen_epochs, ptb_iterator
from r2rt_rnn.graphs.skip import build_skip_connection_graph_with_scan
from r2rt_rnn.graphs.static import build_basic_rnn_graph_with_list
from r2rt_rnn.model import build_graph
from r2rt_rnn.runtime import checkpoint, checks
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.runtime.sampling import check_sampling
from r2rt_rnn.train import train_network

SMALL = dict(num_classes=12, batch_size=2, num_steps=5, num_layers=1)


def refused(call, *args, **kwargs):
    """The R2RTError ``call`` raises: one line, naming its parameter first."""
    with pytest.raises(R2RTError) as info:
        call(*args, **kwargs)
    assert "\n" not in str(info.value) and info.value.params
    assert str(info.value).startswith(f"{info.value.params[0]} must be"), str(info.value)
    return info.value


# --- the checks themselves ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", [3, np.int8(3), np.int32(3), np.int64(3), np.uint16(3)])
def test_every_kind_of_integer_is_an_integer_and_comes_back_a_plain_int(value):
    assert checks.is_integer(value) and checks.is_real(value)
    result = checks.integer("n", value)
    assert result == 3 and type(result) is int


@pytest.mark.parametrize("value", [0.5, np.float16(0.5), np.float32(0.5), np.float64(0.5), Fraction(1, 2)])
def test_every_kind_of_real_is_a_real_and_comes_back_a_plain_float(value):
    assert checks.is_real(value)
    result = checks.real("x", value)
    assert result == 0.5 and type(result) is float


def test_a_float32_is_recorded_as_the_number_it_prints_as():
    assert checks.rate("learning_rate", np.float32(1e-3)) == 0.001  # not 0.0010000000474974513
    assert np.float32(checks.rate("learning_rate", np.float32(1e-3))) == np.float32(1e-3)  # the same float32


@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_a_bool_is_never_a_number(value):
    assert not checks.is_integer(value) and not checks.is_real(value)
    for check in (checks.integer, checks.real, checks.rate, checks.probability, checks.fraction):
        assert refused(check, "x", value).params == ("x",)
    assert refused(checks.seed, value).params == ("seed",)


@pytest.mark.parametrize("value", ["no", 0, 1, None, "True", np.int64(1)])
def test_a_switch_must_be_a_bool(value):
    error = refused(checks.boolean, "build_with_dropout", value)
    assert str(error) == f"build_with_dropout must be True or False, got {value!r}"


def test_a_numpy_bool_is_a_bool():
    assert checks.boolean("skip", np.bool_(True)) is True and checks.boolean("skip", False) is False


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float32("inf"), 10**400, "1", None, [1]])
def test_anything_but_a_finite_real_is_refused(value):
    refused(checks.real, "x", value)


def test_the_ranges_and_their_messages():
    assert str(refused(checks.integer, "n", 0)) == "n must be a positive integer, got 0"
    assert str(refused(checks.integer, "n", -1, 0)) == "n must be an integer >= 0, got -1"
    assert str(refused(checks.integer, "n", 10, 0, 9)) == "n must be an integer from 0 to 9, got 10"
    assert str(refused(checks.integer, "n", 2.0)) == "n must be a positive integer, got 2.0"
    assert str(refused(checks.integer, "n", 0, what="1 or more", fix="leave it out")) == \
        "n must be 1 or more, got 0; leave it out"
    assert str(refused(checks.real, "x", 0)) == "x must be a positive finite number, got 0"
    assert str(refused(checks.fraction, "f", 1.0)) == "f must be a number in [0, 1), got 1.0"
    assert checks.fraction("f", 0) == 0.0
    assert str(refused(checks.probability, "keep_prob", 0.0)) == "keep_prob must be a probability in (0, 1], got 0.0"
    assert checks.probability("keep_prob", 1) == 1.0
    assert checks.rate("r", np.float32(3.4e38)) == 3.4e38
    assert "at most float32's 3.4e38" in str(refused(checks.rate, "r", 1e39))
    assert checks.seed(0) == 0 and checks.seed(np.int64(2**31 - 1)) == 2**31 - 1
    assert str(refused(checks.seed, 2**31)) == "seed must be an integer from 0 to 2147483647, got 2147483648"
    assert checks.positive(a=np.int64(1), b=2) == (1, 2)
    assert refused(checks.positive, a=1, b=0, c=-1).params == ("b",)  # the first that is not
    assert checks.optional(checks.rate, "m", None) is None and checks.optional(checks.rate, "m", 5) == 5.0
    assert checks.choice("c", "b", ("a", "b")) == "b"
    assert str(refused(checks.choice, "c", "z", ("a", "b"))) == "c must be one of 'a', 'b', got 'z'"


def test_length_names_the_data_and_the_batch_it_needs():
    checks.length(range(12), np.int64(2), np.int32(5))  # 2 * (5 + 1) = 12: exactly one batch
    with pytest.raises(R2RTError, match=r"^the text has 11 tokens but one batch needs .* = 12; use more text") as e:
        checks.length(range(11), 2, 5, "the text")
    assert e.value.params[0] == "the text"
    refused(checks.length, range(100), 2, True)


# --- numpy scalars through the package ---------------------------------------------------------------

def test_build_graph_takes_numpy_scalars_wherever_it_takes_python_numbers():
    g = build_graph(learning_rate=np.float32(1e-3), keep_prob=np.float32(0.9), max_grad_norm=np.float32(5),
                    state_size=np.int64(8), build_with_dropout=np.bool_(True), **SMALL)
    config = g["config"]
    assert (config["learning_rate"], config["keep_prob"], config["max_grad_norm"], config["state_size"]) == \
        (0.001, 0.9, 5.0, 8)
    assert all(type(v) in (int, float, bool, str, type(None)) for v in config.values()), config
    # the same graph as with Python numbers: the same config, the same variables
    g64 = build_graph(learning_rate=np.float64(1e-3), keep_prob=0.9, max_grad_norm=5, state_size=8,
                      build_with_dropout=True, **SMALL)
    assert g64["config"] == config and g["train_feed"][g["keep_prob"]] == 0.9


def test_the_posts_other_builders_take_numpy_scalars_too():
    g = build_basic_rnn_graph_with_list(state_size=np.int16(4), learning_rate=np.float32(0.01), **{
        k: np.int64(v) for k, v in SMALL.items() if k != "num_layers"})
    assert g["config"]["state_size"] == 4 and type(g["config"]["batch_size"]) is int
    g = build_skip_connection_graph_with_scan(state_size=4, skip=np.bool_(False), **SMALL)
    assert g["config"]["skip"] is False


@pytest.mark.parametrize("setting, name", [
    (dict(build_with_dropout="no"), "build_with_dropout"), (dict(build_with_dropout=1), "build_with_dropout"),
    (dict(state_size=True), "state_size"), (dict(num_layers=np.float32(2)), "num_layers"),
    (dict(learning_rate=True), "learning_rate"), (dict(learning_rate=np.float32("nan")), "learning_rate"),
    (dict(max_grad_norm=np.float64(0)), "max_grad_norm"),
    (dict(build_with_dropout=True, keep_prob=np.float32(1.5)), "keep_prob"),
    (dict(build_with_dropout=True, keep_prob=None), "keep_prob"), (dict(keep_prob=True), "keep_prob"),
    (dict(num_weights_for_custom_cell=0, cell_type="Custom"), "num_weights_for_custom_cell"),
    (dict(seed=True), "seed"), (dict(seed=np.int64(-1)), "seed"),
])
def test_build_graph_refuses_by_name(setting, name):
    assert refused(build_graph, **{**SMALL, "state_size": 4, **setting}).params == (name,)


def test_a_skip_switch_must_be_a_bool():
    assert refused(build_skip_connection_graph_with_scan, state_size=4, skip="yes", **SMALL).params == ("skip",)


def test_train_network_takes_numpy_sizes_and_saves_plain_json(tmp_path):
    """``state_size=np.int64(8)`` trained an epoch and then failed to save ("int64 is not JSON serializable")."""
    text = "a numpy int in the config must not stop the save. " * 6
    vocab = Vocabulary.from_text(text)
    g = build_graph(state_size=np.int64(8), num_classes=np.int64(len(vocab)), batch_size=np.int32(2),
                    num_steps=np.int64(5), num_layers=1, learning_rate=np.float32(1e-2))
    save = tmp_path / "model"
    losses = train_network(g, np.int64(1), num_steps=np.int64(5), batch_size=np.int32(2), data=vocab.encode(text),
                           vocab=vocab, save=str(save), verbose=False)
    assert len(losses) == 1
    raw = json.loads((tmp_path / "model.config.json").read_text())["config"]
    assert (raw["state_size"], raw["num_steps"], raw["learning_rate"]) == (8, 5, 0.01)
    assert checkpoint.load(save).config == dict(g["config"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.config.json", "model.s1.data-00000-of-00001",
                                                          "model.s1.index", "model.s1.vocab.json"]


def test_the_readers_take_numpy_sizes():
    ids = np.arange(40)
    assert len(list(ptb_iterator(ids, np.int64(2), np.int32(3)))) == 6
    assert len(list(gen_epochs(np.int64(2), np.int8(3), np.int64(2), data=ids))) == 2
    refused(lambda: list(ptb_iterator(ids, True, 3)))


def test_the_samplers_checks_take_numpy_scalars_and_refuse_bools():
    check_sampling(np.int64(5), np.int32(3), np.float32(0.5), 65, seed=np.int64(7))
    for kwargs, name in ((dict(num_chars=True), "num_chars"), (dict(pick_top_chars=66), "pick_top_chars"),
                         (dict(temperature=np.float32(0)), "temperature"), (dict(seed=np.int64(-1)), "seed")):
        args = {"num_chars": 5, "pick_top_chars": None, "temperature": 1.0, "num_classes": 65, **kwargs}
        assert refused(check_sampling, **args).params == (name,)


# --- the command line names the flag ------------------------------------------------------------------

@pytest.mark.parametrize("argv, line", [
    (["bench", "--repeats", "0"], "error: --repeats must be at least 1, got 0"),
    (["bench", "--max-seconds", "inf"], "error: --max-seconds must be a number of seconds, 0 or more, got inf"),
    (["minchar", "--log-every", "-1"], "error: --log-every must be 0 (never) or a positive number of steps, got -1"),
    (["inspect", "post-GRU", "--threshold", "1.5"], "error: --threshold must be between 0 and 1"),
    (["inspect", "post-GRU", "--chars", "0"], "error: --chars must be a whole number, 1 or more, got 0"),
    (["reproduce", "gru_vs_custom", "--epochs", "0"], "error: --epochs must be a positive integer, got 0"),
    (["train", "--batch-size", "0", "--epochs", "1"], "error: --batch-size must be a positive integer, got 0"),
    (["corpus", "stdlib", "--max-bytes", "0", "--out", "never-written.txt"],
     "error: --max-bytes must be a whole number of bytes, 1 or more, got 0"),
])
def test_the_command_line_says_the_flag(argv, line, capsys):
    code, _, err = run(argv, capsys)
    assert assert_one_line_error(code, err).startswith(line)


# --- a number is spelled one way ----------------------------------------------------------------------

HAND_WRITTEN = re.compile(r"isinstance\([^()]*,\s*\(?[^()]*\b(int|float|np\.integer|np\.floating|numbers\.Integral|"
                          r"numbers\.Real)\b")
# Modules other engineers are moving to the checks; each leaves this list when it calls them.
NOT_YET = set()


def test_no_module_but_the_checks_spells_out_what_a_number_is():
    package = REPO / "r2rt_rnn"
    found = {str(path.relative_to(package)) for path in package.rglob("*.py")
             if HAND_WRITTEN.search(path.read_text(encoding="utf-8"))}
    assert "runtime/checks.py" in found  # the pattern really finds the spelling
    assert found - NOT_YET - {"runtime/checks.py"} == set()
