"""A small local runner for the GitHub workflows of this repository (test support): it runs
their `run:` blocks as GitHub's runner does, with stubs for `uses:` steps and a fake `gh`."""
