"""Tracing: run a checkpoint over a passage and keep everything it computed at every position.

:func:`trace` returns a :class:`Trace`: for every token, the model's top guesses for
the next one and the probability of the token that really follows, and every layer's
state (``c`` and ``h`` for LSTMs) and gates. It builds a tracing graph (the model's
own cells through :mod:`.tracing_cells`, with the checkpoint's variable names),
restores the checkpoint's weights into it, and runs the passage through it in chunks:
one ``session.run`` per chunk, each chunk starting from the state the last one ended
in, so a long passage needs only one chunk's worth of graph memory at a time.

Checkpoints it reads: every ``build_graph`` cell type (basic RNN, GRU, LSTM, LN_LSTM,
LN_LSTM_fast, LN_GRU, Custom, post_GRU), the post's LSTM graphs (list, dynamic_rnn,
scan), its list-unrolled basic RNN, and the PTB word model (tokens are words there).
"""
from dataclasses import dataclass, field

import numpy as np

from ...cell_types import lookup
from ...runtime import checkpoint, checks, interrupts
from ...runtime.errors import R2RTError
from ...runtime.sampling import sampling_session_config
from ...tf1 import tf
from .passage import encode_passage
from .tracing_cells import STACK_SCOPE, TracingStack, gated_cell, record_sizes
from .units import UnitLayout

TOP_K = 5  # guesses kept per position, as in Karpathy's figures
CHUNK = 1000  # positions per session.run


@dataclass
class ModelSpec:
    """What the tracing graph needs to know about a checkpoint's model.

    ``renames``: (prefix in the tracing graph, prefix in the checkpoint) pairs, the first
    that matches a variable's name applies; ``one_hot``: the inputs are one-hot vectors
    rather than a learned embedding (the post's first, list-unrolled basic RNN).
    """

    cell_type: object
    state_size: int
    num_layers: int
    num_classes: int
    num_weights: int = 5
    one_hot: bool = False
    renames: tuple = ()
    level: str = "char"

    @property
    def parts(self):
        return ("c", "h") if lookup(self.cell_type).lstm_state else ("h",)

    @property
    def gate_names(self):
        return lookup(self.cell_type).gates

    def layout(self):
        return UnitLayout(self.num_layers, self.state_size, self.parts)

    def checkpoint_name(self, name):
        """A variable's name in the checkpoint, from its name in the tracing graph."""
        name = name.replace(*STACK_SCOPE, 1)
        for mine, theirs in self.renames:
            if name.startswith(mine):
                return theirs + name[len(mine):]
        return name


def model_spec(ckpt):
    """The :class:`ModelSpec` of a loaded checkpoint; R2RTError for a model this module cannot trace."""
    c = ckpt.config
    builder = c.get("builder")
    try:
        if builder == "ptb_word_lm":
            return ModelSpec("PTB_LSTM", int(c["hidden_size"]), int(c["num_layers"]), int(c["vocab_size"]),
                             level="word", renames=(("embedding_matrix", "Model/embedding"),
                                                    ("rnn/", "Model/RNN/rnn/"), ("softmax/W", "Model/softmax_w"),
                                                    ("softmax/b", "Model/softmax_b")))
        size, classes = int(c["state_size"]), int(c["num_classes"])
        if builder == "build_graph":
            return ModelSpec(c["cell_type"], size, int(c["num_layers"]), classes,
                             int(c.get("num_weights_for_custom_cell") or 5))
        if builder in ("list_lstm", "dynamic_lstm", "scan_lstm"):
            return ModelSpec("LSTM", size, int(c["num_layers"]), classes)
        if builder == "list_basic_rnn":
            return ModelSpec(None, size, 1, classes, one_hot=True,
                             renames=(("rnn/multi_rnn_cell/cell_0/", "rnn/"),))
    except (KeyError, TypeError, ValueError) as exc:
        raise R2RTError(f"checkpoint {ckpt.path} has an incomplete config ({type(exc).__name__}: {exc}); "
                        "use an earlier copy or train it again") from None
    raise R2RTError(f"checkpoint {ckpt.path} holds a {builder!r} model, which inspect cannot trace")


