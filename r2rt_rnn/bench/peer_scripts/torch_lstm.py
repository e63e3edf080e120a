"""Benchmark peer: the 3-layer character LSTM as PyTorch's ``nn.LSTM(num_layers=3)``.

Run by ``r2rt_rnn.bench.peers`` in its own process (never imports r2rt_rnn)::

    python torch_lstm.py '{"batch_size": 32, "num_steps": 80, "state_size": 100, "num_layers": 3,
                           "num_classes": 65, "learning_rate": 1e-4, "seed": 2345,
                           "warmup_steps": 3, "timed_steps": 20, "threads": 2}'

Uses the GPU when CUDA is available. Prints one JSON line: the step times, their
median and characters per second.
"""
import json
import statistics
import sys
import time

import torch
from torch import nn


class CharLSTM(nn.Module):
    def __init__(self, num_classes, state_size, num_layers):
        super().__init__()
        self.embed = nn.Embedding(num_classes, state_size)
        self.lstm = nn.LSTM(state_size, state_size, num_layers=num_layers, batch_first=True)
        self.out = nn.Linear(state_size, num_classes)

    def forward(self, x, state=None):
        h, state = self.lstm(self.embed(x), state)
        return self.out(h), state


def main(cfg):
    B, T, V = cfg["batch_size"], cfg["num_steps"], cfg["num_classes"]
    torch.set_num_threads(cfg["threads"])
    torch.manual_seed(cfg["seed"])
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = CharLSTM(V, cfg["state_size"], cfg["num_layers"]).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["learning_rate"])
    loss_fn = nn.CrossEntropyLoss()
    state = None

    def step():
        nonlocal state
        x = torch.randint(0, V, (B, T), device=dev)
        y = torch.randint(0, V, (B, T), device=dev)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        logits, new_state = model(x, state)
        loss = loss_fn(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        state = tuple(s.detach() for s in new_state)  # carry the state, truncated backprop
        loss.item()  # waits for the step to finish
        return time.perf_counter() - t

    first = step()
    for _ in range(cfg["warmup_steps"]):
        step()
    steps = [step() for _ in range(cfg["timed_steps"])]
    s = statistics.median(steps)
    return {"ok": True, "framework": "torch", "version": torch.__version__, "device": dev.type.upper(),
            "threads": torch.get_num_threads(), "first_step_s": first, "steps_s": steps, "step_s": s,
            "chars_per_s": B * T / s}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: python {sys.argv[0]} '<JSON sizes>' (see the docstring)")
    print(json.dumps(main(json.loads(sys.argv[1]))))
