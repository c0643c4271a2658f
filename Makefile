# The two entry points of the README; each sets up what is missing first (tools/setup_env.sh).
PY := .venv/bin/python
export OMP_NUM_THREADS ?= 2

.PHONY: setup demo test

setup:
	@tools/setup_env.sh

# Main job on the embedded benchmark: data, shipped teacher and student, adaptive training, their AP table
# (the benchmark runner on three rows, seed 0; its results stay under output/demo, not benchmarks/results).
demo: setup
	$(PY) tools/run_benchmark.py --task det --rows student adaptive teacher --seeds 0 --zoo-student \
	    --results-dir output/demo/results --output-dir output/demo

# Two worker processes (pytest-xdist), one test file each at a time (module fixtures are built once); the longest
# files start first (tests/conftest.py). --durations: the slowest tests, to keep the suite fast.
TEST_WORKERS ?= 2
test: setup
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15 tests
