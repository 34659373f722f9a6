"""Victim, benign clients and real extraction attacks for ``bench_prediction.py``.

Benchmark and test code only: the attacks need the ``attacks`` extra
(PyTorch and IBM's Adversarial Robustness Toolbox), which antidistill never
imports at run time.
"""
