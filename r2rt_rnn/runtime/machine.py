"""The machine the package runs on: its CPU, cores and free memory (checked before a model is built), and the
device a measurement ran on (recorded beside every benchmark and reproduction result)."""
import functools
import os
import platform
import time
from pathlib import Path


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))  # respects taskset
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def available_memory():
    """Bytes of memory the kernel says a new allocation can get without swapping (MemAvailable), or None."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def cpu_seconds():
    """CPU seconds so far: ``{"own": this process (all threads), "machine": every core's busy time, "steal": time
    the hypervisor gave to other guests}``; the last two None off Linux.

    Differences between two readings tell what an interval was spent on: ``machine - own``
    is other programs' work on the same cores, ``steal`` the VM host's (see :func:`cpu_share`).
    """
    own = time.process_time()
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        tick = os.sysconf("SC_CLK_TCK")
        user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        return {"own": own, "machine": (user + nice + system + irq + softirq) / tick, "steal": steal / tick}
    except (OSError, ValueError, IndexError):
        return {"own": own, "machine": None, "steal": None}


def cpu_share(before, after, wall_seconds):
    """What the cores did between two :func:`cpu_seconds` readings ``wall_seconds`` apart: this process's CPU
    seconds, other programs' and the hypervisor's steal (None where unknown), each rounded to 0.1 s."""
    own = after["own"] - before["own"]
    share = {"wall_seconds": round(wall_seconds, 1), "own_cpu_seconds": round(own, 1),
             "other_cpu_seconds": None, "steal_seconds": None}
    if before["machine"] is not None and after["machine"] is not None:
        share["other_cpu_seconds"] = round(max(after["machine"] - before["machine"] - own, 0.0), 1)
        share["steal_seconds"] = round(after["steal"] - before["steal"], 1)
    return share


@functools.lru_cache(maxsize=None)
def gpus():
    """The GPUs TensorFlow sees (``tf.config.list_physical_devices("GPU")`` as a tuple; empty without one).

    Looked for once, on the first call, which loads TensorFlow; not at import, so that importing
    the package probes no device. :func:`r2rt_rnn.quiet` makes the first call, with stderr silenced.
    """
    from ..tf1 import tf2  # here, so the memory and core queries above never load TensorFlow

    return tuple(tf2.config.list_physical_devices("GPU"))


def describe():
    """The device TensorFlow computes on (GPU when one is visible, else the CPU) and the software around it."""
    from ..tf1 import tf2

    found = gpus()

    info = {
        "tf_version": tf2.__version__,
        "python": platform.python_version(),
        "cpu_model": cpu_model(),
        "cores_total": os.cpu_count(),
        "cores_usable": usable_cores(),
        "load_average_1m": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "session_threads": "TensorFlow's defaults (intra/inter op 0: one thread per usable core)",
        "onednn_opts": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"),
    }
    if found:
        details = {}
        try:
            details = tf2.config.experimental.get_device_details(found[0])
        except Exception:  # noqa: BLE001 - details are a nicety
            pass
        info.update(type="GPU", name=details.get("device_name", found[0].name), gpu_count=len(found),
                    compute_capability=details.get("compute_capability"))
    else:
        info.update(type="CPU", name=info["cpu_model"])
    return info
