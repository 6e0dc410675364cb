#!/usr/bin/python3
"""make-dataset-fixtures.py — writes the small .npz files that tests/datasets/
test-npz.c reads (tests/fixtures/datasets/): well-formed datasets with one and
several inputs, and one file for each mistake the loader must report.

Re-run (numpy needed):  /usr/bin/python3 tools/make-dataset-fixtures.py
The values follow simple formulas (arange) so that the test can recompute them.
"""
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "datasets")


def save(name, compressed=False, **arrays):
    path = os.path.join(OUT, name)
    (np.savez_compressed if compressed else np.savez)(path, **arrays)


def main():
    os.makedirs(OUT, exist_ok=True)
    f32, i64 = np.float32, np.int64

    # one input, one output, validation arrays; float64 and int64 get converted
    save("single.npz",
         x=(np.arange(72, dtype=f32) / 10).reshape(6, 4, 3),
         y=np.arange(6, dtype=i64) % 3,
         x_val=(100 + np.arange(24, dtype=np.float64)).reshape(2, 4, 3),
         y_val=np.array([1, 2], dtype=i64))
    # no validation arrays, deflate-compressed
    save("no-val.npz", compressed=True,
         x=np.arange(10, dtype=f32).reshape(5, 2), y=np.arange(5, dtype=f32).reshape(5, 1))
    # two inputs, two outputs; validation members stored in another order; "meta" is ignored
    save("multi.npz",
         x_tokens=np.arange(35, dtype=np.int32).reshape(5, 7),
         x_extra=(np.arange(15, dtype=f32) * 0.5).reshape(5, 3),
         y_out_a=np.arange(5, dtype=f32).reshape(5, 1),
         y_out_b=np.arange(10, dtype=f32).reshape(5, 2),
         meta=np.array([7], dtype=np.int32),
         x_val_extra=(-np.arange(6, dtype=f32)).reshape(2, 3),
         x_val_tokens=(50 + np.arange(14, dtype=np.int32)).reshape(2, 7),
         y_val_out_b=np.zeros((2, 2), dtype=f32),
         y_val_out_a=np.ones((2, 1), dtype=f32))

    # mistakes
    save("missing-x.npz", inputs=np.zeros((3, 2), f32), labels=np.zeros(3, i64))
    save("missing-y.npz", x=np.zeros((3, 2), f32), weights=np.zeros(3, f32))
    save("count-mismatch.npz", x=np.zeros((6, 2), f32), y=np.zeros(5, i64))
    save("multi-count-mismatch.npz", x_a=np.zeros((6, 2), f32), x_b=np.zeros((4, 2), f32),
         y=np.zeros(6, i64))
    save("val-count-mismatch.npz", x=np.zeros((6, 2), f32), y=np.zeros(6, i64),
         x_val=np.zeros((2, 2), f32), y_val=np.zeros(3, i64))
    save("x-val-only.npz", x=np.zeros((6, 2), f32), y=np.zeros(6, i64),
         x_val=np.zeros((2, 2), f32))
    save("y-val-only.npz", x=np.zeros((6, 2), f32), y=np.zeros(6, i64),
         y_val=np.zeros(2, i64))
    save("val-shape-mismatch.npz", x=np.zeros((6, 4, 3), f32), y=np.zeros(6, i64),
         x_val=np.zeros((2, 4, 2), f32), y_val=np.zeros(2, i64))
    save("val-dtype-mismatch.npz", x=np.zeros((6, 2), f32), y=np.zeros(6, i64),
         x_val=np.zeros((2, 2), np.int32), y_val=np.zeros(2, i64))
    save("mixed-naming.npz", x=np.zeros((3, 2), f32), x_b=np.zeros((3, 2), f32),
         y=np.zeros(3, i64))
    save("multi-missing-val.npz", x_a=np.zeros((3, 2), f32), x_b=np.zeros((3, 2), f32),
         y=np.zeros(3, i64), x_val_a=np.zeros((1, 2), f32), y_val=np.zeros(1, i64))
    save("stray-val.npz", x_a=np.zeros((3, 2), f32), y=np.zeros(3, i64),
         x_val_a=np.zeros((1, 2), f32), x_val_c=np.zeros((1, 2), f32), y_val=np.zeros(1, i64))
    save("scalar-x.npz", x=np.float32(3), y=np.zeros(1, i64))
    save("empty.npz", x=np.zeros((0, 3), f32), y=np.zeros(0, i64))
    with open(os.path.join(OUT, "not-a-zip.npz"), "w") as f:
        f.write("x,y\n1,2\n")


if __name__ == "__main__":
    main()
