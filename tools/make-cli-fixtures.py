#!/usr/bin/python3
"""make-cli-fixtures.py — writes the small .npz datasets that tests/cli/train.sh
trains on (committed under tests/cli/fixtures/). Run once from the source root:

    /usr/bin/python3 tools/make-cli-fixtures.py

merge.npz       x_a, x_b (16, 6, 4) float32 and y_out (16, 3), y_summed (16, 8) for
                tests/cli/models/merge.json (two inputs, two outputs)
merge-wrong.npz the same with x_c in place of x_b (a name the model does not have)
tokens.npz      x (12, 5) float64 token ids (whole numbers) and y (12, 1) 0/1 labels for
                data/examples/sentiment.json: floats given to an int32 Input are converted
"""
import numpy as np

rng = np.random.default_rng(20240601)
out = "tests/cli/fixtures/"

x_a = rng.standard_normal((16, 6, 4)).astype(np.float32)
x_b = rng.standard_normal((16, 6, 4)).astype(np.float32)
y_out = rng.standard_normal((16, 3)).astype(np.float32)
y_summed = rng.standard_normal((16, 8)).astype(np.float32)
np.savez(out + "merge.npz", x_a=x_a, x_b=x_b, y_out=y_out, y_summed=y_summed)
np.savez(out + "merge-wrong.npz", x_a=x_a, x_c=x_b, y_out=y_out, y_summed=y_summed)

tokens = rng.integers(0, 50, size=(12, 5)).astype(np.float64)
labels = rng.integers(0, 2, size=(12, 1)).astype(np.float32)
np.savez(out + "tokens.npz", x=tokens, y=labels)
