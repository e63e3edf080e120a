"""One set of numbers: every figure in the README's and REPRODUCTION.md's results tables is the recorded run's.

The recorded runs are ``docs/results/*.json`` (written by ``python -m r2rt_rnn reproduce NAME --out
docs/results``). Each table cell is read as the numbers it shows, and each number must be the
recorded value rounded to the digits written: a table copied from another run, or a value rounded
twice (1.87047 written 1.871), fails here.
"""
import re

import pytest

from conftest import REPO, recorded

NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")


def section(doc, heading):
    """The text of ``doc`` (a file in the repository) from the line starting ``heading`` to the next heading."""
    text = (REPO / doc).read_text(encoding="utf-8")
    start = text.index(f"\n{heading}")
    level = heading.split(" ")[0]
    end = min((i for i in (text.find(f"\n{level} ", start + 1), text.find("\n## ", start + 1)) if i > 0),
              default=len(text))
    return text[start:end]


def tables(text):
    """Every Markdown table in ``text``: a list of rows, each a list of cells (the header row first)."""
    found, rows = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                rows.append(cells)
        elif rows:
            found.append(rows)
            rows = []
    return found


def numbers(cell):
    """The numbers a cell shows, each as (value, decimals written)."""
    return [(float(n.replace(",", "")), len(n.split(".")[1]) if "." in n else 0)
            for n in NUMBER.findall(cell.replace("**", ""))]


def assert_shows(cell, values, what):
    shown = numbers(cell)
    assert len(shown) == len(values), f"{what}: {cell!r} shows {len(shown)} numbers, the record has {len(values)}"
    for (written, digits), value in zip(shown, values):
        # a correct rounding of the recorded value (either way at a half: the post's own figures are stored rounded)
        assert abs(written - value) <= 0.5 * 10 ** -digits + 1e-9, \
            f"{what}: {cell!r} shows {written}, the record says {value}"


def row(table, label):
    def name(cells):  # "**test** (batch 1, 1 step)" is the row "test"
        return cells[0].replace("**", "").replace("`", "").split(" (")[0].strip()

    matches = [r for r in table if name(r) == label]
    assert len(matches) == 1, f"no single row {label!r} in {[r[0] for r in table]}"
    return matches[0]


def final(record, key="losses"):
    return record[key][-1]


# --- README ------------------------------------------------------------------------------------------


def test_readme_results_table_is_the_recorded_runs():
    post_table = tables(section("README.md", "## Results"))[0]
    cells, custom, styles = recorded("cell_comparison"), recorded("gru_vs_custom"), recorded("graph_styles")
    for model in ("GRU", "LSTM", "LN_LSTM"):
        r = cells[model]
        _, post, here = row(post_table, f"20 epochs at 80 steps, {model}")
        assert_shows(post, [r["post"]["final_loss"]], f"README {model} post")
        assert_shows(here, [final(r), final(r, "valid_losses")], f"README {model}")
    r = cells["LN_GRU"]  # the post's suggestion, which it never ran
    assert_shows(row(post_table, "20 epochs at 80 steps, LN_GRU")[2], [final(r), final(r, "valid_losses")],
                 "README LN_GRU")
    _, post, here = row(post_table, "5 epochs at 30 steps, GRU vs Custom")
    assert_shows(post, [final(custom[m]["post"]) for m in ("GRU", "Custom")], "README gru_vs_custom post")
    assert_shows(here, [final(custom[m]) for m in ("GRU", "Custom")], "README gru_vs_custom")
    _, post, here = row(post_table, "3 epochs at 200 steps, list / dynamic_rnn / scan")
    assert_shows(post, [final(styles[m]["post"]) for m in ("list", "dynamic_rnn", "scan")], "README styles post")
    for m in ("list", "dynamic_rnn", "scan"):  # one number for all three
        assert_shows(here, [final(styles[m])], f"README graph_styles {m}")


def test_readme_ptb_table_and_beyond_the_post_are_the_recorded_runs():
    text = section("README.md", "## Results")
    ptb = recorded("ptb_small")
    ptb_table = tables(text)[1]
    assert_shows(row(ptb_table, "validation / test perplexity")[2],
                 [ptb["epochs"][-1]["valid_perplexity"], ptb["test_perplexity"]], "README PTB")
    assert_shows(row(ptb_table, "epoch 1, train / validation perplexity")[2],
                 [ptb["epochs"][0]["train_perplexity"], ptb["epochs"][0]["valid_perplexity"]], "README PTB epoch 1")
    tuned = recorded("beyond_the_post")["tuned"]
    sentence = re.search(r"validation loss\s+\*\*([\d.]+)\*\* in (\d+) epochs, ([\d,]+) s", text)
    assert sentence, "the README's beyond-the-post sentence is gone"
    assert_shows(" ".join(sentence.groups()), [min(tuned["valid_losses"]), len(tuned["losses"]),
                                               tuned["train_seconds"]], "README beyond_the_post")


