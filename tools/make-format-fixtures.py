#!/usr/bin/python3
"""make-format-fixtures.py — writes the small .npy/.npz/.safetensors/.json
files under tests/fixtures/formats/ that tests/formats/ reads back, and seeds
the fuzz corpora under tests/fuzz/corpus/<target>/ from them.

.npy and .npz files come from numpy itself (np.save, np.savez,
np.savez_compressed, np.lib.format.write_array); the zip64 .npz and the
.safetensors files are built here with struct and json (a tiny reference
writer: the safetensors package is not available) and checked with Python's
zipfile / numpy where possible. The values are simple formulas that the C
tests recompute. Run from anywhere: python3 tools/make-format-fixtures.py
"""
import contextlib
import io
import json
import os
import shutil
import struct
import time
import zipfile
import zlib

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "formats")
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")


def path(name):
    return os.path.join(OUT, name)


def save_npy(name, arr, version=None):
    if version is None:
        np.save(path(name), arr, allow_pickle=False)
    else:
        with open(path(name), "wb") as f:
            np.lib.format.write_array(f, arr, version=version, allow_pickle=False)


def f64_2x3():
    return np.arange(6, dtype=np.float64).reshape(2, 3) * 0.37 - 2.5


def fortran_3d():
    return np.asfortranarray(np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 0.5 - 3.0)


def write_npy_fixtures():
    save_npy("f64-2x3.npy", f64_2x3())
    save_npy("f32-special.npy", np.array(
        [0.0, -0.0, 1.5, np.inf, -np.inf, np.nan, 1e-45, 3.4028235e38, -1.17549435e-38],
        dtype=np.float32))
    save_npy("f64-special.npy", np.array([1e300, -1e300, 1e-300, 0.1, -2.5e-8], dtype=np.float64))
    save_npy("i64.npy", np.array([-2147483648, 2147483647, 0, -1, 123456789], dtype=np.int64))
    save_npy("i64-big.npy", np.array([1, 2**40], dtype=np.int64))
    save_npy("bool.npy", np.array([True, False, True, True]))
    f = fortran_3d()
    assert f.flags.f_contiguous and not f.flags.c_contiguous
    save_npy("fortran-3d.npy", f)
    f5 = np.asfortranarray(np.arange(48, dtype=np.int32).reshape(2, 3, 1, 2, 4))
    assert f5.flags.f_contiguous and not f5.flags.c_contiguous
    save_npy("fortran-5d-i32.npy", f5)
    save_npy("c-5d-f32.npy", (np.arange(24, dtype=np.float32) * 0.5).reshape(2, 1, 3, 2, 2))
    save_npy("scalar-f64.npy", np.array(3.25))
    save_npy("scalar-i64.npy", np.array(-7, dtype=np.int64))
    save_npy("empty-0x3.npy", np.zeros((0, 3), dtype=np.float32))
    save_npy("u8.npy", np.array([0, 1, 127, 255], dtype=np.uint8))
    save_npy("i8.npy", np.array([-128, -1, 0, 127], dtype=np.int8))
    save_npy("i16.npy", np.array([-32768, 32767, 5], dtype=np.int16))
    save_npy("u16.npy", np.array([0, 65535], dtype=np.uint16))
    save_npy("i32.npy", np.array([-5, 7, 2147483647], dtype=np.int32))
    save_npy("u32.npy", np.array([0, 4294967295], dtype=np.uint32))
    save_npy("u64.npy", np.array([3, 18446744073709551615], dtype=np.uint64))
    save_npy("v2.npy", np.arange(5, dtype=np.float32), version=(2, 0))
    save_npy("v3.npy", np.arange(4, dtype=np.int16) - 2, version=(3, 0))
    # refused: too many axes, big-endian, a record dtype, float16
    save_npy("rank6.npy", np.zeros((1, 1, 1, 1, 1, 2), dtype=np.float32))
    save_npy("f32-big-endian.npy", np.arange(3, dtype=">f4"))
    save_npy("structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
    save_npy("f16.npy", np.arange(3, dtype=np.float16))


def npz_members():
    return {
        "a": f64_2x3(),
        "b": np.array([-3, 0, 40000], dtype=np.int64),
        "c": np.array([[True, False], [False, True]]),
        "f": fortran_3d(),
        "s": np.array(3.25),
    }


def zip64_npz(members):
    """A zip whose central directory uses zip64 everywhere: saturated sizes
    and offsets with a zip64 extra field, a zip64 end record and locator.
    One member stored, the rest deflated."""
    out = io.BytesIO()
    central = []
    for i, (name, arr) in enumerate(members.items()):
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr, allow_pickle=False)
        raw = buf.getvalue()
        fname = (name + ".npy").encode()
        crc = zlib.crc32(raw) & 0xFFFFFFFF
        if i == 0:
            method, packed = 0, raw
        else:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            method, packed = 8, c.compress(raw) + c.flush()
        offset = out.tell()
        extra = struct.pack("<HHQQ", 1, 16, len(raw), len(packed))
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0x21, crc,
                              0xFFFFFFFF, 0xFFFFFFFF, len(fname), len(extra)))
        out.write(fname + extra + packed)
        central.append((fname, method, crc, len(packed), len(raw), offset))
    cd_start = out.tell()
    for fname, method, crc, packed, raw, offset in central:
        extra = struct.pack("<HHQQQ", 1, 24, raw, packed, offset)
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0x21,
                              crc, 0xFFFFFFFF, 0xFFFFFFFF, len(fname), len(extra), 0, 0, 0, 0,
                              0xFFFFFFFF))
        out.write(fname + extra)
    cd_size = out.tell() - cd_start
    z64 = out.tell()
    n = len(central)
    out.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, cd_size, cd_start))
    out.write(struct.pack("<IIQI", 0x07064B50, 0, z64, 1))
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                          0xFFFFFFFF, 0))
    return out.getvalue()


