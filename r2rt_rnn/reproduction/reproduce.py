"""Rerunning a published experiment and recording what it measured.

The experiments: the post's three character-model experiments (:data:`POST_NAMES`;
see :mod:`r2rt_rnn.reproduction.experiments`), ours beyond the post (``beyond_the_post``), the
PTB tutorial's small model (:func:`ptb_small`, 13 epochs on the real data) and the
speed of its three models (:func:`ptb_speed`: a few hundred timed batches each,
projected to a full run). :func:`record` writes ``NAME.json`` holding the command
that ran, the machine and every per-epoch figure beside the published ones; a
character experiment's file has one record per model, merged with the models
already in the file.

The ``reproduce`` command is :mod:`r2rt_rnn.cli.reproduce`; results go to
:data:`DEFAULT_OUT`, a git-ignored run folder, unless it is told otherwise.
"""
import dataclasses
import datetime
import json
import time
from pathlib import Path

from ..architectures import slides_size
from ..data import epoch_size
from ..ptb import cost, word_lm
from ..ptb.configs import PUBLISHED as PTB_PUBLISHED, SmallConfig, get_config
from ..ptb.model import build_models
from ..ptb.reader import UNK, ptb_raw_data, split_path
from ..ptb.sample import sample_words
from ..runtime import checkpoint, checks, interrupts
from ..runtime.errors import R2RTError
from ..runtime.files import check_writable_folder, write_file
from ..runtime.machine import describe
from ..runtime.peak import matmul_rate, peak
from ..tf1 import tf
from . import experiments

DEFAULT_OUT = Path("runs") / "reproduce"
POST_NAMES = experiments.POST_EXPERIMENTS  # what 'all' runs
CHAR_NAMES = tuple(experiments.EXPERIMENTS)
PTB_NAMES = ("ptb_small", "ptb_dropout", "ptb_dropout_decay", "ptb_medium", "ptb_speed")
SLIDES_NAMES = ("slides_text", "slides_rates")
SLIDES_RATES = (5e-4,)  # slides_rates: a quarter of the slides' 2e-3 (slides_text)
ABOUT = ("command", "finished", "machine")  # what record() writes beside the results


def record(name, results, out, command, merge=False):
    """Write ``out/NAME.json``: the ``command`` that made it, the machine, the results; returns the path.

    With ``merge``, results already in the file under other keys are kept (a character
    experiment run for some of its models updates just those). The file is replaced
    whole or not at all; errors name the folder ``out`` (``params``).
    """
    path = check_writable_folder(out, "out") / f"{name}.json"
    previous = {}
    if merge and path.exists():
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise R2RTError(f"{path} is not readable JSON; move it away or choose another out folder",
                            params=("out",)) from None
    payload = {**previous, "command": command,
               "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
               "machine": describe(), **results}
    return write_file(path, json.dumps(payload, indent=1) + "\n", "out")


def recorded(name, folder):
    """The recorded run ``folder/NAME.json``: ``(models, about)``.

    ``models`` is ``{model: record}`` as :func:`r2rt_rnn.reproduction.experiments.run` returned it;
    ``about`` holds the ``command`` that ran, when it ``finished`` and the ``machine``
    (what :func:`record` adds). Notebook 02 draws these, so the notebook, the README and
    REPRODUCTION.md show one run.
    """
    path = Path(folder) / f"{name}.json"
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise R2RTError(f"cannot read the recorded run {path} ({e}); run `python -m r2rt_rnn reproduce {name} "
                        f"--out {folder}` to record it") from None
    about = {key: payload.pop(key, None) for key in ABOUT}
    return payload, about


