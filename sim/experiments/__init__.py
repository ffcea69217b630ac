"""Batch experiments: sweeps of many seeded runs, on a laptop or a Dask cluster, and their report.

An experiment is data, a TOML file under ``experiments/`` (:mod:`sim.experiments.spec`):
a base scenario, the factors to vary, a design (:mod:`sim.experiments.design`), the
outcomes to keep, replicates and a root seed. One runner (:mod:`sim.experiments.runner`)
runs it on an executor (:mod:`sim.experiments.executors`: a local process pool or Dask)
and writes each finished run at once, atomically, as its own Parquet part; analysis
(:mod:`sim.experiments.report`) reads the parts back. Nothing analyses inside the run
loop and nothing is held in memory for the whole sweep.

Replicate ``i`` of every cell runs with :func:`sim.runs.replicate_seed` ``(root, i)``, so
every cell meets the same simulated worlds (common random numbers) and the results do not
depend on how many workers ran them, in which order, or where.
"""