@contextlib.contextmanager
def fixed_clock():
    """np.savez and zipfile stamp members with the current local time: pin
    it, so that every run writes the same bytes."""
    real, tz = time.time, os.environ.get("TZ")
    time.time = lambda: 946684800.0  # 2000-01-01 00:00 UTC
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        time.time = real
        if tz is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = tz
        time.tzset()


def check_npz(name, members):
    with np.load(path(name)) as z:
        assert sorted(z.files) == sorted(members), (name, z.files)
        for k, v in members.items():
            assert z[k].dtype == v.dtype and np.array_equal(z[k], v), (name, k)


def write_npz_fixtures():
    m = npz_members()
    with fixed_clock():
        np.savez(path("savez.npz"), **m)
        np.savez_compressed(path("savez-compressed.npz"), **m)
        # a member that is not .npy: refused
        with zipfile.ZipFile(path("not-npy-member.npz"), "w") as z:
            z.writestr("notes.txt", "hello")
        # an empty archive (np.savez with no arrays): zero arrays, not an error
        np.savez(path("empty.npz"))
    with open(path("zip64.npz"), "wb") as f:
        f.write(zip64_npz(m))
    with zipfile.ZipFile(path("zip64.npz")) as z:
        assert z.testzip() is None
    for name in ("savez.npz", "savez-compressed.npz", "zip64.npz"):
        check_npz(name, m)


# ------------------------------------------------------------- safetensors

ST_SIZES = {"F64": 8, "I64": 8, "F32": 4, "F16": 2, "BF16": 2}


def bf16_bytes(values):
    """Values exactly representable in bfloat16: the top half of float32."""
    f = np.array(values, dtype=np.float32)
    assert np.array_equal((f.view(np.uint32) & 0xFFFF), np.zeros(len(f), dtype=np.uint32))
    return (f.view(np.uint32) >> 16).astype("<u2").tobytes()


def st_tensors():
    return [
        ("dense/kernel", "F32", [3, 4],
         (np.arange(12, dtype=np.float32) * 0.25 - 1.0).astype("<f4").tobytes()),
        ("dense/bias", "F32", [4], np.array([0.5, -0.5, 1e-3, 7], dtype="<f4").tobytes()),
        ("f64", "F64", [2], np.array([0.1, -1e300], dtype="<f8").tobytes()),
        ("f16", "F16", [7],
         np.array([0.5, -2, 65504, 2.0**-24, np.inf, np.nan, -0.0], dtype="<f2").tobytes()),
        ("bf16", "BF16", [3], bf16_bytes([1.0, -3.140625, 2.0**100])),
        ("scalar", "F32", [], np.array(42.5, dtype="<f4").tobytes()),
        ("empty", "F32", [0, 3], b""),
    ]


