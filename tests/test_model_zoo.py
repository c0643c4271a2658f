"""adakd.model_zoo: downloads through a local HTTP server, checksums, cache hits, zoo:// paths, and the
shipped entries against their configs and recorded metrics."""
import hashlib
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading

import cv2
import numpy as np
import pytest
import torch
from detectron2.config import instantiate
from detectron2.utils.file_io import PathManager

from adakd import model_zoo
from adakd.checkpoint.atomic_checkpointer import AtomicCheckpointer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Server:
    """Serves ``files`` (name → bytes) on 127.0.0.1 and counts requests; ``truncate`` sends half a body."""

    def __init__(self):
        self.files, self.requests, self.truncate = {}, [], False
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if server.truncate else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def zoo(tmp_path, monkeypatch):
    """A manifest with one entry served over HTTP, and an empty cache."""
    server = _Server()
    payload = b"not really a checkpoint, but bytes with a known sha256" * 100
    server.files["ckpt.pth"] = payload
    entry = {
        "name": "served_entry", "status": "trained", "config": "projects/AdaptiveKD/configs/shapes_student.py",
        "checkpoint": f"{server.url}/ckpt.pth", "sha256": hashlib.sha256(payload).hexdigest(),
    }
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"entries": [entry, {**entry, "name": "untrained_entry", "status": "untrained",
                                                        "checkpoint": None, "train_command": "train it"}]}))
    monkeypatch.setenv("ADAKD_ZOO_MANIFEST", str(manifest))
    monkeypatch.setenv("ADAKD_CACHE", str(tmp_path / "cache"))
    yield server, entry, payload
    server.close()


def _cached_files(tmp_path):
    return [os.path.join(d, f) for d, _, files in os.walk(tmp_path / "cache") for f in files]


def _point_entry_at(checkpoint):
    """Rewrites the zoo fixture's manifest: ``served_entry``'s checkpoint is at ``checkpoint`` (same sha256)."""
    with open(model_zoo.manifest_path()) as f:
        manifest = json.load(f)
    manifest["entries"][0]["checkpoint"] = checkpoint
    with open(model_zoo.manifest_path(), "w") as f:
        json.dump(manifest, f)


def _kept_in_cache(tmp_path):
    return [f for f in _cached_files(tmp_path) if not f.endswith(".lock")]  # (iopath keeps its lock file)


def _fetch_error(exception_type, pattern):
    """The one-line error of get_checkpoint("served_entry"), which must match ``pattern`` in full."""
    with pytest.raises(exception_type) as error:
        model_zoo.get_checkpoint("served_entry")
    message = error.value.args[0]
    assert re.fullmatch(pattern, message), message
    return message


def _closed_port():
    with socket.socket() as s:  # a port the system just handed out and nothing listens on once closed
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_verifies_and_caches_without_a_second_request(zoo, tmp_path):
    server, entry, payload = zoo
    local = model_zoo.get_checkpoint("served_entry")
    assert open(local, "rb").read() == payload and len(server.requests) == 1
    assert model_zoo.get_checkpoint("served_entry") == local
    assert PathManager.get_local_path("zoo://served_entry") == local
    assert len(server.requests) == 1  # cache hits make no request


def test_corrupted_cache_copy_is_rejected_removed_and_fetched_again(zoo, tmp_path):
    server, entry, payload = zoo
    local = model_zoo.get_checkpoint("served_entry")
    with open(local, "r+b") as f:
        f.write(b"X")
    actual = hashlib.sha256(b"X" + payload[1:]).hexdigest()
    with pytest.raises(model_zoo.ZooChecksumError, match=f"served_entry.*{actual}.*{entry['sha256']}"):
        model_zoo.get_checkpoint("served_entry")
    assert not os.path.exists(local)
    assert open(model_zoo.get_checkpoint("served_entry"), "rb").read() == payload and len(server.requests) == 2


