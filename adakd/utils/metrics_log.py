"""Reading detectron2's ``metrics.json`` (JSONWriter: one JSON object per logged iteration)."""
import json


def read_metrics_records(path):
    """Yields ``(line number, record)`` for each non-blank line of ``path``; a line that is not a JSON object
    raises ValueError naming the file and the line."""
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}, line {number}: not a JSON object ({e})") from e
            if not isinstance(record, dict):
                raise ValueError(f"{path}, line {number}: not a JSON object ({type(record).__name__})")
            yield number, record
