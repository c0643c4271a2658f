# The two entry points of the README; each sets up what is missing first (tools/setup_env.sh).
PY := .venv/bin/python
export OMP_NUM_THREADS ?= 2

.PHONY: setup demo test

setup:
	@tools/setup_env.sh

# Main job on the embedded benchmark: data, shipped teacher, student training, teacher/student AP table.
demo: setup
	$(PY) tools/run_embedded_benchmark.py

# --durations: the slowest tests, to keep the suite fast.
test: setup
	$(PY) -m pytest -q --durations=15 tests