def forward_pass(spec, ids, sizes, clamps=None, batch=1):
    """The model's cells run over ``ids`` (int32 ``[T]``) in the current graph, ``batch`` copies at once.

    ``sizes``: what each layer records (:func:`record_sizes`, or fewer names); ``clamps``:
    see :class:`TracingStack`. Returns ``(records, init_state, final_state, (W, b))``:
    one dict per layer of ``[batch, T, width]`` tensors, the state fed or zero at the
    start, the state at the end, and the softmax's weights.
    """
    cell = TracingStack([gated_cell(spec.cell_type, spec.state_size, spec.num_weights)
                         for _ in range(spec.num_layers)], sizes, clamps)
    init_state = cell.zero_state(batch, tf.float32)
    if spec.one_hot:
        inputs = tf.one_hot(ids, spec.num_classes)  # [T, num_classes]
    else:
        embedding = tf.get_variable("embedding_matrix", [spec.num_classes, spec.state_size])
        inputs = tf.nn.embedding_lookup(embedding, ids)  # [T, state_size]
    # one stream, copied batch times: [batch, T, input] in, [batch, T, width] out for every record
    records, final_state = tf.nn.dynamic_rnn(cell, tf.tile(inputs[None], [batch, 1, 1]), initial_state=init_state,
                                             scope="rnn")
    with tf.variable_scope("softmax"):
        W = tf.get_variable("W", [spec.state_size, spec.num_classes])
        b = tf.get_variable("b", [spec.num_classes])
    return records, init_state, final_state, (W, b)


def checkpoint_variables(spec):
    """The current graph's variables by their names in the checkpoint: what a Saver restores or weights fill."""
    return {spec.checkpoint_name(v.op.name): v for v in tf.global_variables()}


def build_tracer(spec, top_k=TOP_K):
    """Build the tracing graph of ``spec`` in a new ``tf.Graph``; returns a dict of its tensors.

    Feeds: ``ids`` and ``targets``, int32 ``[T]`` (a chunk's tokens and the token after
    each), ``init_state`` (fed as a whole structure; zeros when not fed). Fetches:
    ``records`` (one dict per layer of ``[T, width]`` states and gates), ``final_state``,
    ``top_ids`` / ``top_logp`` ``[T, top_k]`` (the likeliest next tokens and their log
    probabilities), ``target_logp`` ``[T]`` and ``entropy`` ``[T]`` (nats). Only the top
    guesses leave the graph, not the whole ``[T, num_classes]`` distribution (10,000 words for PTB).
    """
    graph = tf.Graph()
    with graph.as_default():
        ids = tf.placeholder(tf.int32, [None], name="ids")
        targets = tf.placeholder(tf.int32, [None], name="targets")
        sizes = [record_sizes(spec.cell_type, spec.state_size, spec.num_weights) for _ in range(spec.num_layers)]
        records, init_state, final_state, (W, b) = forward_pass(spec, ids, sizes)
        records = tuple({name: t[0] for name, t in layer.items()} for layer in records)  # [T, width] each
        log_p = tf.nn.log_softmax(tf.matmul(records[-1]["h"], W) + b)  # [T, num_classes]
        top = tf.nn.top_k(log_p, min(top_k, spec.num_classes))
        target_logp = tf.gather(log_p, targets[:, None], batch_dims=1)[:, 0]  # [T]
        entropy = -tf.reduce_sum(tf.exp(log_p) * log_p, axis=1)
        variables = checkpoint_variables(spec)
        saver = tf.train.Saver(var_list=variables)
    return {"graph": graph, "ids": ids, "targets": targets, "init_state": init_state, "records": records,
            "final_state": final_state, "top_ids": top.indices, "top_logp": top.values,
            "target_logp": target_logp, "entropy": entropy, "saver": saver, "variables": variables,
            "shapes": {name: v.shape.as_list() for name, v in variables.items()}}


