#!/usr/bin/env python3
"""torch-gpu-memory.py — PyTorch's peak GPU memory for bench-gpu's training
workloads (the models of shared/bench/torch_rnn_gpu.py), to set beside
bench-gpu's "device memory ... of which the data set" line. Five SGD steps
on one batch held on the GPU; prints max_memory_allocated and
max_memory_reserved (the caching allocator's take, cuDNN and cuBLAS
workspaces included), the CUDA context excluded as in bench-gpu.
Usage: python3 torch-gpu-memory.py [fast|exact]"""
import sys
import torch
import torch.nn as nn

fast = len(sys.argv) < 2 or sys.argv[1] != "exact"
torch.backends.cudnn.allow_tf32 = fast
torch.backends.cuda.matmul.allow_tf32 = fast
dev = torch.device("cuda")


class SeqClassifier(nn.Module):
    def __init__(self, cell, inp, hidden, classes, bn):
        super().__init__()
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        self.rnn = rnn(inp, hidden, batch_first=True)
        self.bn = nn.BatchNorm1d(hidden) if bn else nn.Identity()
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.fc(self.bn(y[:, -1]))


torch.zeros(1, device=dev)
for cell, B, T, I, H, bn in (("lstm", 64, 28, 28, 64, True), ("gru", 64, 28, 28, 64, True),
                             ("rnn", 64, 28, 28, 64, True), ("lstm", 256, 100, 512, 1024, False),
                             ("gru", 256, 100, 512, 1024, False)):
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    m = SeqClassifier(cell, I, H, 10, bn).to(dev)
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    lossf = nn.CrossEntropyLoss()
    x = torch.rand(B, T, I, device=dev)
    y = torch.randint(0, 10, (B,), device=dev)
    for _ in range(5):
        opt.zero_grad(set_to_none=False)
        lossf(m(x), y).backward()
        opt.step()
    torch.cuda.synchronize()
    print(f"torch memory {cell}({H}) B={B} T={T} I={I} {'fast' if fast else 'exact'}: "
          f"allocated {torch.cuda.max_memory_allocated() / 2**20:.1f} MiB, "
          f"reserved {torch.cuda.max_memory_reserved() / 2**20:.1f} MiB", flush=True)
    del m, opt, x, y