def st_serialize(tensors, metadata, header_order=None):
    """The layout of the reference writer: tensors sorted by dtype size
    (largest first) then name, data back to back, a compact JSON header
    padded with spaces to a multiple of 8."""
    order = sorted(tensors, key=lambda t: (-ST_SIZES[t[1]], t[0]))
    header, data, offset = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    entries = {}
    for name, dtype, shape, raw in order:
        entries[name] = {"dtype": dtype, "shape": shape,
                         "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        data += raw
    for name in (header_order or [t[0] for t in order]):
        header[name] = entries[name]
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def st_check(blob, tensors):
    """Reads a file back the way the reference reader does."""
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    for name, dtype, shape, raw in tensors:
        b, e = header[name]["data_offsets"]
        assert data[b:e] == raw and header[name]["shape"] == shape, name


def write_safetensors_fixtures():
    t = st_tensors()
    meta = {"format": "pt", "note": "\u00fcn\u00efcode \u2713"}
    blob = st_serialize(t, meta)
    st_check(blob, t)
    with open(path("reference.safetensors"), "wb") as f:
        f.write(blob)
    # header keys in reverse name order (not the data order), no metadata
    blob = st_serialize(t, None, header_order=sorted((x[0] for x in t), reverse=True))
    st_check(blob, t)
    with open(path("reordered.safetensors"), "wb") as f:
        f.write(blob)
    # a dtype this reader refuses
    blob = st_serialize([("ids", "I64", [2], np.array([1, 2], dtype="<i8").tobytes())], None)
    with open(path("i64.safetensors"), "wb") as f:
        f.write(blob)


# ------------------------------------------------------------------- JSON

def write_json_fixtures():
    model = {
        "format": "unroll.model", "version": 1, "name": "mnist_rows",
        "layers": [
            {"name": "pixels", "class": "Input", "shape": [28, 28]},
            {"name": "lstm", "class": "LSTM", "units": 64},
            {"name": "bn", "class": "BatchNormalization"},
            {"name": "logits", "class": "Dense", "units": 10},
        ],
        "outputs": ["logits"],
    }
    with open(path("model.json"), "w") as f:
        json.dump(model, f, indent=2)
        f.write("\n")


# --------------------------------------------------------------- corpora

JSON_SEEDS = {
    "model.json": None,  # copied from the fixture
    "escapes.json": '["a\\"b\\\\c\\/d\\b\\f\\n\\r\\t", "\\u00e9\\ud83d\\ude00", "\u00e9\u2713"]',
    "numbers.json": "[0, -0, 1.5e-3, -2E+10, 123456789012345678901234567890, 1e308, 5e-324]",
    "nested.json": '{"a": {"b": [[], {}, [null, true, false]]}, "c": ""}',
    "safetensors-header.json": None,  # the header of reference.safetensors
}


def seed_corpora():
    for target in ("json", "npy", "npz", "safetensors"):
        d = os.path.join(CORPUS, target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    for name in sorted(os.listdir(OUT)):
        ext = name.rsplit(".", 1)[-1]
        target = {"npy": "npy", "npz": "npz", "safetensors": "safetensors"}.get(ext)
        if target:
            shutil.copy(path(name), os.path.join(CORPUS, target, name))
    d = os.path.join(CORPUS, "json")
    for name, text in JSON_SEEDS.items():
        if name == "model.json":
            shutil.copy(path("model.json"), os.path.join(d, name))
            continue
        if name == "safetensors-header.json":
            with open(path("reference.safetensors"), "rb") as f:
                (n,) = struct.unpack("<Q", f.read(8))
                text = f.read(n).decode()
        with open(os.path.join(d, name), "w") as f:
            f.write(text)


def main():
    os.makedirs(OUT, exist_ok=True)
    write_npy_fixtures()
    write_npz_fixtures()
    write_safetensors_fixtures()
    write_json_fixtures()
    seed_corpora()


if __name__ == "__main__":
    main()