def open_session(ckpt, g, weights=None):
    """A session on graph ``g["graph"]`` holding the checkpoint's weights, or ``weights`` instead.

    ``weights``: ``{checkpoint name: array}`` for every variable of ``g`` (an untrained model's, see
    :mod:`.baseline`); the checkpoint's shapes are checked against the graph's either way.
    """
    for name, shape in g["shapes"].items():
        saved = ckpt.tensors.get(name)
        if saved is not None and list(saved) != shape:
            raise R2RTError(f"checkpoint {ckpt.path} is damaged: {name} is {list(saved)} but its config "
                            f"says {shape}; use an earlier copy or train it again")
    session = tf.Session(graph=g["graph"], config=sampling_session_config())
    try:
        if weights is None:
            checkpoint.restore(session, {"config": ckpt.config, "saver": g["saver"]}, ckpt)
        else:
            load_weights(session, g, weights)
    except BaseException:
        session.close()
        raise
    return session


def load_weights(session, g, weights):
    """Set every variable of graph ``g`` in ``session`` from ``weights``, ``{checkpoint name: array}``."""
    for name, variable in g["variables"].items():
        variable.load(weights[name], session)


@dataclass
class Trace:
    """What a model computed at every position of a passage (T tokens).

    ``layers``: one dict per layer (0 next to the input) of ``[T, width]`` float32 arrays:
    ``h`` (and ``c`` for LSTMs), the state after reading token t, and the gates
    (``r``, ``u``; ``i``, ``f``, ``o``; the Custom cell's ``mix``). ``top_ids`` /
    ``top_probs`` ``[T, k]``: the likeliest next tokens after token t, best first;
    ``next_prob`` ``[T]``: the probability given to token t + 1 (NaN at the last
    position, where nothing follows); ``entropy`` ``[T]`` in nats.
    """

    tokens: list
    ids: np.ndarray
    layers: list
    top_ids: np.ndarray
    top_probs: np.ndarray
    next_prob: np.ndarray
    entropy: np.ndarray
    spec: ModelSpec = None
    vocab: object = field(default=None, repr=False)

    def __len__(self):
        return len(self.tokens)

    @property
    def level(self):
        return self.spec.level if self.spec else "char"

    @property
    def layout(self):
        return self.spec.layout()

    @property
    def surprisal(self):
        """Bits of surprise at each next token, ``-log2 p(token t + 1)``: ``[T]`` (NaN at the end)."""
        with np.errstate(divide="ignore"):
            return -np.log2(self.next_prob)

    @property
    def running_loss(self):
        """The mean cross-entropy (nats, the training loss's unit) of the next tokens so far: ``[T]``."""
        loss = -np.log(np.where(np.isnan(self.next_prob), 1.0, np.maximum(self.next_prob, 1e-30)))
        counted = np.cumsum(~np.isnan(self.next_prob))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counted > 0, np.cumsum(loss) / np.maximum(counted, 1), np.nan)

    def activations(self):
        """Every unit's activation, ``[T, units]`` in :class:`~.units.UnitLayout` order."""
        return self.layout.activations(self.layers)

    def guesses(self, position):
        """``[(token, probability), ...]``: the top guesses for the token after ``position``."""
        return [(self.vocab.idx_to_vocab[int(i)], float(p))
                for i, p in zip(self.top_ids[position], self.top_probs[position])]

    def head(self, n, names=None):
        """The first ``n`` positions, keeping only the layer records in ``names`` (default: all)."""
        layers = [{k: v[:n] for k, v in layer.items() if names is None or k in names} for layer in self.layers]
        return Trace(tokens=self.tokens[:n], ids=self.ids[:n], layers=layers, top_ids=self.top_ids[:n],
                     top_probs=self.top_probs[:n], next_prob=self.next_prob[:n], entropy=self.entropy[:n],
                     spec=self.spec, vocab=self.vocab)

    @classmethod
    def join(cls, chunks, tokens, spec, vocab):
        """One Trace from consecutive :class:`Trace` chunks (their ``tokens`` are ignored)."""
        layers = [{name: np.concatenate([c.layers[i][name] for c in chunks]) for name in chunks[0].layers[i]}
                  for i in range(len(chunks[0].layers))]
        cat = {name: np.concatenate([getattr(c, name) for c in chunks])
               for name in ("ids", "top_ids", "top_probs", "next_prob", "entropy")}
        return cls(tokens=list(tokens), layers=layers, spec=spec, vocab=vocab, **cat)


