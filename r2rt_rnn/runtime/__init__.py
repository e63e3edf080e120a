"""The machinery behind the tutorials, which a reader of the posts may skip.

The training loop and its parts, checkpoints, argument checks, output files, Ctrl-C
handling, progress lines, TensorBoard summaries, the machine's description, errors and
quieting TensorFlow. The tutorials call into it by name; it imports nothing of theirs
(the checkpoint format names the vocabulary and the builders' configuration).
"""
