#!/usr/bin/env python3
"""torch-profile-step.py — a few eager training steps of PyTorch's MNIST-rows
LSTM(64) + BatchNorm1d + Linear(10) (torch_rnn_gpu.py's model), for ncu to
list the kernels beside bench-gpu's BENCH_QUICK run.
Usage: python3 torch-profile-step.py [fast|exact]"""
import sys
import torch
import torch.nn as nn

fast = len(sys.argv) < 2 or sys.argv[1] != "exact"
torch.backends.cudnn.allow_tf32 = fast
dev = torch.device("cuda")
rnn = nn.LSTM(28, 64, batch_first=True).to(dev)
bn = nn.BatchNorm1d(64).to(dev)
fc = nn.Linear(64, 10).to(dev)
params = list(rnn.parameters()) + list(bn.parameters()) + list(fc.parameters())
opt = torch.optim.SGD(params, lr=0.01)
lossf = nn.CrossEntropyLoss()
x = torch.rand(64, 28, 28, device=dev)
y = torch.randint(0, 10, (64,), device=dev)
for _ in range(4):
    opt.zero_grad(set_to_none=False)
    out, _ = rnn(x)
    lossf(fc(bn(out[:, -1])), y).backward()
    opt.step()
torch.cuda.synchronize()
