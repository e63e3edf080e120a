from pathlib import Path

from setuptools import find_packages, setup

setup(
    name="r2rt_rnn",
    version="0.1.0",
    description="The R2RT 'Recurrent Neural Networks in Tensorflow II' post and companion RNN tutorials, "
    "running in tf.compat.v1 graph mode on today's TensorFlow",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["r2rt_rnn", "r2rt_rnn.*"]),
    # The tiny-shakespeare corpus is package data, so a wheel or `pip install .` carries it and
    # load_corpus() needs no network. r2rt_rnn/corpus/tinyshakespeare.txt is the one real file;
    # the repository's data/tinyshakespeare.txt is a relative symlink to it (one copy, no drift),
    # and the wheel gets the real bytes. tests/test_packaging.py builds and installs a wheel to check.
    # beyond/inspect/page/: the HTML, CSS and script that `inspect` fills in to write its self-contained page
    # pretrained/NAME/: the models shipped by name (python -m r2rt_rnn generate post-GRU), weights and training record
    package_data={"r2rt_rnn": ["corpus/*.txt", "beyond/inspect/page/*", "pretrained/*/*"]},
    python_requires=">=3.10",  # dataclasses with kw_only (graphs/config.py)
    install_requires=[
        "tensorflow>=2.16",
        "tf_keras>=2.16",  # tf.compat.v1.nn.rnn_cell needs the legacy Keras 2 package
        "numpy",
        "matplotlib",
        "tqdm",  # progress bars in a terminal (plain lines in a log file): r2rt_rnn/runtime/progress.py
        # the viewer for the logs that --logdir writes (TensorFlow writes them; since TF 2.16 it no
        # longer installs the tensorboard command itself)
        "tensorboard",
    ],
    extras_require={
        # pytest-xdist runs the suite on two workers (pytest.ini); nbclient + ipykernel execute the notebooks
        # inside the test suite; ruff is CI's linter
        # (configured in pyproject.toml); build makes the wheel that tests/test_packaging.py installs
        # playwright drives Debian's Chromium (apt-get install chromium) for the inspect page's browser test;
        # it is launched from /usr/bin/chromium, so no browser is downloaded; nbconvert + jupyter-server-mathjax
        # render the notebooks to HTML with MathJax served from this machine (scripts/render_notebooks.py, and the
        # test that reads a rendered notebook in Chromium)
        "test": ["pytest", "pytest-xdist", "nbclient", "nbformat", "nbconvert", "jupyter-server-mathjax", "ipykernel",
                 "ruff", "build", "setuptools>=64", "wheel", "playwright"],
        "notebooks": ["jupyter", "nbclient", "nbformat", "nbconvert", "jupyter-server-mathjax", "ipykernel"],
        # TensorFlow's CUDA wheels, for the GPU benchmark
        "gpu": ["tensorflow[and-cuda]>=2.16"],
        # optional benchmark peer; never required
        "torch": ["torch"],
    },
    entry_points={"console_scripts": ["r2rt-rnn=r2rt_rnn.cli:main"]},
)
