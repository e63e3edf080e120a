"""The speed goals this project set itself, and which of them a benchmark run met."""

# name -> (the ratio, "at least" or "at most", bound)
TARGETS = {
    "fastest_lstm_over_torch": ("our fastest LSTM's chars/s / PyTorch nn.LSTM's", ">=", 1.0),
    "fastest_lstm_over_keras3": ("our fastest LSTM's chars/s / Keras 3's", ">=", 1.4),
    "ln_lstm_step_over_lstm": ("LN_LSTM step time / LSTM step time (the post's cell)", "<=", 1.5),
    "ln_lstm_fast_step_over_lstm": ("LN_LSTM_fast step time / LSTM step time", "<=", 1.5),
    "in_graph_over_python": ("sample_in_graph chars/s / generate_characters' (per character)", ">=", 10.0),
}


def speed_targets(results):
    """The ratios named in :data:`TARGETS` that this run measured, each with whether it met its bound."""
    train, gen, peers = results["train"], results["generate"], results["peers"]
    ratios = {}
    fastest = results.get("ours_fastest_lstm", {}).get("chars_per_s")
    for key, peer in (("fastest_lstm_over_torch", "torch"), ("fastest_lstm_over_keras3", "keras3")):
        if fastest and peers.get(peer, {}).get("ok"):
            ratios[key] = fastest / peers[peer]["chars_per_s"]
    for key, cell in (("ln_lstm_step_over_lstm", "LN_LSTM"), ("ln_lstm_fast_step_over_lstm", "LN_LSTM_fast")):
        if cell in train and "LSTM" in train:
            ratios[key] = train[cell]["step_s"] / train["LSTM"]["step_s"]
    if "in_graph_over_python_marginal" in gen:
        ratios["in_graph_over_python"] = gen["in_graph_over_python_marginal"]
    return {k: {"what": TARGETS[k][0], "ratio": v, "target": f"{TARGETS[k][1]} {TARGETS[k][2]}",
                "met": v >= TARGETS[k][2] if TARGETS[k][1] == ">=" else v <= TARGETS[k][2]}
            for k, v in ratios.items()}