class Tracer:
    """A checkpoint's tracing graph and a session holding its weights; a context manager.

    ``Tracer(path)`` reads the checkpoint (an R2RTError if damaged), builds the graph and
    restores the weights (or loads ``weights``, see :func:`open_session`); :meth:`chunks`
    runs ids through it.
    """

    def __init__(self, path_or_ckpt, top_k=TOP_K, weights=None):
        self.ckpt = checkpoint.as_checkpoint(path_or_ckpt)
        checkpoint.vocabulary(self.ckpt)
        self.spec = model_spec(self.ckpt)
        self.g = build_tracer(self.spec, top_k)
        self.session = open_session(self.ckpt, self.g, weights)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.session.close()

    def chunks(self, ids, chunk=CHUNK):
        """Yield a :class:`Trace` (without tokens) for each ``chunk`` consecutive positions of ``ids``.

        One ``session.run`` per chunk; the state it ends in is fed to the next one. Between
        chunks a Ctrl-C (under the command line's handler) stops the run.
        """
        ids = np.asarray(ids, dtype=np.int32)
        chunk = checks.integer("chunk", chunk, what="a whole number of positions, 1 or more")
        g, state = self.g, None
        fetches = [g["records"], g["final_state"], g["top_ids"], g["top_logp"], g["target_logp"], g["entropy"]]
        for start in range(0, len(ids), chunk):
            interrupts.check()
            piece = ids[start:start + chunk]
            following = ids[start + 1:start + chunk + 1]
            targets = np.concatenate([following, np.zeros(len(piece) - len(following), np.int32)])
            feed = {g["ids"]: piece, g["targets"]: targets}
            if state is not None:
                feed[g["init_state"]] = state  # the state carried over from the previous chunk
            layers, state, top_ids, top_logp, target_logp, entropy = self.session.run(fetches, feed)
            next_prob = np.exp(target_logp.astype(np.float64))
            next_prob[len(following):] = np.nan  # the passage's last token: nothing follows it
            yield Trace(tokens=[], ids=piece, layers=[dict(layer) for layer in layers], top_ids=top_ids,
                        top_probs=np.exp(top_logp), next_prob=next_prob, entropy=entropy, spec=self.spec,
                        vocab=self.ckpt.vocab)


def trace(path_or_ckpt, text, chunk=CHUNK, unknown="error", max_tokens=None, top_k=TOP_K):
    """Trace checkpoint ``path_or_ckpt`` over the passage ``text``; returns a :class:`Trace`.

    ``text`` is split into the model's tokens (characters, or words for a PTB model);
    ``unknown``: what to do with tokens the model never saw (``"error"``, ``"skip"``,
    ``"unk"``); ``max_tokens`` keeps only the first that many. Every array is held in
    memory: for very long passages, :func:`r2rt_rnn.beyond.inspect.analysis.inspect_passage`
    keeps running statistics instead.
    """
    ckpt = checkpoint.as_checkpoint(path_or_ckpt)
    checkpoint.vocabulary(ckpt)
    tokens, ids = encode_passage(text, ckpt.vocab, unknown, max_tokens)
    with Tracer(ckpt, top_k) as tracer:
        pieces = list(tracer.chunks(ids, chunk))
        return Trace.join(pieces, tokens, tracer.spec, ckpt.vocab)
