#!/usr/bin/env python3
"""make-rnn-fixtures.py — forward/backward fixtures for tests/rnn/test-parity.c,
computed with PyTorch 1.13 (nn.LSTM, nn.GRU, nn.RNN in float64) from Keras-layout
weights converted as rnn-reference.md §3.3. Run from the repository root:

    /usr/bin/python3 tools/make-rnn-fixtures.py

For every case it writes tests/fixtures/rnn/<case>.json (the model file) and
tests/fixtures/rnn/<case>.npz with these members:

    x                    the input (B, T, I), float32 values
    <layer>__<weight>    each weight in Keras layout; '/' in the weight name
                         "<layer>/<weight>" becomes "__" ("bi/forward/kernel"
                         -> "bi__forward__kernel")
    y_<k>                expected model output k (float64)
    dy_<k>               upstream gradient d(loss)/d(output k), float32 values
    dx                   expected d(loss)/dx (float64)
    d_<layer>__<weight>  expected d(loss)/d(weight), Keras layout (float64)

with loss = sum_k sum(y_k * dy_k). Inputs, weights and dy are rounded to
float32 first, so the float64 reference is exact for what the engine reads.

Conversion (Keras -> PyTorch, gradients map back the same way):
  LSTM       W_ih = K^T, W_hh = R^T, b_ih = b, b_hh = 0;  dK = dW_ih^T, db = db_ih
  GRU        blocks z,r,h -> r,z,h (P swaps the first two), W_ih = P(K)^T,
             W_hh = P(R)^T, b_ih = P(bias[0]), b_hh = P(bias[1])
  SimpleRNN  nn.RNN(tanh), W_ih = K^T, W_hh = R^T, b_ih = b, b_hh = 0
Keras semantics that PyTorch lacks are built around it explicitly:
go_backwards (run on the time-flipped input, outputs stay in processing
order), masks (pack_padded_sequence for the valid part; masked steps repeat
the previous output, or are zero inside Bidirectional).

Self-checks before anything is written: every case's outputs are recomputed
with the Keras generic loop written out in numpy (rnn-reference.md §1-§2) and
every gradient entry is compared with central differences of that numpy
model; the script stops if any disagrees.

    /usr/bin/python3 tools/make-rnn-fixtures.py --mutate NAME --out DIR

writes deliberately wrong fixtures instead (no self-check), to show that
tests/rnn/test-parity DIR fails on each kind of mistake; NAME is one of
MUTATIONS below.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.set_default_dtype(torch.float64)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "fixtures", "rnn")
rng = np.random.default_rng(20240613)

GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}

# Wrong conventions for --mutate: each builds the reference the way a buggy
# engine (or a buggy conversion) would.
MUTATIONS = {
    "lstm-gate-order": "LSTM read as i,f,o,c (the ROCm order)",
    "lstm-bias-twice": "LSTM bias added on both the input and the recurrent side",
    "gru-no-swap": "GRU weights copied without swapping z and r",
    "gru-bias-rows": "GRU input and recurrent bias rows exchanged",
    "simple-rnn-transposed": "SimpleRNN recurrent kernel used untransposed",
    "bidirectional-unflipped": "Bidirectional backward sequence left in processing order",
    "go-backwards-input-order": "go_backwards outputs flipped back into input order",
    "masked-zero-outputs": "masked steps output zero instead of repeating the last output",
}
MUTATE = None


def f32(shape, scale):
    """U(-scale, scale) rounded to float32, held as float64."""
    return rng.uniform(-scale, scale, size=shape).astype(np.float32).astype(np.float64)


def make_input(B, T, I, lengths=None):
    x = f32((B, T, I), 1.0)
    mask = np.ones((B, T), dtype=bool)
    if lengths is not None:
        for b, n in enumerate(lengths):
            x[b, n:] = 0.0
            mask[b, n:] = False
    return x, mask


# ------------------------------------------------------------ Keras weights

def keras_weights(kind, I, U, prefix):
    G = GATES[kind]
    w = {prefix + "/kernel": f32((I, G * U), 0.6),
         prefix + "/recurrent_kernel": f32((U, G * U), 0.6)}
    w[prefix + "/bias"] = f32((2, G * U) if kind == "GRU" else (G * U,), 0.5)
    return w


def weight_set(*layers):
    """Keras weights of several layers, each given as (kind, I, U, prefix)."""
    W = {}
    for kind, I, U, prefix in layers:
        W.update(keras_weights(kind, I, U, prefix))
    return W


def swap_blocks(a, U, i, j):
    """A copy of a with gate blocks i and j of the last axis exchanged."""
    a = np.array(a)
    t = a[..., i * U:(i + 1) * U].copy()
    a[..., i * U:(i + 1) * U] = a[..., j * U:(j + 1) * U]
    a[..., j * U:(j + 1) * U] = t
    return a


def swap_zr(a, U):
    """P: swaps the first two gate blocks of the last axis (z,r <-> r,z)."""
    return a.copy() if MUTATE == "gru-no-swap" else swap_blocks(a, U, 0, 1)


def torch_module(kind, I, U, bidirectional=False):
    if kind == "LSTM":
        m = nn.LSTM(I, U, batch_first=True, bidirectional=bidirectional)
    elif kind == "GRU":
        m = nn.GRU(I, U, batch_first=True, bidirectional=bidirectional)
    else:
        m = nn.RNN(I, U, nonlinearity="tanh", batch_first=True, bidirectional=bidirectional)
    return m.double()


def load_torch(m, kind, W, prefix, U, suffix=""):
    """Copies Keras-layout weights W[prefix/...] into direction `suffix` of m."""
    K = W[prefix + "/kernel"]
    R = W[prefix + "/recurrent_kernel"]
    b = W[prefix + "/bias"]
    if kind == "GRU":
        w_ih, w_hh = swap_zr(K, U).T, swap_zr(R, U).T
        b_ih, b_hh = swap_zr(b[0], U), swap_zr(b[1], U)
        if MUTATE == "gru-bias-rows":
            b_ih, b_hh = b_hh, b_ih
    else:
        if kind == "LSTM" and MUTATE == "lstm-gate-order":
            K, R, b = (swap_blocks(a, U, 2, 3) for a in (K, R, b))
        w_ih, w_hh, b_ih, b_hh = K.T, R.T, b, np.zeros_like(b)
        if kind == "LSTM" and MUTATE == "lstm-bias-twice":
            b_hh = b
        if kind == "SimpleRNN" and MUTATE == "simple-rnn-transposed":
            w_hh = R
    with torch.no_grad():
        for name, v in (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih),
                        ("bias_hh", b_hh)):
            getattr(m, name + "_l0" + suffix).copy_(torch.from_numpy(np.ascontiguousarray(v)))


def torch_grads(m, kind, prefix, U, suffix=""):
    """PyTorch gradients of direction `suffix` back in Keras layout."""
    g = {n: getattr(m, n + "_l0" + suffix).grad.numpy().copy()
         for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    if kind == "GRU":
        return {prefix + "/kernel": swap_zr(g["weight_ih"].T, U),
                prefix + "/recurrent_kernel": swap_zr(g["weight_hh"].T, U),
                prefix + "/bias": np.stack([swap_zr(g["bias_ih"], U), swap_zr(g["bias_hh"], U)])}
    # b = b_ih + b_hh enters both sums the same way: the two gradients agree.
    assert np.allclose(g["bias_ih"], g["bias_hh"], rtol=0, atol=1e-14)
    return {prefix + "/kernel": g["weight_ih"].T.copy(),
            prefix + "/recurrent_kernel": g["weight_hh"].T.copy(),
            prefix + "/bias": g["bias_ih"]}


# -------------------------------------------- Keras generic loop in numpy

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def keras_cell(kind, W, prefix, U):
    """(n_states, step(x_t, states) -> (output, new states)), rnn-reference §1."""
    K = W[prefix + "/kernel"]
    R = W[prefix + "/recurrent_kernel"]
    b = W[prefix + "/bias"]

    def blk(a, g):
        return a[:, g * U:(g + 1) * U]

    if kind == "LSTM":
        def step(x, s):
            z = x @ K + s[0] @ R + b
            i, f, o = sigmoid(blk(z, 0)), sigmoid(blk(z, 1)), sigmoid(blk(z, 3))
            c = f * s[1] + i * np.tanh(blk(z, 2))
            h = o * np.tanh(c)
            return h, [h, c]
        return 2, step
    if kind == "GRU":  # reset_after=True
        def step(x, s):
            a = x @ K + b[0]
            q = s[0] @ R + b[1]
            z = sigmoid(blk(a, 0) + blk(q, 0))
            r = sigmoid(blk(a, 1) + blk(q, 1))
            hh = np.tanh(blk(a, 2) + r * blk(q, 2))
            h = z * s[0] + (1.0 - z) * hh
            return h, [h]
        return 1, step

    def step(x, s):
        h = np.tanh(x @ K + b + s[0] @ R)
        return h, [h]
    return 1, step


def keras_loop(kind, W, prefix, U, x, mask, go_backwards=False, zero_output_for_mask=False):
    """The generic Keras RNN loop: (outputs in processing order (B,T,U), final states)."""
    B, T, _ = x.shape
    n_states, step = keras_cell(kind, W, prefix, U)
    states = [np.zeros((B, U)) for _ in range(n_states)]
    prev = np.zeros((B, U))
    outs = []
    for t in (range(T - 1, -1, -1) if go_backwards else range(T)):
        out, new = step(x[:, t], states)
        m = mask[:, t][:, None]
        states = [np.where(m, n, s) for n, s in zip(new, states)]
        out = np.where(m, out, 0.0 if zero_output_for_mask else prev)
        outs.append(out)
        prev = out
    return np.stack(outs, axis=1), states


def keras_layer(kind, W, prefix, U, x, mask, return_sequences=False, return_state=False,
                go_backwards=False, zero_output_for_mask=False):
    seq, states = keras_loop(kind, W, prefix, U, x, mask, go_backwards, zero_output_for_mask)
    y = seq if return_sequences else seq[:, -1]
    return [y] + (states if return_state else [])


def keras_bidirectional(kind, W, prefix, U, x, mask, return_sequences, return_state, merge):
    # Keras forces zero_output_for_mask = return_sequences on both copies.
    fw = keras_layer(kind, W, prefix + "/forward", U, x, mask, return_sequences, return_state,
                     False, return_sequences)
    bw = keras_layer(kind, W, prefix + "/backward", U, x, mask, return_sequences, return_state,
                     True, return_sequences)
    yb = bw[0][:, ::-1] if return_sequences else bw[0]
    y = np.concatenate([fw[0], yb], axis=-1) if merge == "concat" else fw[0] + yb
    return [y] + fw[1:] + bw[1:]


# ------------------------------------------------------------------ cases
#
# Each case: the model document, the input (and mask), the Keras weights, a
# PyTorch reference ref(x, W) -> (outputs, grads_fn) and the numpy Keras model
# keras(x, W, mask) -> outputs.

def model_doc(name, I, T, layers, outputs):
    return {"format": "unroll.model", "version": 1, "name": name,
            "layers": [{"name": "x", "class": "Input", "shape": [T, I]}] + layers,
            "outputs": outputs}


def single(kind, U, return_sequences=False, return_state=False, go_backwards=False):
    """One layer named after its kind on the raw input, no mask."""
    name = {"LSTM": "lstm", "GRU": "gru", "SimpleRNN": "rnn"}[kind]

    def ref(x, W):
        I = x.shape[-1]
        m = torch_module(kind, I, U)
        load_torch(m, kind, W, name, U)
        xin = x.flip(1) if go_backwards else x  # outputs in processing order
        out, st = m(xin)
        y = out if return_sequences else out[:, -1]
        if go_backwards and return_sequences and MUTATE == "go-backwards-input-order":
            y = y.flip(1)
        ys = [y]
        if return_state:
            ys += [st[0][0], st[1][0]] if kind == "LSTM" else [st[0]]
        return ys, lambda: torch_grads(m, kind, name, U)

    def keras(x, W, mask):
        return keras_layer(kind, W, name, U, x, mask, return_sequences, return_state,
                           go_backwards)

    spec = {"name": name, "class": kind, "units": U}
    if return_sequences:
        spec["return_sequences"] = True
    if return_state:
        spec["return_state"] = True
    if go_backwards:
        spec["go_backwards"] = True
    n_out = 1 + ((2 if kind == "LSTM" else 1) if return_state else 0)
    outputs = [name] + ["%s:%d" % (name, k) for k in range(1, n_out)]
    return name, spec, outputs, ref, keras


def case_single(case, kind, B, T, I, U, **kw):
    name, spec, outputs, ref, keras = single(kind, U, **kw)
    x, mask = make_input(B, T, I)
    W = keras_weights(kind, I, U, name)
    return dict(case=case, doc=model_doc(case, I, T, [spec], outputs), x=x, mask=mask, W=W,
                ref=ref, keras=keras)


def case_bidirectional(case, kind, B, T, I, U, return_sequences, return_state=False,
                       merge="concat"):
    x, mask = make_input(B, T, I)
    W = weight_set((kind, I, U, "bi/forward"), (kind, I, U, "bi/backward"))

    def ref(xt, Wd):
        m = torch_module(kind, I, U, bidirectional=True)
        load_torch(m, kind, Wd, "bi/forward", U)
        load_torch(m, kind, Wd, "bi/backward", U, "_reverse")
        out, st = m(xt)
        # PyTorch's reverse direction at time t has consumed x[T-1..t]: that
        # is Keras's y_rev flipped back into input order.
        if return_sequences:
            yf, yb = out[..., :U], out[..., U:]
            if MUTATE == "bidirectional-unflipped":
                yb = yb.flip(1)
        else:  # forward after x[T-1]; backward after x[0]
            yf, yb = out[:, -1, :U], out[:, 0, U:]
        y = torch.cat([yf, yb], dim=-1) if merge == "concat" else yf + yb
        ys = [y]
        if return_state:
            if kind == "LSTM":
                ys += [st[0][0], st[1][0], st[0][1], st[1][1]]
            else:
                ys += [st[0], st[1]]

        def grads():
            g = torch_grads(m, kind, "bi/forward", U)
            g.update(torch_grads(m, kind, "bi/backward", U, "_reverse"))
            return g
        return ys, grads

    def keras(xn, Wd, mk):
        return keras_bidirectional(kind, Wd, "bi", U, xn, mk, return_sequences, return_state,
                                   merge)

    inner = {"class": kind, "units": U}
    if return_sequences:
        inner["return_sequences"] = True
    if return_state:
        inner["return_state"] = True
    spec = {"name": "bi", "class": "Bidirectional", "layer": inner}
    if merge != "concat":
        spec["merge_mode"] = merge
    n_out = 1 + (2 * (2 if kind == "LSTM" else 1) if return_state else 0)
    outputs = ["bi"] + ["bi:%d" % k for k in range(1, n_out)]
    return dict(case=case, doc=model_doc(case, I, T, [spec], outputs), x=x, mask=mask, W=W,
                ref=ref, keras=keras)


def case_stacked(case, B, T, I, U1, U2):
    x, mask = make_input(B, T, I)
    W = weight_set(("LSTM", I, U1, "lstm"), ("GRU", U1, U2, "gru"))

    def ref(xt, Wd):
        m1 = torch_module("LSTM", I, U1)
        m2 = torch_module("GRU", U1, U2)
        load_torch(m1, "LSTM", Wd, "lstm", U1)
        load_torch(m2, "GRU", Wd, "gru", U2)
        h1, _ = m1(xt)
        h2, _ = m2(h1)

        def grads():
            g = torch_grads(m1, "LSTM", "lstm", U1)
            g.update(torch_grads(m2, "GRU", "gru", U2))
            return g
        return [h2[:, -1]], grads

    def keras(xn, Wd, mk):
        s = keras_layer("LSTM", Wd, "lstm", U1, xn, mk, return_sequences=True)[0]
        return keras_layer("GRU", Wd, "gru", U2, s, mk)

    layers = [{"name": "lstm", "class": "LSTM", "units": U1, "return_sequences": True},
              {"name": "gru", "class": "GRU", "units": U2}]
    return dict(case=case, doc=model_doc(case, I, T, layers, ["gru"]), x=x, mask=mask, W=W,
                ref=ref, keras=keras)


def keras_positions(y_packed, lengths, T):
    """Keras return_sequences under right padding: step t >= len repeats the
    output of step len-1 (index gather, so gradients flow to it)."""
    if MUTATE == "masked-zero-outputs":
        return y_packed
    idx = torch.tensor([[min(t, n - 1) for t in range(T)] for n in lengths])
    return torch.gather(y_packed, 1, idx[:, :, None].expand(-1, -1, y_packed.shape[-1]))


def case_masked(case, T, I, U, lengths):
    B = len(lengths)
    x, mask = make_input(B, T, I, lengths)
    W = weight_set(("LSTM", I, U, "lstm"), ("GRU", I, U, "gru"))
    lens = torch.tensor(lengths)

    def ref(xt, Wd):
        ml = torch_module("LSTM", I, U)
        mg = torch_module("GRU", I, U)
        load_torch(ml, "LSTM", Wd, "lstm", U)
        load_torch(mg, "GRU", Wd, "gru", U)
        pk = pack_padded_sequence(xt, lens, batch_first=True, enforce_sorted=False)
        _, (h, _) = ml(pk)           # the state at each row's last valid step
        og, _ = mg(pk)
        og, _ = pad_packed_sequence(og, batch_first=True, total_length=T)

        def grads():
            g = torch_grads(ml, "LSTM", "lstm", U)
            g.update(torch_grads(mg, "GRU", "gru", U))
            return g
        return [h[0], keras_positions(og, lengths, T)], grads

    def keras(xn, Wd, mk):
        xm = xn * mk[:, :, None]  # Masking zeroes the masked feature vectors
        return (keras_layer("LSTM", Wd, "lstm", U, xm, mk)
                + keras_layer("GRU", Wd, "gru", U, xm, mk, return_sequences=True))

    layers = [{"name": "mask", "class": "Masking", "mask_value": 0.0},
              {"name": "lstm", "class": "LSTM", "units": U, "inputs": ["mask"]},
              {"name": "gru", "class": "GRU", "units": U, "return_sequences": True,
               "inputs": ["mask"]}]
    return dict(case=case, doc=model_doc(case, I, T, layers, ["lstm", "gru"]), x=x, mask=mask,
                W=W, ref=ref, keras=keras)


def case_masked_bidirectional(case, T, I, U, lengths):
    B = len(lengths)
    x, mask = make_input(B, T, I, lengths)
    W = weight_set(("GRU", I, U, "bi/forward"), ("GRU", I, U, "bi/backward"))
    lens = torch.tensor(lengths)

    def ref(xt, Wd):
        m = torch_module("GRU", I, U, bidirectional=True)
        load_torch(m, "GRU", Wd, "bi/forward", U)
        load_torch(m, "GRU", Wd, "bi/backward", U, "_reverse")
        pk = pack_padded_sequence(xt, lens, batch_first=True, enforce_sorted=False)
        o, _ = m(pk)
        # Padded steps are zero in both halves, as Keras's Bidirectional has them
        # (zero_output_for_mask); the reverse direction starts at len-1.
        o, _ = pad_packed_sequence(o, batch_first=True, total_length=T)
        if MUTATE == "bidirectional-unflipped":
            o = torch.cat([o[..., :U], o[..., U:].flip(1)], dim=-1)

        def grads():
            g = torch_grads(m, "GRU", "bi/forward", U)
            g.update(torch_grads(m, "GRU", "bi/backward", U, "_reverse"))
            return g
        return [o], grads

    def keras(xn, Wd, mk):
        xm = xn * mk[:, :, None]
        return keras_bidirectional("GRU", Wd, "bi", U, xm, mk, True, False, "concat")

    layers = [{"name": "mask", "class": "Masking", "mask_value": 0.0},
              {"name": "bi", "class": "Bidirectional",
               "layer": {"class": "GRU", "units": U, "return_sequences": True}}]
    return dict(case=case, doc=model_doc(case, I, T, layers, ["bi"]), x=x, mask=mask, W=W,
                ref=ref, keras=keras)


def case_masked_go_backwards(case, T, I, U, lengths):
    """Masking -> GRU(go_backwards, return_sequences): the padded tail is read
    first with the state frozen at zero and outputs repeating the initial zero;
    then x[len-1] .. x[0]."""
    B = len(lengths)
    x, mask = make_input(B, T, I, lengths)
    W = keras_weights("GRU", I, U, "gru")

    def ref(xt, Wd):
        m = torch_module("GRU", I, U)
        load_torch(m, "GRU", Wd, "gru", U)
        rows = []
        for b, n in enumerate(lengths):
            o, _ = m(xt[b:b + 1, :n].flip(1))
            rows.append(torch.cat([torch.zeros(1, T - n, U), o], dim=1))
        y = torch.cat(rows, dim=0)
        if MUTATE == "go-backwards-input-order":
            y = y.flip(1)
        return [y], lambda: torch_grads(m, "GRU", "gru", U)

    def keras(xn, Wd, mk):
        return keras_layer("GRU", Wd, "gru", U, xn * mk[:, :, None], mk, return_sequences=True,
                           go_backwards=True)

    layers = [{"name": "mask", "class": "Masking", "mask_value": 0.0},
              {"name": "gru", "class": "GRU", "units": U, "return_sequences": True,
               "go_backwards": True}]
    return dict(case=case, doc=model_doc(case, I, T, layers, ["gru"]), x=x, mask=mask, W=W,
                ref=ref, keras=keras)


CASES = [
    case_single("lstm-sequences", "LSTM", 3, 5, 3, 4, return_sequences=True),
    case_single("lstm-last-state", "LSTM", 3, 5, 3, 4, return_state=True),
    case_single("gru-sequences", "GRU", 3, 5, 3, 4, return_sequences=True),
    case_single("simple-rnn", "SimpleRNN", 3, 5, 3, 4, return_sequences=True),
    case_bidirectional("bidirectional-lstm", "LSTM", 3, 5, 3, 4, return_sequences=True),
    case_stacked("stacked-lstm-gru", 3, 5, 3, 4, 3),
    case_masked("masked-lstm-gru", 5, 3, 4, [5, 3, 1, 4]),
    case_single("lstm-go-backwards", "LSTM", 3, 5, 3, 4, return_sequences=True,
                go_backwards=True),
    case_masked_bidirectional("masked-bidirectional-gru", 5, 3, 4, [5, 3, 1, 4]),
    case_bidirectional("bidirectional-lstm-state-sum", "LSTM", 3, 5, 3, 4,
                       return_sequences=False, return_state=True, merge="sum"),
    case_masked_go_backwards("masked-gru-go-backwards", 5, 3, 4, [5, 2, 4]),
]


# ---------------------------------------------------------------- running

def reference(c):
    """PyTorch outputs, dy, and the loss gradients in Keras layout."""
    xt = torch.from_numpy(c["x"]).requires_grad_(True)
    ys, grads = c["ref"](xt, c["W"])
    dys = [f32(tuple(y.shape), 1.0) for y in ys]
    loss = sum((y * torch.from_numpy(d)).sum() for y, d in zip(ys, dys))
    loss.backward()
    return [y.detach().numpy().copy() for y in ys], dys, xt.grad.numpy().copy(), grads()


def numpy_loss(c, x, W, dys):
    return sum(float((y * d).sum()) for y, d in zip(c["keras"](x, W, c["mask"]), dys))


def self_check(c, ys, dys, dx, dW):
    """PyTorch against the numpy Keras loop: outputs, then every gradient entry
    against central differences."""
    kys = c["keras"](c["x"], c["W"], c["mask"])
    assert len(kys) == len(ys), (c["case"], len(kys), len(ys))
    worst_y = 0.0
    for k, (a, b) in enumerate(zip(ys, kys)):
        assert a.shape == b.shape, (c["case"], k, a.shape, b.shape)
        worst_y = max(worst_y, np.abs(a - b).max())
    if worst_y > 1e-12:
        sys.exit("%s: PyTorch and the numpy Keras loop differ by %g" % (c["case"], worst_y))
    eps = 1e-6
    worst_g = 0.0
    items = [("x", c["x"], dx)] + [(n, c["W"][n], dW[n]) for n in sorted(c["W"])]
    for name, v, g in items:
        assert g.shape == v.shape, (c["case"], name, g.shape, v.shape)
        num = np.zeros_like(v)
        for j in np.ndindex(v.shape):
            v0 = v[j]
            v[j] = v0 + eps
            lp = numpy_loss(c, c["x"], c["W"], dys)
            v[j] = v0 - eps
            lm = numpy_loss(c, c["x"], c["W"], dys)
            v[j] = v0
            num[j] = (lp - lm) / (2 * eps)
        err = np.abs(num - g).max() / max(1e-6, np.abs(g).max())
        worst_g = max(worst_g, err)
        if err > 1e-7:
            sys.exit("%s: gradient of %s differs from central differences by %g"
                     % (c["case"], name, err))
    return worst_y, worst_g


def member(name):
    return name.replace("/", "__")


def write_doc(path, doc):
    """One layer per line, like data/examples/."""
    lines = ["{",
             '  "format": "unroll.model",',
             '  "version": 1,',
             '  "name": %s,' % json.dumps(doc["name"]),
             '  "layers": [']
    lines.append(",\n".join("    " + json.dumps(l) for l in doc["layers"]))
    lines.append("  ],")
    lines.append('  "outputs": %s' % json.dumps(doc["outputs"]))
    lines.append("}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    global MUTATE
    ap = argparse.ArgumentParser(description="Writes the PyTorch parity fixtures.")
    ap.add_argument("--mutate", choices=sorted(MUTATIONS),
                    help="write fixtures with this deliberate mistake (needs --out)")
    ap.add_argument("--out", default=OUT, help="output folder (default tests/fixtures/rnn)")
    args = ap.parse_args()
    if args.mutate and os.path.abspath(args.out) == os.path.abspath(OUT):
        sys.exit("--mutate needs an --out folder other than tests/fixtures/rnn")
    MUTATE = args.mutate
    os.makedirs(args.out, exist_ok=True)
    for c in CASES:
        ys, dys, dx, dW = reference(c)
        if MUTATE:
            wy = wg = float("nan")
        else:
            wy, wg = self_check(c, ys, dys, dx, dW)
        arrays = {"x": c["x"].astype(np.float32), "dx": dx}
        for k, (y, d) in enumerate(zip(ys, dys)):
            arrays["y_%d" % k] = y
            arrays["dy_%d" % k] = d.astype(np.float32)
        for n in sorted(c["W"]):
            arrays[member(n)] = c["W"][n].astype(np.float32)
            arrays["d_" + member(n)] = dW[n]
        write_doc(os.path.join(args.out, c["case"] + ".json"), c["doc"])
        np.savez(os.path.join(args.out, c["case"] + ".npz"), **arrays)
        print("%-30s outputs %d, weights %d; numpy Keras loop within %.1e, "
              "central differences within %.1e" % (c["case"], len(ys), len(c["W"]), wy, wg))


if __name__ == "__main__":
    main()