def test_wrong_file_on_the_server_is_never_kept(zoo, tmp_path):
    server, entry, payload = zoo
    server.files["ckpt.pth"] = b"something else"
    _fetch_error(model_zoo.ZooChecksumError, rf"Model zoo entry 'served_entry': checkpoint {re.escape(server.url)}"
                                             rf"/ckpt.pth has sha256 {hashlib.sha256(b'something else').hexdigest()}, "
                                             rf"the manifest expects {entry['sha256']} \(the cached copy was deleted\)")
    assert _kept_in_cache(tmp_path) == []


def test_interrupted_download_leaves_nothing_a_later_call_trusts(zoo, tmp_path):
    server, entry, payload = zoo
    server.truncate = True
    _fetch_error(FileNotFoundError, rf"Model zoo entry 'served_entry': could not fetch {re.escape(server.url)}"
                                    rf"/ckpt.pth: <urlopen error retrieval incomplete: got only {len(payload) // 2} "
                                    rf"out of {len(payload)} bytes>")
    assert _kept_in_cache(tmp_path) == []  # iopath's downloader removes its temporary file
    server.truncate = False
    assert open(model_zoo.get_checkpoint("served_entry"), "rb").read() == payload


def test_unknown_and_untrained_entries_are_clear_errors(zoo):
    with pytest.raises(KeyError, match="Did you mean: served_entry"):
        model_zoo.get_checkpoint("served_entyr")
    with pytest.raises(FileNotFoundError, match="untrained.*train it"):
        model_zoo.get_checkpoint("untrained_entry")


@pytest.mark.parametrize("failure", ["http_404", "refused_connection"])
def test_unfetchable_url_names_the_entry_and_the_url_and_caches_nothing(zoo, tmp_path, failure):
    server, entry, payload = zoo
    if failure == "http_404":
        url, reason = f"{server.url}/moved/ckpt.pth", r"HTTP Error 404: Not Found"
    else:  # a port nothing listens on
        url, reason = f"http://127.0.0.1:{_closed_port()}/ckpt.pth", r"<urlopen error \[Errno \d+\] Connection refused>"
    _point_entry_at(url)
    _fetch_error(FileNotFoundError, rf"Model zoo entry 'served_entry': could not fetch {re.escape(url)}: " + reason)
    assert server.requests == (["/moved/ckpt.pth"] if failure == "http_404" else [])
    assert _kept_in_cache(tmp_path) == []
    _point_entry_at(entry["checkpoint"])  # the entry back on the server: fetched and verified as usual
    assert open(model_zoo.get_checkpoint("served_entry"), "rb").read() == payload


def test_file_url_is_copied_into_the_cache_verified_and_its_source_never_touched(zoo, tmp_path):
    server, entry, payload = zoo
    source = tmp_path / "mounted" / "ckpt.pth"
    source.parent.mkdir()
    url = source.as_uri()
    _point_entry_at(url)
    _fetch_error(FileNotFoundError, rf"Model zoo entry 'served_entry': could not fetch {re.escape(url)}: <urlopen "
                                    rf"error \[Errno 2\] No such file or directory: '{re.escape(str(source))}'>")
    assert _kept_in_cache(tmp_path) == []

    # A file of other bytes: refused with both hashes; the cached copy goes, the source stays as it is.
    source.write_bytes(b"X" + payload[1:])
    actual = hashlib.sha256(b"X" + payload[1:]).hexdigest()
    _fetch_error(model_zoo.ZooChecksumError, rf"Model zoo entry 'served_entry': checkpoint {re.escape(url)} has "
                                             rf"sha256 {actual}, the manifest expects {entry['sha256']} "
                                             r"\(the cached copy was deleted\)")
    assert _kept_in_cache(tmp_path) == [] and source.read_bytes() == b"X" + payload[1:]

    source.write_bytes(payload)
    local = model_zoo.get_checkpoint("served_entry")
    assert local.startswith(str(tmp_path / "cache")) and open(local, "rb").read() == payload
    source.unlink()  # the verified copy in the cache serves from now on
    assert model_zoo.get_checkpoint("served_entry") == local and server.requests == []


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "repository-relative"])
def test_missing_local_checkpoint_names_the_entry_and_the_path(zoo, tmp_path, relative):
    location = "model_zoo/checkpoints/no_such.pth" if relative else str(tmp_path / "no_such.pth")
    resolved = os.path.join(ROOT, location)  # (an absolute location is its own resolution)
    _point_entry_at(location)
    _fetch_error(FileNotFoundError, rf"Model zoo entry 'served_entry': checkpoint {re.escape(location)} not found "
                                    rf"\({re.escape(resolved)}\)")
    assert _cached_files(tmp_path) == []


