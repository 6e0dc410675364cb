#!/usr/bin/env python3
"""make-layer-fixtures.py — expected values for tests/layers/ written by an
independent implementation (numpy, Keras 3 formulas) into
tests/layers/layer-fixtures.h. Run from the repository root:

    python3 tools/make-layer-fixtures.py

BatchNormalization (keras/src/layers/normalization/batch_normalization.py):
training uses biased batch moments over every axis but the last; with a mask,
moments over valid steps only, dividing by (count + 1e-7); moving statistics
become moving * momentum + batch * (1 - momentum); inference uses the moving
statistics. Flatten(data_format="channels_first") moves axis 1 last first.
"""
import numpy as np

rng = np.random.default_rng(20240611)
out = []


def emit(name, a):
    a = np.asarray(a, dtype=np.float64).ravel()
    body = ", ".join("%.9g" % v for v in a)
    out.append("static const float %s[%d] = {%s};" % (name, a.size, body))


def bn(x, gamma, beta, mm, mv, momentum, eps, mask=None, training=True):
    F = x.shape[-1]
    xs = x.reshape(-1, F)
    if not training:
        mean, var = mm, mv
        new_mm, new_mv = mm, mv
    else:
        if mask is None:
            mean = xs.mean(axis=0)
            var = ((xs - mean) ** 2).mean(axis=0)
        else:
            w = mask.reshape(-1, 1).astype(np.float64)
            d = w.sum() + 1e-7
            mean = (w * xs).sum(axis=0) / d
            var = (w * (w * xs - mean) ** 2).sum(axis=0) / d
        new_mm = mm * momentum + mean * (1 - momentum)
        new_mv = mv * momentum + var * (1 - momentum)
    y = (xs - mean) / np.sqrt(var + eps) * gamma + beta
    return y.reshape(x.shape), new_mm, new_mv


# BatchNormalization on (6, 4), momentum 0.9, epsilon 0.001
x = rng.normal(1.5, 2.0, size=(6, 4))
gamma = rng.uniform(0.5, 1.5, size=4)
beta = rng.uniform(-1, 1, size=4)
mm = rng.uniform(-0.5, 0.5, size=4)
mv = rng.uniform(0.5, 2.0, size=4)
x, gamma, beta, mm, mv = (np.float32(v).astype(np.float64) for v in (x, gamma, beta, mm, mv))
for n, v in (("bn_x", x), ("bn_gamma", gamma), ("bn_beta", beta), ("bn_mm", mm), ("bn_mv", mv)):
    emit(n, v)
y, nmm, nmv = bn(x, gamma, beta, mm, mv, 0.9, 1e-3)
emit("bn_train_y", y)
emit("bn_train_mm", nmm)
emit("bn_train_mv", nmv)
y, _, _ = bn(x, gamma, beta, mm, mv, 0.9, 1e-3, training=False)
emit("bn_infer_y", y)

# BatchNormalization on a masked (2, 4, 3) batch: padded steps are all zeros
# (as Masking(0.0) leaves them), mask [[1, 1, 1, 0], [1, 1, 0, 0]]
mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]])
xm = np.float32(rng.normal(0.0, 1.5, size=(2, 4, 3))).astype(np.float64)
xm[mask == 0] = 0.0
emit("bnm_x", xm)
y, nmm, nmv = bn(xm, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), 0.99, 1e-3, mask=mask)
emit("bnm_train_y", y)
emit("bnm_train_mm", nmm)
emit("bnm_train_mv", nmv)

# Flatten(data_format="channels_first") on (2, 3, 4)
xf = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
emit("flat_cf_y", np.transpose(xf, (0, 2, 1)).reshape(2, -1))

with open("tests/layers/layer-fixtures.h", "w") as f:
    f.write("/* layer-fixtures.h — expected layer values made by "
            "tools/make-layer-fixtures.py\n * (numpy, Keras 3 formulas). "
            "Do not edit; run the script again. */\n")
    f.write("#ifndef LAYER_FIXTURES_H\n#define LAYER_FIXTURES_H\n\n")
    f.write("\n".join(out) + "\n\n#endif\n")
