"""Loading MedMNIST files, and downloading them from a server on 127.0.0.1."""

import hashlib
import http.server
import shutil
import socket
import threading

import numpy as np
import pytest

from medguide import (
    ChecksumWarning,
    DatasetNotFoundError,
    data_dir,
    dataset_info,
    download_medmnist,
    load_split,
    load_splits,
)
from medguide.data import DATA_DIR_ENV

from ..conftest import DATA_DIR


@pytest.fixture
def breast_file():
    return DATA_DIR / "breastmnist.npz"


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b""
    declared_length = None  # a larger Content-Length than the body simulates a broken connection
    status = 200

    def do_GET(self):  # noqa: N802 - name fixed by http.server
        if self.status != 200:
            self.send_error(self.status)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(self.declared_length or len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """Serve one body from 127.0.0.1 with settings a test can change; yield (handler, url)."""
    handler = type("Handler", (_Handler,), {})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}/breastmnist.npz"
    httpd.shutdown()
    httpd.server_close()


def test_load_split_shapes_and_labels(breast_file):
    with pytest.warns(ChecksumWarning, match="known rebuilt copy"):
        test = load_split("breastmnist", "test", root=breast_file.parent)
    assert test.images.shape == (156, 28, 28)
    assert test.images.dtype == np.uint8
    assert test.labels.shape == (156,)
    assert test.class_counts() == {"malignant": 42, "normal, benign": 114}
    assert test.info.label_names == {0: "malignant", 1: "normal, benign"}
    assert test.info.licence == "CC BY 4.0"


def test_load_splits_official_sizes(monkeypatch, breast_file):
    monkeypatch.setenv(DATA_DIR_ENV, str(breast_file.parent))
    with pytest.warns(ChecksumWarning) as record:
        splits = load_splits("pneumoniamnist")
    assert len(record) == 1, "one warning for the file, not one per split"
    assert {name: len(split) for name, split in splits.items()} == {"train": 4708, "val": 524, "test": 624}
    assert splits["test"].info.label_names == {0: "normal", 1: "pneumonia"}


def test_unknown_file_warns_without_error(tmp_path, breast_file):
    copy = tmp_path / "breastmnist.npz"
    copy.write_bytes(breast_file.read_bytes() + b"\0")  # np.load ignores trailing bytes
    with pytest.warns(ChecksumWarning, match="delete it to download the official file"):
        split = load_split("breastmnist", "val", root=tmp_path)
    assert len(split) == 78


def test_data_dir_order(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"
    assert data_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.setenv(DATA_DIR_ENV, "")
    assert data_dir().name == ".medmnist"


def test_bad_arguments_name_the_value():
    with pytest.raises(ValueError, match="unknown MedMNIST dataset 'breastmnst'"):
        dataset_info("breastmnst")
    with pytest.raises(ValueError, match=r"`split` must be one of .* got 'validation'"):
        load_split("breastmnist", "validation")
    with pytest.raises(ValueError, match=r"`size` must be one of \[28, 64, 128, 224\] pixels, got 32"):
        dataset_info("breastmnist").url(32)


def test_missing_file_without_download(tmp_path):
    with pytest.raises(DatasetNotFoundError) as caught:
        load_split("breastmnist", "test", root=tmp_path, download=False)
    message = str(caught.value)
    assert "breastmnist.npz" in message
    assert str(tmp_path) in message
    assert DATA_DIR_ENV in message
    assert "https://zenodo.org/records/10519652/files/breastmnist.npz" in message
    assert "download=True" in message


def test_download_success(server, tmp_path, breast_file):
    handler, url = server
    handler.body = breast_file.read_bytes()
    md5 = hashlib.md5(handler.body).hexdigest()
    path = download_medmnist("breastmnist", root=tmp_path / "new", url=url, md5=md5, progress=False)
    assert path == tmp_path / "new" / "breastmnist.npz"
    assert path.read_bytes() == handler.body
    assert list(path.parent.iterdir()) == [path], "no temporary file is left"


def test_download_checksum_mismatch_keeps_nothing(server, tmp_path, breast_file):
    handler, url = server
    handler.body = breast_file.read_bytes()
    with pytest.raises(DatasetNotFoundError, match="has MD5 2be00386.*expected 0{32}.*deleted"):
        download_medmnist("breastmnist", root=tmp_path, url=url, md5="0" * 32, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_download_broken_connection_keeps_nothing(server, tmp_path):
    handler, url = server
    handler.body = b"x" * 1000
    handler.declared_length = 5000
    with pytest.raises(DatasetNotFoundError, match="try again"):
        download_medmnist("breastmnist", root=tmp_path, url=url, md5="0" * 32, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_download_http_error_is_not_called_offline(server, tmp_path):
    handler, url = server
    handler.status = 404
    with pytest.raises(DatasetNotFoundError, match="server answered HTTP 404") as caught:
        download_medmnist("breastmnist", root=tmp_path, url=url, progress=False)
    assert "offline" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_download_unreachable_server(tmp_path):
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/breastmnist.npz"
    with pytest.raises(DatasetNotFoundError) as caught:
        download_medmnist("breastmnist", root=tmp_path, url=url, progress=False, timeout=5)
    message = str(caught.value)
    assert "could not be reached" in message
    assert "breastmnist.npz" in message
    assert str(tmp_path) in message
    assert DATA_DIR_ENV in message
    assert url in message
    assert list(tmp_path.iterdir()) == []


def test_download_unwritable_folder_is_not_a_network_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DatasetNotFoundError, match="could not be created or written") as caught:
        download_medmnist("breastmnist", root=blocker / "data", progress=False)
    message = str(caught.value)
    for network_word in ["network", "offline", "reached"]:
        assert network_word not in message


def test_load_downloads_missing_file(server, tmp_path, breast_file, monkeypatch):
    handler, url = server
    handler.body = breast_file.read_bytes()
    info = dataset_info("breastmnist")
    # Point the official URL and MD5 at the local server and the offline copy.
    monkeypatch.setitem(info._urls, 28, url)
    monkeypatch.setattr("medguide.data.dataset_info", lambda name: info)
    monkeypatch.setitem(info._md5, 28, hashlib.md5(handler.body).hexdigest())
    split = load_split("breastmnist", "train", root=tmp_path)
    assert len(split) == 546
    assert (tmp_path / "breastmnist.npz").is_file()


def test_load_through_medmnist_matches_npz(tmp_path, breast_file):
    shutil.copy(breast_file, tmp_path / "breastmnist.npz")
    with pytest.warns(ChecksumWarning):
        split = load_split("breastmnist", "train", root=tmp_path)
    with np.load(breast_file) as raw:
        assert np.array_equal(split.images, raw["train_images"])
        assert np.array_equal(split.labels, raw["train_labels"][:, 0])