def test_local_checkpoint_with_another_sha256_is_refused_and_left_alone(zoo, tmp_path):
    server, entry, payload = zoo
    local = tmp_path / "ckpt.pth"
    local.write_bytes(payload[:-1])
    actual = hashlib.sha256(payload[:-1]).hexdigest()
    _point_entry_at(str(local))
    _fetch_error(model_zoo.ZooChecksumError, rf"Model zoo entry 'served_entry': checkpoint {re.escape(str(local))} "
                                             rf"has sha256 {actual}, the manifest expects {entry['sha256']}")
    assert local.read_bytes() == payload[:-1]  # the user's file: reported, never deleted
    local.write_bytes(payload)
    assert model_zoo.get_checkpoint("served_entry") == str(local) and _cached_files(tmp_path) == []


# ----------------------------------------------------------------------------------- the shipped manifest
SHIPPED = [e for e in json.load(open(os.path.join(ROOT, "model_zoo", "manifest.json")))["entries"]]
TRAINED = [e["name"] for e in SHIPPED if e["status"] == "trained"]


def test_manifest_entries_are_complete():
    required = {"name", "task", "dataset", "config", "teacher", "distillation", "metrics", "metrics_command",
                "checkpoint", "sha256", "size_bytes", "status", "train_command"}
    names = {e["name"] for e in SHIPPED}
    for entry in SHIPPED:
        assert required <= set(entry), (entry["name"], required - set(entry))
        assert entry["status"] in ("trained", "untrained")
        assert os.path.exists(os.path.join(ROOT, entry["config"])), entry["config"]
        assert entry["teacher"] is None or entry["teacher"] in names
        if entry["status"] == "untrained":  # never a number or a file for what was not trained
            assert not entry["metrics"] and not entry["checkpoint"] and not entry["sha256"], entry["name"]