# --- REPRODUCTION.md ---------------------------------------------------------------------------------

REPRODUCTION = "docs/REPRODUCTION.md"


def test_graph_styles_table():
    table = tables(section(REPRODUCTION, "## 1."))[0]
    styles = recorded("graph_styles")
    for label, model in (("list-unrolled", "list"), ("dynamic_rnn", "dynamic_rnn"), ("tf.scan", "scan")):
        r = styles[model]
        _, build, train, losses, valid, post = row(table, label)
        assert_shows(build, [r["build_seconds"]], f"{model} build")
        assert_shows(train, [r["train_seconds"]], f"{model} train")
        assert_shows(losses, r["losses"], f"{model} losses")
        assert_shows(valid, [final(r, "valid_losses")], f"{model} validation")
        p = r["post"]
        assert_shows(post, [p["build_seconds"], p["train_seconds"], *p["losses"]], f"{model} post")


def test_gru_vs_custom_table():
    table = tables(section(REPRODUCTION, "## 2."))[0]
    for model, r in recorded("gru_vs_custom").items():
        _, losses, valid, train, post_losses, post_train = row(table, model)
        assert_shows(losses, r["losses"], f"{model} losses")
        assert_shows(valid, [final(r, "valid_losses")], f"{model} validation")
        assert_shows(train, [r["train_seconds"]], f"{model} train")
        assert_shows(post_losses, r["post"]["losses"], f"{model} post losses")
        assert_shows(post_train, [r["post"]["train_seconds"]], f"{model} post train")


def test_cell_comparison_tables():
    finals, per_epoch = tables(section(REPRODUCTION, "## 3."))[:2]
    epochs = [int(e) for e in per_epoch[0][1:]]
    for model in ("GRU", "LSTM", "LN_LSTM", "LN_GRU"):  # LN_GRU: the post's suggestion, which it never ran
        r = recorded("cell_comparison")[model]
        _, loss, valid, train, post_loss, post_train = row(finals, model)
        assert_shows(loss, [final(r)], f"{model} final loss")
        assert_shows(valid, [final(r, "valid_losses")], f"{model} validation")
        assert_shows(train, [r["train_seconds"]], f"{model} train")
        post = r["post"]
        assert_shows(post_loss, [post["final_loss"]] if post else [], f"{model} post loss")
        assert_shows(post_train, [post["train_seconds"]] if post else [], f"{model} post train")
        for epoch, cell in zip(epochs, row(per_epoch, model)[1:]):
            assert_shows(cell, [r["losses"][epoch - 1], r["valid_losses"][epoch - 1]], f"{model} epoch {epoch}")


def test_ptb_small_table():
    table = tables(section(REPRODUCTION, "## 5."))[0]
    ptb = recorded("ptb_small")
    for e in ptb["epochs"]:
        _, rate, train, valid, seconds = row(table, str(e["epoch"]))
        assert_shows(rate, [e["learning_rate"]], f"PTB epoch {e['epoch']} rate")
        assert_shows(train, [e["train_perplexity"]], f"PTB epoch {e['epoch']} train")
        assert_shows(valid, [e["valid_perplexity"]], f"PTB epoch {e['epoch']} valid")
        assert_shows(seconds, [e["train_seconds"]], f"PTB epoch {e['epoch']} seconds")
    assert_shows(row(table, "test")[3], [ptb["test_perplexity"]], "PTB test")


def test_beyond_the_post_table():
    tuned = recorded("beyond_the_post")["tuned"]
    table = tables(section(REPRODUCTION, "## 6."))[0]
    for i, (loss, valid, rate, seconds) in enumerate(zip(tuned["losses"], tuned["valid_losses"],
                                                         tuned["learning_rates"], tuned["epoch_seconds"])):
        _, shown_rate, shown_loss, shown_valid, shown_seconds = row(table, str(i + 1))
        assert_shows(shown_rate, [rate], f"beyond epoch {i + 1} rate")
        assert_shows(shown_loss, [loss], f"beyond epoch {i + 1} loss")
        assert_shows(shown_valid, [valid], f"beyond epoch {i + 1} validation")
        assert_shows(shown_seconds, [seconds], f"beyond epoch {i + 1} seconds")


@pytest.mark.parametrize("cell, value, ok", [("**1.770** / 1.870", (1.7695, 1.87047), True),
                                             ("1.770 / 1.871", (1.7695, 1.87047), False),
                                             ("1,592 s", (1592.1,), True), ("3.31 for all three", (3.3121,), True),
                                             ("2.146", (2.1115,), False), ("1.1 / 2.2", (1.1,), False)])
