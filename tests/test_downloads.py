"""Downloads (r2rt_rnn.runtime.fetch) against local servers that lie: a body shorter than it promised, bytes
that are not UTF-8, an empty body, an archive that is not one, a server that trickles; ``file://`` texts;
environment variables read when they are used. Only a whole, checked body ever enters the cache."""
import contextlib
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, TINY_FLAGS, assert_one_line_error, run, start_cli
from r2rt_rnn import data
from r2rt_rnn.runtime import fetch
from r2rt_rnn.runtime.errors import R2RTError

TEXT = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\n" * 400).encode()


@contextlib.contextmanager
def serving(respond):
    """A local HTTP server on 127.0.0.1 whose every GET is answered by ``respond(handler)``; yields its address."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            with contextlib.suppress(OSError):  # the client gave up: nothing more to send
                respond(self)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def body(content, declared=None):
    """Answer 200 with ``content``, declaring ``declared`` bytes (default: the true length), then close."""
    def respond(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(content) if declared is None else declared))
        handler.end_headers()
        handler.wfile.write(content)
    return respond


def cached(folder):
    """The files in the cache folder (none if it was never created)."""
    return sorted(p.name for p in Path(folder).iterdir()) if Path(folder).exists() else []


def test_a_whole_text_is_cached_once(tmp_path):
    hits = []

    def respond(handler):
        hits.append(handler.path)
        body(TEXT)(handler)

    with serving(respond) as server:
        url = f"{server}/input.txt"
        assert data.load_text(url, cache_dir=tmp_path) == TEXT.decode()
        assert data.load_text(url, cache_dir=tmp_path) == TEXT.decode()
    assert hits == ["/input.txt"]  # the second read came from the cache
    assert cached(tmp_path) == [fetch.cache_entry(url, tmp_path).name]


def test_a_body_shorter_than_it_promised_is_refused_and_never_cached(tmp_path):
    with serving(body(TEXT[:20000], declared=40000)) as server:
        with pytest.raises(R2RTError, match="promised 40,000 bytes .* sent 20,000") as info:
            data.load_text(f"{server}/input.txt", cache_dir=tmp_path)
    assert "nothing was cached" in str(info.value) and str(info.value).count("could not download") == 1
    assert cached(tmp_path) == []


@pytest.mark.slow
def test_train_on_a_short_download_exits_in_one_line_and_caches_nothing(tmp_path):
    """The command line, as a user meets it: a real process, the cache named by R2RT_CACHE_DIR."""
    with serving(body(TEXT[:20000], declared=40000)) as server:
        proc = subprocess.run([sys.executable, "-m", "r2rt_rnn", "train", "--text", f"{server}/input.txt",
                               "--epochs", "1", *TINY_FLAGS], cwd=REPO, capture_output=True, text=True,
                              env={**os.environ, "R2RT_CACHE_DIR": str(tmp_path / "cache")}, timeout=300)
    assert_one_line_error(proc.returncode, proc.stderr, "promised 40,000 bytes", "sent 20,000", "nothing was cached")
    assert cached(tmp_path / "cache") == []


def test_an_undecodable_body_is_not_cached_and_no_cache_file_is_named(tmp_path):
    latin = "Où est la café?\n".encode("latin-1") * 100
    with serving(body(latin)) as server:
        url = f"{server}/input.txt"
        with pytest.raises(R2RTError, match="is not UTF-8 text") as info:
            data.load_text(url, cache_dir=tmp_path)
    message = str(info.value)
    assert message.startswith(f"{url} is not UTF-8") and "nothing was cached" in message and "offset 1" in message
    assert str(tmp_path) not in message  # no cache file to convert by hand
    assert cached(tmp_path) == []


def test_an_undecodable_entry_left_in_the_cache_is_deleted_and_fetched_again(tmp_path):
    """An entry an older version cached (downloads were not checked then): named with what became of it."""
    with serving(body(TEXT)) as server:
        url = f"{server}/input.txt"
        entry = fetch.cache_entry(url, tmp_path)
        entry.write_bytes("café".encode("latin-1"))
        with pytest.raises(R2RTError, match="is not UTF-8 text") as info:
            data.load_text(url, cache_dir=tmp_path)
        assert f"its cached copy {entry} was deleted" in str(info.value) and not entry.exists()
        assert data.load_text(url, cache_dir=tmp_path) == TEXT.decode()  # the next try downloads it whole


def test_an_empty_body_is_not_cached(tmp_path):
    with serving(body(b"")) as server:
        with pytest.raises(R2RTError, match="^http://.* sent no text"):
            data.load_text(f"{server}/input.txt", cache_dir=tmp_path)
    assert cached(tmp_path) == []


def test_a_body_that_is_not_the_ptb_archive_is_not_cached(tmp_path):
    from r2rt_rnn.ptb.reader import download_ptb

    with serving(body(b"<html>moved</html>")) as server:
        with pytest.raises(R2RTError, match="not the PTB archive") as info:
            download_ptb(cache_dir=tmp_path, url=f"{server}/simple-examples.tgz")
    assert "nothing was cached" in str(info.value) and info.value.params == ("data_path",)
    assert str(info.value).count("could not download") == 1
    assert cached(tmp_path) == []


def test_a_silent_server_times_out_after_the_seconds_of_the_variable(tmp_path, monkeypatch):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # accepts the connection (the kernel does), then says nothing
    monkeypatch.setenv("R2RT_DOWNLOAD_TIMEOUT", "1")
    try:
        t = time.monotonic()
        with pytest.raises(R2RTError, match="did not answer within 1 s"):
            data.load_text(f"http://127.0.0.1:{server.getsockname()[1]}/input.txt", cache_dir=tmp_path)
        assert time.monotonic() - t < 10
    finally:
        server.close()
    assert cached(tmp_path) == []


@pytest.mark.slow
def test_the_first_ctrl_c_during_a_slow_download_stops_it_and_leaves_no_part_file(tmp_path):
    done = threading.Event()

    def trickle(handler):  # 64 bytes every 0.2 s of a promised 1 MB: a download that would take an hour
        handler.send_response(200)
        handler.send_header("Content-Length", str(1 << 20))
        handler.end_headers()
        while not done.is_set():
            handler.wfile.write(b"x" * 64)
            handler.wfile.flush()
            time.sleep(0.2)

    cache = tmp_path / "cache"
    try:
        with serving(trickle) as server:
            proc = start_cli(["train", "--text", f"{server}/slow.txt", "--epochs", "1", *TINY_FLAGS],
                             env={"R2RT_CACHE_DIR": str(cache)})
            deadline = time.monotonic() + 120
            while not any(".part" in name for name in cached(cache)):  # the download has begun
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
                time.sleep(0.05)
            time.sleep(0.5)
            t = time.monotonic()
            proc.send_signal(signal.SIGINT)  # once
            code, err = proc.wait(timeout=60), proc.stderr.read()
            elapsed = time.monotonic() - t
    finally:
        done.set()
    assert_one_line_error(code, err, "interrupted")
    assert elapsed < 5
    assert cached(cache) == []


def test_a_file_url_is_read_afresh_and_never_cached(tmp_path):
    src = tmp_path / "src.txt"
    src.write_text("to be or not to be", encoding="utf-8")
    cache = tmp_path / "cache"
    assert fetch.download(src.as_uri(), cache) == src
    assert data.load_text(src.as_uri(), cache_dir=cache) == "to be or not to be"
    src.write_text("that is the question", encoding="utf-8")
    assert data.load_text(src.as_uri(), cache_dir=cache) == "that is the question"  # the edit is seen
    assert cached(cache) == []


def test_a_file_url_naming_a_pipe_or_nothing_is_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # nobody writes to it: opening it would block forever
    with pytest.raises(R2RTError, match="not a regular file"):
        data.load_text(fifo.as_uri(), cache_dir=tmp_path / "cache")
    with pytest.raises(R2RTError, match="no such file"):
        data.load_text((tmp_path / "gone.txt").as_uri(), cache_dir=tmp_path / "cache")
    with pytest.raises(R2RTError, match="names a file on this machine"):
        data.load_text("file://example.org/input.txt")


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf", "1e300"])
def test_a_bad_download_timeout_is_one_line_naming_the_variable_when_a_download_needs_it(
        value, tmp_path, monkeypatch, capsys, text_file):
    monkeypatch.setenv("R2RT_DOWNLOAD_TIMEOUT", value)
    monkeypatch.setenv("R2RT_CACHE_DIR", str(tmp_path / "cache"))
    code, _, err = run(["train", "--text", "http://127.0.0.1:9/input.txt", "--epochs", "1"] + TINY_FLAGS, capsys)
    assert_one_line_error(code, err, "R2RT_DOWNLOAD_TIMEOUT must be a number of seconds", repr(value))
    assert data.load_text(text_file)  # a local text needs no timeout: the variable is not even read
    assert cached(tmp_path / "cache") == []


@pytest.mark.parametrize("value, seconds", [("", 30.0), (" 2.5 ", 2.5), ("86400", 86400.0)])
def test_good_download_timeouts(value, seconds, monkeypatch):
    monkeypatch.setenv("R2RT_DOWNLOAD_TIMEOUT", value)
    assert fetch.download_timeout() == seconds


def test_importing_reads_no_variable():
    from conftest import run_python

    out = run_python("import r2rt_rnn.data, r2rt_rnn.ptb.reader, r2rt_rnn.runtime.fetch; print('imported')",
                     env={"R2RT_DOWNLOAD_TIMEOUT": "abc", "R2RT_CACHE_DIR": ""})
    assert out.returncode == 0 and out.stdout == "imported\n", out.stderr


@pytest.mark.slow
def test_generate_runs_whatever_the_download_timeout_says(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "r2rt_rnn", "generate", "post-GRU", "--num-chars", "5", "--seed", "1"],
                          cwd=REPO, capture_output=True, text=True, env={**os.environ, "R2RT_DOWNLOAD_TIMEOUT": "abc"},
                          timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stdout) > 5


def test_an_empty_cache_variable_means_the_default_folder_not_the_current_one(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("R2RT_CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    assert fetch.default_cache_dir() == home / ".cache" / "r2rt_rnn"
    with serving(body(TEXT)) as server:
        assert data.load_text(f"{server}/input.txt") == TEXT.decode()
    assert cached(work) == [] and len(cached(home / ".cache" / "r2rt_rnn")) == 1


def test_a_cache_folder_that_cannot_be_made_is_named_with_its_variable(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("R2RT_CACHE_DIR", str(blocker / "cache"))
    with serving(body(TEXT)) as server:
        code, _, err = run(["train", "--text", f"{server}/input.txt", "--epochs", "1"] + TINY_FLAGS, capsys)
    assert_one_line_error(code, err, "cannot create the download cache", "set R2RT_CACHE_DIR to a writable folder")