def ptb_run(data_path, config, save=None, max_epochs=None, seed=0, verbose=False, overwrite=False, data=None,
            min_valid_gain=None):
    """Train the PTB model of ``config`` on real PTB; returns the results dict (per epoch and test).

    ``save`` (a checkpoint path) is checked before the data is read, so a refusal
    comes at once; a checkpoint already there is refused unless ``overwrite``.
    Each epoch records what the cores did meanwhile (``cpu``: our CPU seconds, other
    programs', the VM host's steal), which tells a slow epoch's cause. Errors name
    ``data_path`` and ``save`` (``params``); a split too short for one batch is a
    :class:`~r2rt_rnn.ptb.word_lm.SplitTooShort`.
    """
    if save is not None:
        save = checkpoint.prepare_save_path(save, overwrite)
    data = data if data is not None else ptb_raw_data(data_path, offer_download=False)
    result = word_lm.train(config, raw_data=data, save_path=save, max_epochs=max_epochs, seed=seed,
                           verbose=verbose, overwrite=overwrite, min_valid_gain=min_valid_gain)
    epochs = [{"epoch": i + 1, "learning_rate": lr, "train_perplexity": tr, "valid_perplexity": va,
               "train_seconds": s, "cpu": cpu}
              for i, (lr, tr, va, s, cpu) in enumerate(zip(result.learning_rates, result.train_perplexity,
                                                           result.valid_perplexity, result.epoch_seconds,
                                                           result.epoch_cpu))]
    return {"config": dataclasses.asdict(result.config), "seed": seed, "epochs": epochs,
            "test_perplexity": result.test_perplexity, "test_eval": "batch 1, 1 step, as in the tutorial",
            "train_seconds": sum(result.epoch_seconds), "checkpoint": result.checkpoint,
            "published": PTB_PUBLISHED, **(_samples(result.checkpoint, data) if result.checkpoint else {})}


SAMPLE_SEEDS = (0, 1, 2)


def _samples(path, data, num_words=40):
    """A few samples of the checkpoint at ``path`` and how often ``<unk>`` is in them and in the training split."""
    unk = data.word_to_id[UNK]
    texts = [sample_words(path, num_words, prompt="the", seed=seed) for seed in SAMPLE_SEEDS]
    sampled = [w for t in texts for w in t.split()[1:]]  # the words after the prompt, line breaks dropped
    return {"samples": {"prompt": "the", "temperature": 1.0, "seeds": list(SAMPLE_SEEDS), "texts": texts},
            "unk_fraction": {"samples": sum(w == UNK for w in sampled) / max(len(sampled), 1),
                             "train": float((data.train == unk).mean())}}


def ptb_small(data_path, save=None, max_epochs=None, seed=0, verbose=False, overwrite=False):
    """The tutorial's small model, 13 epochs on real PTB (:func:`ptb_run` with ``SmallConfig``)."""
    return ptb_run(data_path, SmallConfig(), save, max_epochs, seed, verbose, overwrite)


DROPOUT_KEEP_PROBS = (0.5,)  # the medium model's dropout; keep_prob 1.0 is the ptb_small record (same seed and code)


def ptb_dropout(data_path, save_dir=None, max_epochs=None, seed=0, verbose=False, overwrite=False,
                keep_probs=DROPOUT_KEEP_PROBS, log=print):
    """The small model trained once per keep probability, same seed and epochs: ``{"keep_prob X": results}``.

    Dropout is the tutorial's main idea (the medium and large models use it); this shows
    the gap between training and validation perplexity it closes at the small size.
    Every save path is checked before the first model trains.
    """
    saves = {k: (None if save_dir is None else
                 checkpoint.prepare_save_path(Path(save_dir) / f"ptb_small_keep{k:g}", overwrite)) for k in keep_probs}
    data = ptb_raw_data(data_path, offer_download=False)
    log = log or (lambda *_: None)
    results = {}
    for keep in keep_probs:
        log(f"--- ptb_dropout: small model, keep_prob {keep:g}")
        results[f"keep_prob {keep}"] = ptb_run(data_path, dataclasses.replace(SmallConfig(), keep_prob=keep),
                                                 saves[keep], max_epochs, seed, verbose, overwrite, data=data)
    return results


