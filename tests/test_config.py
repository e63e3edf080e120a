"""``g["config"]``: a typed, frozen GraphConfig that reads as a mapping, saves the JSON checkpoints always had, and
leaves the builders' table to decide, in one place, which checkpoints restore into which graphs. Also: the post's
custom-cell builder is build_graph without dropout, op for op; the small faults of the builders."""
import dataclasses
import json

import numpy as np
import pytest

from conftest import REPO, run
from r2rt_rnn.cells import ln
from r2rt_rnn.data import ptb_iterator
from r2rt_rnn.graphs import common
from r2rt_rnn.graphs.config import GraphConfig
from r2rt_rnn.graphs.dynamic import build_multilayer_lstm_graph_with_dynamic_rnn
from r2rt_rnn.graphs.scan import build_multilayer_lstm_graph_with_scan
from r2rt_rnn.graphs.skip import build_skip_connection_graph_with_scan
from r2rt_rnn.graphs.static import build_basic_rnn_graph_with_list, build_multilayer_lstm_graph_with_list
from r2rt_rnn.model import build_graph, build_multilayer_graph_with_custom_cell
from r2rt_rnn.runtime import builders, checkpoint
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.tf1 import tf

OLD = REPO / "tests" / "fixtures" / "old_checkpoints"  # saved by the package before the config was typed
SIZES = dict(state_size=4, num_classes=28, batch_size=2, num_steps=5, num_layers=1)


def saved_config(name):
    return json.loads((OLD / f"{name}.config.json").read_text(encoding="utf-8"))["config"]


# --- typed, frozen, a mapping ---------------------------------------------------------------------------

def test_the_config_is_frozen_and_reads_as_a_mapping():
    config = build_graph(cell_type="GRU", **SIZES)["config"]
    assert isinstance(config, GraphConfig) and config.state_size == 4 == config["state_size"]
    assert config.get("max_grad_norm") is None and config.get("skip", "absent") == "absent" and "skip" not in config
    assert dict(config)["num_classes"] == 28 and {**config}["cell_type"] == "GRU" and len(config) == len(dict(config))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.state_size = 8
    with pytest.raises(TypeError):
        config["state_size"] = 8
    with pytest.raises(KeyError):
        config["hidden_size"]
    assert config == dict(config) and dict(config) == config and hash(config) == hash(dataclasses.replace(config))
    assert dataclasses.replace(config, batch_size=1)["batch_size"] == 1  # checked again, still frozen
    with pytest.raises(R2RTError, match="^batch_size must be a positive integer"):
        dataclasses.replace(config, batch_size=0)


@pytest.mark.parametrize("build", [
    build_graph, build_multilayer_graph_with_custom_cell, build_basic_rnn_graph_with_list,
    build_multilayer_lstm_graph_with_list, build_multilayer_lstm_graph_with_dynamic_rnn,
    build_multilayer_lstm_graph_with_scan, build_skip_connection_graph_with_scan])
def test_every_character_builder_records_a_graph_config_its_table_entry_rebuilds(build):
    sizes = {k: v for k, v in SIZES.items() if k in build.__code__.co_varnames}
    config = build(**sizes)["config"]
    assert isinstance(config, GraphConfig) and config["builder"] in builders.BUILDERS
    assert checkpoint.build_from_checkpoint(checkpoint.Checkpoint("x", dict(config)))["config"] == config


def test_a_setting_the_builder_does_not_take_is_absent_not_none():
    config = build_multilayer_lstm_graph_with_list(**SIZES)["config"]
    assert "keep_prob" not in config and "build_with_dropout" not in config and "max_grad_norm" not in config
    assert config.keep_prob is not None  # unset, which the mapping leaves out
    assert "unset" in repr(config.keep_prob).lower() and "keep_prob" not in repr(config)


@pytest.mark.parametrize("name, build", [
    ("custom", lambda: build_graph(cell_type="Custom", num_weights_for_custom_cell=3, build_with_dropout=True,
                                   keep_prob=0.8, max_grad_norm=5.0, **SIZES)),
    ("skip", lambda: build_skip_connection_graph_with_scan(**SIZES)),
    ("list_basic", lambda: build_basic_rnn_graph_with_list(**{k: v for k, v in SIZES.items() if k != "num_layers"})),
])
def test_each_builder_saves_the_json_it_always_saved(name, build):
    """The same keys, in the same order, with the same values: the checkpoint's JSON is byte for byte the same."""
    config = build()["config"]
    assert json.dumps(dict(config), indent=1) == json.dumps(saved_config(name), indent=1)


def test_numpy_settings_save_the_same_json_as_python_ones():
    plain = build_graph(cell_type="Custom", num_weights_for_custom_cell=3, build_with_dropout=True, keep_prob=0.8,
                        max_grad_norm=5.0, **SIZES)["config"]
    numpy = build_graph(cell_type="Custom", num_weights_for_custom_cell=np.int64(3), build_with_dropout=np.bool_(True),
                        keep_prob=np.float32(0.8), max_grad_norm=np.float32(5), learning_rate=np.float32(1e-4),
                        **{k: np.int32(v) for k, v in SIZES.items()})["config"]
    assert json.dumps(dict(numpy)) == json.dumps(dict(plain)) == json.dumps(saved_config("custom"))


def test_the_shipped_models_config_is_build_graphs():
    shipped = checkpoint.load("post-GRU").config
    built = build_graph(cell_type="GRU", num_classes=65, num_steps=80, keep_prob=1.0, batch_size=32)["config"]
    assert list(built) == list(shipped) and built == shipped