def test_a_number_that_is_not_the_record_fails(cell, value, ok):
    if ok:
        assert_shows(cell, value, "example")
    else:
        with pytest.raises(AssertionError):
            assert_shows(cell, value, "example")


def test_open_threads_tables():
    """Section 7: the learning rates, the dropout gap and the skip connection, each model's row its record's."""
    text = section(REPRODUCTION, "## 7.")
    rates, gap, skip = tables(text)[:3]
    for model, r in recorded("learning_rates").items():
        _, valid, train = row(rates, model)
        assert_shows(valid, r["valid_losses"], f"learning rate {model} validation")
        assert_shows(train, [final(r)], f"learning rate {model} training")
    for model, r in recorded("dropout_gap").items():
        _, train, valid, difference, best = row(gap, model)
        assert_shows(train, [final(r)], f"dropout {model} training")
        assert_shows(valid, [final(r, "valid_losses")], f"dropout {model} validation")
        value = round(final(r, "valid_losses"), 3) - round(final(r), 3)
        assert_shows(difference, [abs(value)], f"dropout {model} gap")  # the numbers read unsigned: check the sign
        assert difference.replace("**", "").lstrip().startswith(("-", "\u2212")) == (value < 0), (model, difference)
        assert_shows(best, [min(r["valid_losses"]), 1 + r["valid_losses"].index(min(r["valid_losses"]))],
                     f"dropout {model} best")
    for model, r in recorded("skip_connection").items():
        _, valid, train, seconds = row(skip, model)
        assert_shows(valid, r["valid_losses"], f"skip {model} validation")
        assert_shows(train, [final(r)], f"skip {model} training")
        assert_shows(seconds, [r["train_seconds"]], f"skip {model} seconds")


def test_ptb_speed_table():
    """Section 5's medium-and-large table: each config's words/s, epoch minutes, projected and bound hours."""
    speed = recorded("ptb_speed")["models"]
    table = tables(section(REPRODUCTION, "### Medium and large"))[0]
    for name, r in speed.items():
        _, _, wps, epoch, full, bound, _ = row(table, name)
        assert_shows(wps, [r["words_per_second"]], f"{name} words/s")
        assert_shows(epoch, [r["seconds_per_epoch"] / 60], f"{name} epoch minutes")
        assert_shows(full, [r["epochs"], r["projected_hours"]], f"{name} projected")
        assert_shows(bound, [r["arithmetic"]["at_peak"]["hours"]], f"{name} bound")


def test_ptb_dropout_tables_and_prose():
    """Section 5's dropout run: per epoch beside the run without dropout, the gap table, and the prose's figures."""
    text = section(REPRODUCTION, "### Dropout")
    per_epoch, summary = tables(text)[:2]
    dropout, small = recorded("ptb_dropout")["keep_prob 0.5"], recorded("ptb_small")
    for d, s in zip(dropout["epochs"], small["epochs"]):
        _, rate, train, valid, valid_small, seconds = row(per_epoch, str(d["epoch"]))
        assert_shows(rate, [d["learning_rate"]], f"dropout epoch {d['epoch']} rate")
        assert_shows(train, [d["train_perplexity"]], f"dropout epoch {d['epoch']} train")
        assert_shows(valid, [d["valid_perplexity"]], f"dropout epoch {d['epoch']} valid")
        assert_shows(valid_small, [s["valid_perplexity"]], f"keep 1.0 epoch {d['epoch']} valid")
        assert_shows(seconds, [d["train_seconds"]], f"dropout epoch {d['epoch']} seconds")
    test_row = row(per_epoch, "test")
    assert_shows(test_row[3], [dropout["test_perplexity"]], "dropout test")
    assert_shows(test_row[4], [small["test_perplexity"]], "keep 1.0 test")
    gaps = {}
    for label, r in (("keep_prob 1.0", small), ("keep_prob 0.5", dropout)):
        last = r["epochs"][-1]
        gaps[label] = last["valid_perplexity"] - last["train_perplexity"]
        _, train, valid, gap, test = row(summary, label)
        assert_shows(train, [last["train_perplexity"]], f"{label} final train")
        assert_shows(valid, [last["valid_perplexity"]], f"{label} final valid")
        assert_shows(gap, [abs(gaps[label])], f"{label} gap")
        assert gap.lstrip().startswith("-") == (gaps[label] < 0), (label, gap)
        assert_shows(test, [r["test_perplexity"]], f"{label} test")
    prose = " ".join(line for line in text.splitlines() if not line.startswith(("|", "python")))
    last_two = [e["valid_perplexity"] for e in dropout["epochs"][-2:]]
    final_valid = [r["epochs"][-1]["valid_perplexity"] for r in (dropout, small)]
    for claim in (f"{gaps['keep_prob 1.0']:.1f} without it, {gaps['keep_prob 0.5']:.1f} with it",
                  "{:.2f} against {:.2f}".format(*final_valid),
                  f"test {dropout['test_perplexity']:.2f} against {small['test_perplexity']:.2f}",
                  f"valid {dropout['epochs'][3]['valid_perplexity']:.2f} after epoch 4",
                  f"was at {small['epochs'][3]['valid_perplexity']:.2f}",
                  f"by {last_two[0] - last_two[1]:.2f} in the last epoch",
                  f"rate is {dropout['epochs'][-1]['learning_rate']:.3f}".rstrip("0")):
        assert claim in prose, f"REPRODUCTION's dropout prose no longer says {claim!r}"
    quiet = [e["train_seconds"] for e in dropout["epochs"] if e["cpu"]["other_cpu_seconds"] <= 20]
    assert f"{min(quiet):.0f}-{max(quiet):.0f} s" in prose