# The small model with dropout under the medium config's gentler schedule (x0.8 after epoch 6, not x0.5 after 4),
# for as long as validation still gains more than 0.5 an epoch: does dropout beat no dropout once the schedule
# stops cutting the rate before it converges?
DECAY_RUN = {"keep_prob": 0.5, "max_epoch": 6, "lr_decay": 0.8, "max_max_epoch": 40}
DECAY_MIN_GAIN = 0.5


def ptb_dropout_decay(data_path, save=None, max_epochs=None, seed=0, verbose=False, overwrite=False):
    """The small model, keep_prob 0.5, the medium schedule (:data:`DECAY_RUN`), until validation gains < 0.5."""
    return {**ptb_run(data_path, dataclasses.replace(SmallConfig(), **DECAY_RUN), save, max_epochs, seed, verbose,
                      overwrite, min_valid_gain=DECAY_MIN_GAIN), "min_valid_gain": DECAY_MIN_GAIN}


def ptb_medium(data_path, save=None, max_epochs=1, seed=0, verbose=False, overwrite=False):
    """The tutorial's medium model for ``max_epochs`` epochs (default 1 of its 39): perplexity and time per epoch."""
    return ptb_run(data_path, get_config("medium"), save, max_epochs, seed, verbose, overwrite)


class TooManyBatches(R2RTError):
    """:func:`ptb_speed` was asked to time more batches than a model's epoch holds after the warm-up.

    ``asked``: the batches asked for; ``reason``: the model's count and the most it can time.
    """

    def __init__(self, asked, reason):
        super().__init__(f"batches={asked}: {reason}", params=("batches",))
        self.asked, self.reason = asked, reason


def _check_speed_data(data, data_path, configs, batches, warmup):
    """Every model's batch count checked before the first is timed."""
    for name, config in configs.items():
        available = epoch_size(len(data.train), config.batch_size, config.num_steps)
        if available <= warmup:
            raise R2RTError(f"the {name} model gets only {available} training batches per epoch from "
                            f"{split_path(data_path, 'train')}, and warming up takes {warmup} before any is timed; "
                            "give data_path the real PTB files", params=("data_path",))
        if warmup + batches > available:
            raise TooManyBatches(batches, f"the {name} model has {available} training batches per epoch, {warmup} "
                                          f"of them for warming up; ask for at most {available - warmup}")


def ptb_speed(data_path, models=("small", "medium", "large"), batches=200, warmup=10, seed=0, log=print):
    """Time ``batches`` training batches of each PTB config on the real data; project each full run.

    Returns ``{"matmul_peak": bench.peak.peak(), "models": {model: {words_per_second,
    seconds_per_epoch, projected_hours, arithmetic, ...}}}``; the projection is training
    only (validation adds a few percent) at the measured rate; ``arithmetic`` is the
    model's FLOPs per word and the fastest it could train here (:mod:`r2rt_rnn.ptb.cost`).
    Every model's batch count is checked before the first is timed (too few:
    :class:`TooManyBatches`); ``log`` gets a line per model as it is timed (None: nothing).
    """
    checks.positive(batches=batches)
    log = log or (lambda *_: None)
    data = ptb_raw_data(data_path, offer_download=False)
    configs = {name: dataclasses.replace(get_config(name), vocab_size=data.vocab_size) for name in models}
    _check_speed_data(data, data_path, configs, batches, warmup)
    machine_peak = peak()
    log(f"matrix-multiply peak here: {machine_peak['gflops']:.0f} GFLOP/s (float32, square products)")
    results = {}
    for name, config in configs.items():
        m = build_models(config, seed=seed)
        train_model, words = m["train"], config.batch_size * config.num_steps
        with tf.Session(graph=m["graph"]) as session:
            session.run(m["init"])
            train_model.assign_lr(session, config.learning_rate)
            safe_point = lambda *_: interrupts.check()  # noqa: E731 - Ctrl-C between two timed batches
            if warmup:
                word_lm.run_epoch(session, train_model, data.train, eval_op=train_model.train_op, max_batches=warmup,
                                  on_batch=safe_point)
            start = time.perf_counter()
            word_lm.run_epoch(session, train_model, data.train, eval_op=train_model.train_op, max_batches=batches,
                              on_batch=safe_point)
            seconds = time.perf_counter() - start
        run = cost.projection(config, batches * words / seconds, len(data.train))
        wps, epoch_s = run["words_per_second"], run["seconds_per_epoch"]
        results[name] = {"batches_timed": batches, "words_per_second": wps, "seconds_per_epoch": epoch_s,
                         "epochs": config.max_max_epoch, "projected_hours": run["hours"],
                         "config": dataclasses.asdict(config),
                         "arithmetic": _arithmetic(config, len(data.train), machine_peak, words)}
        log(f"{name}: {wps:,.0f} words/s over {batches} batches; an epoch {epoch_s / 60:.1f} min; "
            f"{config.max_max_epoch} epochs {results[name]['projected_hours']:.1f} h")
    return {"matmul_peak": machine_peak, "models": results}