# --- checkpoints written before the change ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["custom", "skip", "list_basic"])
def test_a_checkpoint_saved_before_the_typed_config_loads_and_restores(name):
    expected = json.loads((OLD / "expected_losses.json").read_text())[name]
    ckpt = checkpoint.load(OLD / name)
    ids = ckpt.vocab.encode("the quick brown fox jumps over the lazy dog. " * 4)
    x, y = next(ptb_iterator(ids, 2, 5))
    g = checkpoint.build_from_checkpoint(ckpt)
    assert g["config"] == ckpt.config
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        checkpoint.restore(sess, g, ckpt)
        assert sess.run(g["total_loss"], {g["x"]: x, g["y"]: y}) == pytest.approx(expected, rel=1e-6)


def test_the_shipped_post_gru_still_gives_its_text(capsys):
    code, out, err = run(["generate", "post-GRU", "--num-chars", "80", "--prompt", "ROMEO:", "--top", "5",
                          "--seed", "11"], capsys)
    assert code == 0, err
    assert out == "ROMEO: Shalt by mire them wear this canted,\nWhat stom hust are see that and tham thou \n"


# --- compatibility, decided in one place ------------------------------------------------------------------

def test_the_builders_table_decides_which_checkpoints_restore():
    saved = dict(build_graph(cell_type="LN_LSTM", **SIZES)["config"])
    assert builders.differences(build_graph(cell_type="LN_LSTM_fast", **SIZES)["config"], saved) == []
    other_sizes = build_graph(cell_type="LN_LSTM", **{**SIZES, "batch_size": 1, "num_steps": 1})["config"]
    assert builders.differences(other_sizes, saved) == []  # sizes of a batch never decide the variables
    assert builders.differences(build_graph(cell_type="GRU", **SIZES)["config"], saved) == ["cell_type"]
    custom = dict(build_graph(cell_type="Custom", num_weights_for_custom_cell=3, **SIZES)["config"])
    assert builders.differences({**custom, "num_weights_for_custom_cell": 4}, custom) == \
        ["num_weights_for_custom_cell"]
    assert builders.shape_keys(custom)[-1] == "num_weights_for_custom_cell" and \
        "num_weights_for_custom_cell" not in builders.shape_keys(saved)
    skip = build_skip_connection_graph_with_scan(**SIZES)["config"]
    assert builders.differences({**skip, "skip": False}, skip) == ["skip"]


def test_check_compatible_asks_the_table(monkeypatch):
    saved = dict(build_graph(cell_type="GRU", **SIZES)["config"])
    mine = build_graph(cell_type="GRU", **{**SIZES, "batch_size": 1})["config"]
    checkpoint.check_compatible(mine, saved, "ck")
    entry = builders.BUILDERS["build_graph"]
    monkeypatch.setitem(builders.BUILDERS, "build_graph",
                        dataclasses.replace(entry, shape_keys=entry.shape_keys + ("batch_size",)))
    with pytest.raises(R2RTError, match=r"batch_size=2 in the checkpoint but 1 in this graph"):
        checkpoint.check_compatible(mine, saved, "ck")


# --- the post's custom-cell builder is build_graph without dropout --------------------------------------------

def graph_signature(g):
    nodes = [(n.name, n.op) for n in tf.get_default_graph().as_graph_def().node]
    variables = [(v.name, v.shape.as_list()) for v in tf.trainable_variables()]
    return nodes, variables, dict(g["config"])


@pytest.mark.parametrize("cell_type", [None, "GRU", "LSTM", "Custom"])
def test_the_custom_cell_builder_is_build_graph_without_dropout_op_for_op(cell_type):
    sizes = dict(state_size=6, num_classes=10, batch_size=2, num_steps=3, num_layers=2, cell_type=cell_type)
    theirs = graph_signature(build_graph(**sizes))
    ours = graph_signature(build_multilayer_graph_with_custom_cell(**sizes))
    assert ours == theirs and len(ours[0]) > 100


def test_the_custom_cell_builder_takes_only_the_posts_cell_types():
    with pytest.raises(R2RTError, match="takes cell_type None, 'Custom', 'GRU', 'LSTM', got 'LN_LSTM'") as info:
        build_multilayer_graph_with_custom_cell(cell_type="LN_LSTM", state_size=4, num_classes=10)
    assert info.value.params == ("cell_type",)


# --- the builders' small faults ------------------------------------------------------------------------------

def test_a_graph_with_nothing_to_train_is_one_line():
    for with_variable in (False, True):
        common.reset_graph()
        x, y = common.placeholders(2, 3)
        if with_variable:
            tf.get_variable("unused", [3])
        loss = tf.reduce_mean(tf.cast(x, tf.float32))
        with pytest.raises(R2RTError, match="^the graph has nothing to train") as info:
            common.finish({"learning_rate": 0.1}, x, y, None, None, loss)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("scope", [5, b"ln/", tf.compat.v1.VariableScope(False, name="s")])
def test_ln_refuses_a_scope_it_cannot_use(scope):
    tf.reset_default_graph()
    with pytest.raises(R2RTError, match="^ln\\(\\) takes scope as a str") as info:
        ln(tf.zeros([2, 3]), scope=scope)
    assert info.value.params == ("scope",)


def test_ln_keeps_a_str_scope_and_none():
    tf.reset_default_graph()
    ln(tf.zeros([2, 3]), scope="a/")
    ln(tf.zeros([2, 3]))
    assert sorted(v.name for v in tf.trainable_variables()) == [
        "a/layer_norm/scale:0", "a/layer_norm/shift:0", "layer_norm/scale:0", "layer_norm/shift:0"]