def test_shipped_checkpoints_are_what_the_manifest_says_and_fit_the_repository_budget():
    shipped = [e for e in SHIPPED if e["status"] == "trained" and not e["checkpoint"].startswith(("http", "file:"))]
    for entry in shipped:
        path = os.path.join(ROOT, entry["checkpoint"])
        assert os.path.getsize(path) == entry["size_bytes"], entry["name"]
        with open(path, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == entry["sha256"], entry["name"]
    on_disk = sum(os.path.getsize(os.path.join(ROOT, "model_zoo", "checkpoints", f))
                  for f in os.listdir(os.path.join(ROOT, "model_zoo", "checkpoints")))
    assert on_disk == sum(e["size_bytes"] for e in shipped)  # no stray file in model_zoo/checkpoints
    assert on_disk < 60e6, f"model_zoo/checkpoints holds {on_disk / 1e6:.1f} MB, the budget is 60 MB"


@pytest.mark.parametrize("name", TRAINED)
def test_trained_checkpoint_loads_into_its_config_exactly(name):
    model = instantiate(model_zoo.get_config(name).model)
    checkpoint = torch.load(model_zoo.get_checkpoint(name), map_location="cpu", weights_only=True)
    if not checkpoint.get("matching_heuristics"):
        model.load_state_dict(checkpoint["model"], strict=True)  # no missing, no unexpected keys, same shapes
        return
    # Pretrained backbones are matched by name suffix, as detectron2's ImageNet weights: every weight of the
    # classifier they were trained as is found, and each one lands unchanged.
    checkpointer = AtomicCheckpointer(model)
    checkpointer.load(model_zoo.get_checkpoint(name))
    missing = [k for k in checkpointer.incompatible_keys.missing_keys if "num_batches" not in k]
    assert not missing and not checkpointer.incompatible_keys.unexpected_keys
    state = model.state_dict()
    for key, value in checkpoint["model"].items():
        assert torch.equal(state[f"backbone.{key}" if key.startswith(("stem.", "res")) else f"head.{key}"].half(),
                           value.half()), key


# A detector, and a classifier whose command also measures its agreement with the shipped teacher. Whole val
# splits (the shapes set is generated first on a fresh clone): `pytest -m slow` selects these, `make test` runs all.
@pytest.mark.slow
@pytest.mark.parametrize("name", ["shapes_gfl_r18_student", "shapes_cls_r18_adaptive"])
def test_eval_only_on_a_shipped_checkpoint_reproduces_the_manifest(name, tmp_path):
    entry = model_zoo.get_entry(name)
    results = str(tmp_path)  # not output/ of the repository: a test leaves nothing there
    command = entry["metrics_command"].split() + [f"train.output_dir={results}"]
    subprocess.run([sys.executable, *command], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(results, "eval_results.json")) as f:
        measured = json.load(f)
    assert {k: round(measured[k.split("/")[0]][k.split("/")[1]], 4) for k in entry["metrics"]} == entry["metrics"]


def test_demo_draws_what_the_zoo_model_detects(tiny_shapes, tmp_path):
    from detectron2.data import DatasetCatalog
    from detectron2.data.detection_utils import read_image

    images = [d["file_name"] for d in DatasetCatalog.get("tiny_shapes_val")[:2]]
    out = subprocess.run(
        [sys.executable, "tools/demo.py", "--zoo", "shapes_gfl_r18_adaptive", "--input", *images,
         "--output", str(tmp_path), "--grid", str(tmp_path / "grid.png"), "--grid-columns", "4"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    assert len(out) == len(images) + 1  # a line per image, then the grid's
    model = model_zoo.get("shapes_gfl_r18_adaptive")
    for path, line in zip(images, out):
        image = read_image(path, format="BGR")
        with torch.no_grad():
            instances = model([{"image": torch.as_tensor(image.transpose(2, 0, 1).astype("float32"))}])[0]["instances"]
        assert line.startswith(f"{path}: ") and " ms, " in line
        assert f"{int((instances.scores >= 0.3).sum())} detections" in line
        drawn = read_image(str(tmp_path / (os.path.splitext(os.path.basename(path))[0] + ".png")), format="RGB")
        assert drawn.shape == (512, 512, 3)  # 128 px drawn at 4x
    # Both drawings side by side (fewer images than columns: one row of two), 4 white pixels between them.
    grid = read_image(str(tmp_path / "grid.png"), format="RGB")
    assert grid.shape == (512, 2 * 512 + 4, 3) and (grid[:, 512:516] == 255).all()
    first = read_image(str(tmp_path / (os.path.splitext(os.path.basename(images[0]))[0] + ".png")), format="RGB")
    assert (grid[:, :512] == first).all()
    assert out[-1] == f"2 drawings side by side -> {tmp_path / 'grid.png'}"


def _run_demo_here(monkeypatch, *args):
    """tools/demo.py's main() in this process (no interpreter start-up: the process-level run, exit status and
    stderr included, is test_demo_draws_what_the_zoo_model_detects)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("demo_tool", os.path.join(ROOT, "tools", "demo.py"))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(sys, "argv", ["demo.py", *args])
    monkeypatch.chdir(ROOT)
    tool.main()


def test_demo_refuses_missing_or_incomplete_weights_naming_the_file(tmp_path, monkeypatch, capsys):
    """A missing checkpoint, or one that leaves the model's parameters at their random values (a distillation
    run's weights in the student config), is one error line naming the file (SystemExit with that line: Python
    prints it alone, no traceback), before anything is drawn."""
    image = str(tmp_path / "image.png")
    cv2.imwrite(image, np.zeros((32, 32, 3), np.uint8))
    weights = torch.load(model_zoo.get_checkpoint("shapes_gfl_r18_student"), weights_only=False)["model"]
    distilled = str(tmp_path / "distilled.pth")
    torch.save({"model": {f"student.{k}": v for k, v in weights.items()}}, distilled)
    parameters = [k for k in weights if not k.endswith("num_batches_tracked")]  # detectron2 skips these counters
    missing = str(tmp_path / "nowhere.pth")
    config = os.path.join("projects", "AdaptiveKD", "configs", "shapes_student.py")
    for path, message in [(missing, f"error: Checkpoint {missing} not found"),
                          (distilled, f"error: {distilled} leaves {len(parameters)} parameters of GFL missing")]:
        with pytest.raises(SystemExit) as exit_info:
            _run_demo_here(monkeypatch, "--config-file", config, "--weights", path, "--input", image,
                           "--output", str(tmp_path / "out"))
        assert isinstance(exit_info.value.code, str) and "\n" not in exit_info.value.code
        assert exit_info.value.code.startswith(message), exit_info.value.code
        assert not os.path.exists(tmp_path / "out")
    # --allow-missing-weights draws anyway, with the parameters the file leaves missing at their initial values.
    capsys.readouterr()
    _run_demo_here(monkeypatch, "--config-file", config, "--weights", distilled, "--allow-missing-weights",
                   "--input", image, "--output", str(tmp_path / "out"))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{image}: ") and os.path.exists(tmp_path / "out" / "image.png")


def test_demo_names_the_class_a_zoo_classifier_predicts(tmp_path):
    from adakd.data import SHAPES_CLASSES
    from adakd.data.cifar import load_cifar
    from adakd.data.shapes_classification import ShapesClassificationSpec, ensure_shapes_classification

    spec = ShapesClassificationSpec(num_train=1, num_test=2)
    folder = ensure_shapes_classification(str(tmp_path / "shapes_cls"), spec)
    images = []
    for i, d in enumerate(load_cifar(folder, "shapes_cls", "test")):
        images.append(str(tmp_path / f"image{i}.png"))
        cv2.imwrite(images[-1], d["image"][:, :, ::-1])
    out = subprocess.run(
        [sys.executable, "tools/demo.py", "--zoo", "shapes_cls_r18_adaptive", "--input", *images,
         "--output", str(tmp_path / "out")], cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    assert len(out) == len(images) == 2  # a line per image
    model = model_zoo.get("shapes_cls_r18_adaptive")
    for path, line in zip(images, out):
        image = cv2.imread(path)[:, :, ::-1]  # the classifier reads RGB
        with torch.no_grad():
            logits = model([{"image": torch.as_tensor(image.transpose(2, 0, 1).copy())}])[0]["logits"]
        probability = float(logits.softmax(0).max())
        predicted = SHAPES_CLASSES[int(logits.argmax())]
        assert line.startswith(f"{path}: ") and f"top-1 {predicted} {probability:.0%}" in line
        assert cv2.imread(str(tmp_path / "out" / os.path.basename(path))).shape == (512, 512, 3)  # 32 px at 16x


def test_readme_model_zoo_table_matches_the_manifest():
    from adakd.model_zoo.readme_table import END, START, replace_table

    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    assert replace_table(readme, SHIPPED) == readme, "run tools/zoo_table.py"
    table = readme[readme.index(START):readme.index(END)]  # other README tables name entries too (Deploy)
    for entry in SHIPPED:
        row = next(line for line in table.splitlines() if line.startswith(f"| `{entry['name']}` |"))
        for value in (entry.get("metrics") or {}).values():
            assert f"{value:.2f}" in row


def test_zoo_uri_as_teacher_weights_loads_the_verified_checkpoint():
    from detectron2.config import LazyConfig

    cfg = LazyConfig.load(os.path.join(ROOT, "projects/AdaptiveKD/configs/shapes_adaptive.py"))
    assert cfg.model.teacher_weights == "zoo://shapes_gfl_r101_teacher"
    model = instantiate(cfg.model)
    shipped = torch.load(model_zoo.get_checkpoint("shapes_gfl_r101_teacher"), weights_only=True)["model"]
    for key, value in model.teacher.state_dict().items():
        torch.testing.assert_close(value, shipped[key].to(value.dtype), rtol=0, atol=0, msg=key)
