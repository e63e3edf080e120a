"""TensorBoard logging (r2rt_rnn.runtime.summaries): event files read back, run folders, resuming, bad logdirs,
wiring."""
import dataclasses
import math
from pathlib import Path

import pytest

from r2rt_rnn import cli
from r2rt_rnn.runtime import summaries
from r2rt_rnn.runtime.errors import R2RTError
from r2rt_rnn.runtime.summaries import NullSummaryLog, SummaryLog
from r2rt_rnn.tf1 import tf

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ptb_tiny"


def read_run(run_dir):
    """``(scalars, texts, graph_defs)`` of the one event file in ``run_dir``.

    ``scalars`` and ``texts``: tag -> list of ``(step, value)`` in file order;
    ``graph_defs``: the ``tf.GraphDef`` protos written.
    """
    files = list(Path(run_dir).glob("events.out.tfevents.*"))
    assert len(files) == 1, files
    scalars, texts, graph_defs = {}, {}, []
    for event in tf.train.summary_iterator(str(files[0])):
        if event.HasField("graph_def"):
            graph_defs.append(tf.GraphDef.FromString(event.graph_def))
        for value in event.summary.value:
            if value.HasField("simple_value"):
                scalars.setdefault(value.tag, []).append((event.step, value.simple_value))
            else:
                texts.setdefault(value.tag, []).append((event.step, value.tensor.string_val[0].decode()))
    return scalars, texts, graph_defs


