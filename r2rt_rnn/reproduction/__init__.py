"""Reproducing the posts: the named presets, the experiments, the recorded runs and their figures.

``reproduce`` reruns an experiment and records it in ``docs/results``; ``show`` puts the
package's code beside a notebook's result; ``figures`` draws the notebooks' pictures;
``post_results`` holds what the posts published.
"""