def test_slides_section():
    """Section 8: the slides' sizes, each task's step cost and the full-size text model's held-out losses."""
    import numpy as np

    from r2rt_rnn.architectures.common import text_to_bytes
    from r2rt_rnn.data import load_text, valid_cut

    text = section(REPRODUCTION, "## 8.")
    costs, curve, lower_rate = tables(text)[:3]
    rates = recorded("slides_rates")["runs"]
    assert list(rates) == ["0.0005"]
    for step, loss in rates["0.0005"]["valid_losses"]:
        _, shown_valid, shown_train = row(lower_rate, str(step))
        assert_shows(shown_valid, [loss], f"slides_rates held-out at {step}")
        assert_shows(shown_train, [np.mean(rates["0.0005"]["losses"][step - 25:step])], f"slides_rates at {step}")
    record = recorded("slides_text")
    run = record["many_to_many"]
    for task, seconds in record["step_seconds"].items():
        assert_shows(row(costs, task.replace("_", "-"))[1], [seconds], f"{task} step seconds")
    for step, loss in run["valid_losses"]:
        _, shown_valid, shown_train = row(curve, str(step))
        assert_shows(shown_valid, [loss], f"slides held-out at {step}")
        assert_shows(shown_train, [np.mean(run["losses"][max(0, step - 25):step])], f"slides training at {step}")
    corpus = load_text(None)
    cut = valid_cut(len(corpus), 0.1)
    frequencies = np.bincount(text_to_bytes(corpus[:cut]), minlength=128) / cut
    frequencies = frequencies[frequencies > 0]
    prose = " ".join(line for line in text.splitlines() if not line.startswith(("|", "python")))
    for claim in (f"{len(run['losses'])} steps ({run['chars_per_step'] * len(run['losses']):,} characters",
                  f"took {run['seconds'] / 60:.0f} minutes",
                  f"occurs, {-(frequencies * np.log(frequencies)).sum():.3f} nats",
                  f"last 25 steps is {np.mean(run['losses'][-25:]):.3f}",
                  f"held-out loss {run['valid_losses'][-1][1]:.3f}",
                  f"at {record['step_seconds']['many_to_many']:.1f} s a step"):
        assert claim in prose, f"REPRODUCTION's slides prose no longer says {claim!r}"


def test_reproduction_names_the_machine_of_every_record():
    """REPRODUCTION's header table lists each record under the CPU its ``machine`` field names."""
    import json

    table = tables((REPO / REPRODUCTION).read_text(encoding="utf-8").split("\n## ")[0])[0]
    listed = {name.strip(): cpu.split(",")[0] for cpu, names in table[1:] for name in names.split(",")}
    for path in sorted((REPO / "docs" / "results").glob("*.json")):
        text = json.dumps(json.loads(path.read_text(encoding="utf-8")))
        cpus = {vendor for vendor in ("AMD EPYC", "Intel") if f'"cpu_model": "{vendor}' in text}
        assert len(cpus) == 1 and path.stem in listed, f"{path.name}: machines {cpus}, listed {listed.get(path.stem)}"
        assert listed[path.stem].startswith(cpus.pop()), f"{path.name} is listed under {listed[path.stem]}"


def test_beyond_the_post_samples_are_the_ones_reproduction_shows():
    """Notebook 02 shows the samples from docs/results/beyond_the_post_samples.txt; REPRODUCTION shows the same."""
    samples = (REPO / "docs" / "results" / "beyond_the_post_samples.txt").read_text(encoding="utf-8")
    assert samples.startswith("--- the post's GRU") and "--- the preset" in samples
    assert f"```\n{samples}```" in (REPO / REPRODUCTION).read_text(encoding="utf-8")
