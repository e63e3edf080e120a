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
    python_requires=">=3.9",
    install_requires=[
        "tensorflow>=2.16",
        "tf_keras>=2.16",  # tf.compat.v1.nn.rnn_cell needs the legacy Keras 2 package
        "numpy",
        "matplotlib",
        "tqdm",  # progress bars in train_network and the PTB loop
    ],
    extras_require={
        # nbclient + ipykernel execute the notebooks inside the test suite
        "test": ["pytest", "nbclient", "nbformat", "ipykernel"],
        "notebooks": ["jupyter", "nbclient", "nbformat", "ipykernel"],
        # TensorFlow's CUDA wheels, for the GPU benchmark
        "gpu": ["tensorflow[and-cuda]>=2.16"],
        # optional benchmark peer; never required
        "torch": ["torch"],
    },
    entry_points={"console_scripts": ["r2rt-rnn=r2rt_rnn.cli:main"]},
)