def _arithmetic(config, train_words, machine_peak, words_per_batch):
    """FLOPs per word and the fastest ``config`` could train here: at the square-product peak, and with each of
    its products timed at its own shape (a batch of 20 rows runs far below the peak)."""
    shapes = cost.product_shapes(config)
    rates = {part: matmul_rate(*shape) for part, (shape, _) in shapes.items()}
    batch_s = cost.seconds_per_batch(config, {part: r["seconds"] for part, r in rates.items()})
    return {"train_flops_per_word": cost.train_flops_per_word(config),
            "forward_flops_per_word": cost.forward_flops_per_word(config),
            "at_peak": cost.lower_bound(config, machine_peak["gflops"], train_words),
            "product_rates": {part: {**rates[part], "count_per_batch": shapes[part][1]} for part in shapes},
            "at_own_shapes": cost.projection(config, words_per_batch / batch_s, train_words)}


def slides_text(steps=200, eval_every=25, log=print):
    """The slides' many-to-many text model trained at the slides' size, and each task's step cost there.

    Returns ``{"many_to_many": train_text(...), "step_seconds": {task: median seconds per step}}``
    (:mod:`r2rt_rnn.architectures.slides_size`); the step costs are measured first, on a fresh graph each.
    """
    log = log or (lambda *_: None)
    costs = {}
    for task in slides_size.TASKS:
        costs[task] = slides_size.step_seconds(task, after_step=interrupts.check)
        log(f"{task} at the slides' size: {costs[task]:.2f} s per step of {slides_size.BATCH_SIZE}")
    run = slides_size.train_text(steps=steps, eval_every=eval_every, progress=False,
                                 log_every=max(1, eval_every // 2))
    log(f"many_to_many at the slides' size: {steps} steps in {run['seconds']:.0f} s, {_held_out(run)}")
    return {"many_to_many": run, "step_seconds": costs, "batch_size": slides_size.BATCH_SIZE}


def slides_rates(steps=300, eval_every=50, learning_rates=SLIDES_RATES, log=print):
    """The slides' text model at the slides' size, as :func:`slides_text` trains it but at lower learning rates.

    ``slides_text`` at the slides' 2e-3 stays on the character-frequency plateau for its 400 steps; this asks
    whether the rate holds it there. Returns ``{"runs": {str(rate): train_text(...)}}``, same seed and data.
    """
    log = log or (lambda *_: None)
    runs = {}
    for rate in learning_rates:
        run = slides_size.train_text(steps=steps, eval_every=eval_every, learning_rate=rate, progress=False,
                                     log_every=max(1, eval_every // 2))
        log(f"learning rate {rate:g}: {steps} steps in {run['seconds']:.0f} s, {_held_out(run)}")
        runs[f"{rate:g}"] = run
    return {"runs": runs}


def _held_out(run):
    """A slides run's held-out losses as the command prints them: "held-out loss 3.467 at 25, ..."."""
    return "held-out loss " + ", ".join(f"{loss:.3f} at {step}" for step, loss in run["valid_losses"])
