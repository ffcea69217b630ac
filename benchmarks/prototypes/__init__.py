"""Prototypes measured for the plan in docs/performance.md; not part of govsim, used by no run."""