def only_run(logdir):
    runs = [p for p in Path(logdir).iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return runs[0]


def steps(points):
    return [step for step, _ in points]


def small_graph():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        tf.reduce_sum(tf.layers.dense(x, 2), name="loss")
    return graph


def test_scalars_text_and_graph_are_written_without_adding_ops(tmp_path):
    graph = small_graph()
    nodes = len(graph.as_graph_def().node)
    with SummaryLog(tmp_path, graph=graph) as log:
        assert Path(log.path).parent == tmp_path and log.enabled
        for step in range(0, 50, 10):
            log.scalar(summaries.TRAIN_LOSS, 4.0 - step / 10, step)
        log.scalars({summaries.VALID_LOSS: 3.5, summaries.EPOCH_SECONDS: 1.25}, 50)
        assert log.scalar_on_change(summaries.TRAIN_LEARNING_RATE, 0.1, 0)
        assert not log.scalar_on_change(summaries.TRAIN_LEARNING_RATE, 0.1, 25)  # unchanged: not written
        assert log.scalar_on_change(summaries.TRAIN_LEARNING_RATE, 0.05, 50)
        log.text(summaries.TRAIN_SAMPLE, "To be,\nor not", 50)
    assert len(graph.as_graph_def().node) == nodes  # logging added no op to the model's graph
    scalars, texts, graph_defs = read_run(log.path)
    assert scalars[summaries.TRAIN_LOSS] == [(s, pytest.approx(4.0 - s / 10)) for s in range(0, 50, 10)]
    assert scalars[summaries.VALID_LOSS] == [(50, 3.5)] and scalars[summaries.EPOCH_SECONDS] == [(50, 1.25)]
    assert scalars[summaries.TRAIN_LEARNING_RATE] == [(0, pytest.approx(0.1)), (50, pytest.approx(0.05))]
    assert texts[summaries.TRAIN_SAMPLE] == [(50, "    To be,\n    or not")]
    assert len(graph_defs) == 1 and len(graph_defs[0].node) == nodes
    assert {"x", "loss"} <= {n.name for n in graph_defs[0].node}


def test_every_run_gets_a_new_folder(tmp_path):
    logs = [SummaryLog(tmp_path) for _ in range(3)]  # same second, same pid: still three folders
    named = [SummaryLog(tmp_path, run_name="gru") for _ in range(2)]
    for log in logs + named:
        log.close()
    paths = [log.path for log in logs + named]
    assert len(set(paths)) == 5 and all(Path(p).is_dir() for p in paths)
    assert [Path(log.path).name for log in named] == ["gru", "gru-2"]
    with pytest.raises(R2RTError, match="run name"):
        SummaryLog(tmp_path, run_name="a/b")


def test_tensorflow_file_systems_work_too():
    """``gs://`` and the like go through tf.io.gfile; TensorFlow's in-memory ``ram://`` stands in for them."""
    first, second = SummaryLog("ram://r2rt-tb", run_name="run"), SummaryLog("ram://r2rt-tb", run_name="run")
    first.scalar(summaries.TRAIN_LOSS, 1.0, 1)
    first.close()
    second.close()
    assert (first.path, second.path) == ("ram://r2rt-tb/run", "ram://r2rt-tb/run-2")
    assert tf.io.gfile.glob(first.path + "/events.out.tfevents.*")


def test_a_resumed_run_continues_the_step_numbers(tmp_path):
    with SummaryLog(tmp_path, run_name="first") as first:
        for step in (10, 20, 30):
            first.scalar(summaries.TRAIN_LOSS, 1.0, step)
    with SummaryLog(tmp_path, run_name="resumed", first_step=30) as resumed:
        with pytest.raises(ValueError, match="first step 30"):
            resumed.scalar(summaries.TRAIN_LOSS, 1.0, 29)
        for step in (40, 50):
            resumed.scalar(summaries.TRAIN_LOSS, 1.0, step)
    assert steps(read_run(first.path)[0][summaries.TRAIN_LOSS]) == [10, 20, 30]
    assert steps(read_run(resumed.path)[0][summaries.TRAIN_LOSS]) == [40, 50]
    with pytest.raises(R2RTError, match="first_step"):
        SummaryLog(tmp_path, first_step=-1)


def test_no_logdir_gives_a_log_that_does_nothing(tmp_path):
    with SummaryLog.maybe(None, graph=small_graph(), first_step=7) as log:
        assert isinstance(log, NullSummaryLog) and not log.enabled and log.path is None
        log.scalar(summaries.TRAIN_LOSS, 1.0, 0)
        log.scalars({summaries.VALID_LOSS: 1.0}, 0)
        assert not log.scalar_on_change(summaries.TRAIN_LEARNING_RATE, 1.0, 0)
        log.text(summaries.TRAIN_SAMPLE, "x", 0)
        log.flush()
    assert isinstance(SummaryLog.maybe(tmp_path), SummaryLog)


def test_an_unwritable_logdir_is_one_clear_error(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("not a folder")
    for bad in (afile, afile / "logs"):
        with pytest.raises(R2RTError, match="--logdir") as info:
            SummaryLog(bad)
        message = str(info.value)
        assert str(bad) in message and "\n" not in message
    with pytest.raises(R2RTError, match="--logdir"):
        SummaryLog(None)


def test_min_char_rnn_logs_loss_samples_and_graph(tmp_path):
    from r2rt_rnn.data import load_text
    from r2rt_rnn.min_char_rnn import Config, train

    config = Config(hidden_size=8, seq_length=5, batch_size=2, steps=25, sample_length=10)
    result = train(load_text(None)[:3000], config, progress=False, log_every=0, samples_every=20, logdir=tmp_path)
    run = only_run(tmp_path)
    assert result["logdir"] == str(run)
    scalars, texts, graph_defs = read_run(run)
    loss = scalars[summaries.TRAIN_LOSS]
    assert steps(loss) == [10, 20, 25]  # every 10 steps, and the last
    assert loss[0][1] == pytest.approx(sum(result["losses"][:10]) / 10, rel=1e-5)
    assert scalars[summaries.TRAIN_LEARNING_RATE] == [(0, pytest.approx(config.learning_rate))]
    assert steps(texts[summaries.TRAIN_SAMPLE]) == [20, 25]
    assert len(graph_defs) == 1 and any(n.name == "W_hh" for n in graph_defs[0].node)


def test_ptb_training_logs_perplexities_learning_rate_and_graph(tmp_path):
    from r2rt_rnn.data import epoch_size
    from r2rt_rnn.ptb.configs import TestConfig
    from r2rt_rnn.ptb.reader import ptb_raw_data
    from r2rt_rnn.ptb.word_lm import train

    data = ptb_raw_data(FIXTURE)
    config = dataclasses.replace(TestConfig(), hidden_size=8, num_steps=5, max_epoch=1, lr_decay=0.5)
    result = train(config, raw_data=data, max_epochs=2, log=None, logdir=tmp_path)
    n = epoch_size(len(data.train), config.batch_size, config.num_steps)
    scalars, _, graph_defs = read_run(only_run(tmp_path))
    train_ppl = scalars[summaries.TRAIN_PERPLEXITY]
    expected = [s for s in range(10, n, 10)] + [n] + [n + s for s in range(10, n, 10)] + [2 * n]
    assert steps(train_ppl) == expected  # global batch numbers, every 10 batches and at each epoch's end
    assert all(math.isfinite(v) and v > 1 for _, v in train_ppl)
    assert scalars[summaries.TRAIN_LEARNING_RATE] == [(0, 1.0), (n, 0.5)]
    assert scalars[summaries.VALID_PERPLEXITY] == [(n, pytest.approx(result.valid_perplexity[0])),
                                                   (2 * n, pytest.approx(result.valid_perplexity[1]))]
    assert steps(scalars[summaries.EPOCH_SECONDS]) == [n, 2 * n]
    assert scalars[summaries.TEST_PERPLEXITY] == [(2 * n, pytest.approx(result.test_perplexity))]
    assert len(graph_defs) == 1 and len(graph_defs[0].node) > 100


def test_command_lines_take_logdir_and_refuse_a_bad_one(tmp_path, capsys):
    afile = tmp_path / "file"
    afile.write_text("x")
    assert cli.main(["ptb", "--data-path", str(FIXTURE), "--model", "test", "--max-epochs", "1",
                     "--logdir", str(afile / "logs")]) == 2
    assert "choose another --logdir" in capsys.readouterr().err
    text = tmp_path / "text.txt"
    text.write_text("hello world, hello tensorboard. " * 20)
    assert cli.main(["minchar", "--text", str(text), "--steps", "10", "--hidden-size", "8", "--batch-size", "2",
                     "--seq-length", "5", "--sample-length", "5", "--progress", "off", "--logdir",
                     str(tmp_path / "tb")]) == 0
    assert "TensorBoard logs:" in capsys.readouterr().out
    assert steps(read_run(only_run(tmp_path / "tb"))[0][summaries.TRAIN_LOSS]) == [10]


def test_train_network_logs_loss_validation_and_graph_and_a_resumed_run_continues(tmp_path, small_data):
    from r2rt_rnn.model import build_graph
    from r2rt_rnn.train import train_network

    def graph():
        return build_graph(cell_type="GRU", state_size=16, num_layers=1, num_steps=10, batch_size=8, num_classes=65)

    data, valid = small_data[:4000], small_data[4000:6000]
    n_batches = (4000 // 8 - 1) // 10  # 49 per epoch
    first, second = tmp_path / "first", tmp_path / "second"
    train_network(graph(), 2, data=data, valid_data=valid, save=str(tmp_path / "ckpt"), logdir=first, verbose=False)
    scalars, _, graph_defs = read_run(only_run(first))
    assert graph_defs and len(graph_defs[0].node) > 100  # the model's graph, for TensorBoard's Graphs tab
    # the mean of the steps since the last point: every 10 steps of an epoch and at its end (as PTB's)
    assert steps(scalars["train/loss"]) == [s for e in (0, 1) for s in
                                            [*range(e * n_batches + 10, (e + 1) * n_batches, 10), (e + 1) * n_batches]]
    assert steps(scalars["valid/loss"]) == steps(scalars["epoch/seconds"]) == [n_batches, 2 * n_batches]
    assert steps(scalars["train/learning_rate"]) == [0]  # written once, at the first step it was used: no change

    train_network(graph(), 3, data=data, valid_data=valid, resume=str(tmp_path / "ckpt"), logdir=second,
                  verbose=False)
    resumed, _, _ = read_run(only_run(second))
    assert steps(resumed["valid/loss"]) == [3 * n_batches]  # continues the first run's step numbers
    assert min(steps(resumed["train/loss"])) > 2 * n_batches
