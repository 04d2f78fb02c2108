#!/usr/bin/python3
"""BERT-base full fine-tuning step: the PyTorch peer of OrtTune's benchmark (issue 4).

Run with Debian's interpreter (python3-torch 1.13, python3-onnx, python3-numpy and libopenblas0-pthread; without
OpenBLAS Debian's torch falls back to reference BLAS and is ~40x slower):

    /usr/bin/python3 tools/bench/bert_base_peer.py export  --out DIR     # model.onnx + batch .npy + meta.json
    /usr/bin/python3 tools/bench/bert_base_peer.py measure [--steps 3]   # PyTorch's own step, JSON on stdout

The model is BERT-base for sequence classification (12 layers, d 768, 12 heads, FFN 3072, vocab 30522, 512
positions, 2 token types, 2 labels, exact-erf GELU, LayerNorm eps 1e-12, pooler + classifier) written out as in
Hugging Face's BertForSequenceClassification, with HF's initialisation (normal(0, 0.02), zero biases) from a fixed
seed. Dropout is off (eval mode) on both sides so that the two steps compute the same function; the exported graph
is the eval-mode graph (no Dropout nodes). `export` and `measure` build the model from the same seed, so both steps
start from the same weights; `measure` also prints the first loss, which OrtTune's first step must reproduce.

The measured step is zero_grad(set_to_none=True) (PyTorch 2.x's default and its leaner setting) + forward +
cross-entropy + backward + AdamW step, with torch.set_num_threads(THREADS). One warm-up step, then --steps measured
steps; before each, gc, resident set (VmRSS) read, then the high-water mark reset by writing "5" to
/proc/self/clear_refs; after it, VmHWM read. Run each measurement in a fresh process. glibc keeps the heap pages
that a step frees, so the resident set before a step includes memory the previous step freed; with --trim,
malloc_trim(0) hands them back first, so that "before" is live data (parameters, AdamW state, runtime) and
peak − before is what the step itself needs.
"""

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 4
CFG = dict(vocab=30522, hidden=768, layers=12, heads=12, intermediate=3072, max_positions=512, type_vocab=2,
           labels=2, eps=1e-12, init_std=0.02)
BATCH, SEQ = 8, 128
LR, BETAS, EPS, WEIGHT_DECAY = 5e-5, (0.9, 0.999), 1e-8, 0.01
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab"], c["hidden"])
        self.position_embeddings = nn.Embedding(c["max_positions"], c["hidden"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab"], c["hidden"])
        self.LayerNorm = nn.LayerNorm(c["hidden"], eps=c["eps"])
        self.dropout = nn.Dropout(0.1)

    def forward(self, input_ids, token_type_ids):
        pos = torch.arange(input_ids.size(1), dtype=torch.long, device=input_ids.device).unsqueeze(0)
        x = self.word_embeddings(input_ids) + self.position_embeddings(pos) + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden"]
        self.heads = c["heads"]
        self.head_dim = h // self.heads
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.attn_dropout = nn.Dropout(0.1)
        self.attn_out = nn.Linear(h, h)
        self.attn_out_dropout = nn.Dropout(0.1)
        self.attn_norm = nn.LayerNorm(h, eps=c["eps"])
        self.intermediate = nn.Linear(h, c["intermediate"])
        self.output = nn.Linear(c["intermediate"], h)
        self.out_dropout = nn.Dropout(0.1)
        self.out_norm = nn.LayerNorm(h, eps=c["eps"])

    def split(self, x):
        b, s = x.size(0), x.size(1)
        return x.view(b, s, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x, additive_mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = self.attn_dropout(torch.softmax(scores + additive_mask, dim=-1))
        ctx = torch.matmul(probs, v).transpose(1, 2).contiguous()
        ctx = ctx.view(ctx.size(0), ctx.size(1), -1)
        x = self.attn_norm(x + self.attn_out_dropout(self.attn_out(ctx)))
        y = self.out_dropout(self.output(F.gelu(self.intermediate(x))))
        return self.out_norm(x + y)


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.layers = nn.ModuleList([Layer(c) for _ in range(c["layers"])])
        self.pooler = nn.Linear(c["hidden"], c["hidden"])
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(c["hidden"], c["labels"])
        self.apply(lambda m: init_weights(m, c["init_std"]))

    def forward(self, input_ids, attention_mask, token_type_ids):
        additive = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        x = self.embeddings(input_ids, token_type_ids)
        for layer in self.layers:
            x = layer(x, additive)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.classifier(self.dropout(pooled))


def init_weights(m, std):
    # Hugging Face's BertPreTrainedModel._init_weights, except that biases and LayerNorm parameters get small random
    # values instead of exact zeros and ones (as a pretrained checkpoint has): torch.onnx's eval-mode export merges
    # initializers with equal values, which would tie the 100+ zero biases into one shared trained parameter.
    if isinstance(m, nn.Linear):
        m.weight.data.normal_(0.0, std)
        m.bias.data.normal_(0.0, std)
    elif isinstance(m, nn.Embedding):
        m.weight.data.normal_(0.0, std)
    elif isinstance(m, nn.LayerNorm):
        m.weight.data.normal_(1.0, std)
        m.bias.data.normal_(0.0, std)


def build_model():
    torch.manual_seed(SEED)
    model = BertForSequenceClassification(CFG)
    model.eval()  # dropout off on both sides: the same function, deterministic
    return model


def build_batch():
    gen = torch.Generator().manual_seed(SEED + 1)
    input_ids = torch.randint(1000, CFG["vocab"], (BATCH, SEQ), generator=gen)
    input_ids[:, 0] = 101  # [CLS]
    lengths = [SEQ, SEQ, 96, SEQ, 64, SEQ, 112, SEQ]  # a few padded rows, as a real batch has
    attention_mask = torch.zeros(BATCH, SEQ, dtype=torch.long)
    token_type_ids = torch.zeros(BATCH, SEQ, dtype=torch.long)
    for i, n in enumerate(lengths):
        attention_mask[i, :n] = 1
        input_ids[i, n - 1] = 102  # [SEP]
        input_ids[i, n:] = 0  # [PAD]
        token_type_ids[i, n // 2:n] = 1  # sentence B
    labels = torch.randint(0, CFG["labels"], (BATCH,), generator=gen)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}, labels


def status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {key}")


def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def machine_facts():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return {"cpu": model, "logical_cpus": os.cpu_count(), "kernel": platform.release(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def export(out):
    os.makedirs(out, exist_ok=True)
    model = build_model()
    inputs, labels = build_batch()
    path = os.path.join(out, "model.onnx")
    dyn = {n: {0: "batch", 1: "seq"} for n in INPUTS}
    dyn["logits"] = {0: "batch"}
    torch.onnx.export(model, tuple(inputs[n] for n in INPUTS), path, input_names=list(INPUTS), output_names=["logits"],
                      dynamic_axes=dyn, opset_version=17, training=torch.onnx.TrainingMode.EVAL,
                      do_constant_folding=False, export_params=True)
    import onnx  # only the export needs it
    exported = {i.name for i in onnx.load(path, load_external_data=False).graph.initializer}
    merged = [n for n, _ in model.named_parameters() if n not in exported]
    if merged:
        sys.exit(f"the export merged or renamed {len(merged)} parameter(s), e.g. {merged[:3]}; the two sides would differ")
    for n, t in inputs.items():
        np.save(os.path.join(out, f"{n}.npy"), t.numpy())
    np.save(os.path.join(out, "labels.npy"), labels.numpy())
    with torch.no_grad():
        loss = F.cross_entropy(model(*(inputs[n] for n in INPUTS)), labels).item()
    meta = {"config": CFG, "batch": BATCH, "seq": SEQ, "seed": SEED, "opset": 17, "torch": torch.__version__,
            "parameters": sum(p.numel() for p in model.parameters()), "initial_loss": loss,
            "model_bytes": os.path.getsize(path), "inputs": list(INPUTS) + ["labels"]}
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    print(json.dumps(meta))


def malloc_trim():
    """Hands freed heap pages back to the kernel (glibc keeps them mapped), so the resident set is live data only."""
    import ctypes
    ctypes.CDLL("libc.so.6").malloc_trim(0)


def measure(steps, threads, trim):
    torch.set_num_threads(threads)
    model = build_model()
    inputs, labels = build_batch()
    args = tuple(inputs[n] for n in INPUTS)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(*args), labels)
        loss.backward()
        opt.step()
        return loss.item()

    t0 = time.perf_counter()
    losses = [step()]  # warm-up: allocates the AdamW state, as OrtTune's sessions allocate theirs when opened
    warmup_s = time.perf_counter() - t0
    times, peaks, before = [], [], []
    for _ in range(steps):
        gc.collect()
        if trim:
            malloc_trim()
        before.append(status_kib("VmRSS:") * 1024)
        reset_peak()
        t0 = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - t0)
        peaks.append(status_kib("VmHWM:") * 1024)
    result = {
        "side": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "blas": "openblas" if any("openblas" in l for l in open("/proc/self/maps")) else "unknown",
        "warmup_steps": 1, "steps": steps, "warmup_s": warmup_s,
        "step_s": times, "step_s_median": statistics.median(times),
        "step_s_min": min(times), "step_s_max": max(times),
        "rss_before_bytes": before, "peak_bytes": peaks,
        "peak_bytes_max": max(peaks), "rss_before_bytes_median": int(statistics.median(before)),
        "activation_bytes": [p - b for p, b in zip(peaks, before)],
        "losses": losses, "parameters": sum(p.numel() for p in model.parameters()),
        "zero_grad": "set_to_none", "malloc_trim": trim, "machine": machine_facts(),
    }
    print(json.dumps(result))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="export model.onnx and the batch into --out")
    e.add_argument("--out", required=True)
    e.add_argument("--vocab", type=int, default=CFG["vocab"],
                   help="word-embedding rows (default BERT's 30522; the PEMA benchmark uses GPT-2's 50257)")
    m = sub.add_parser("measure", help="measure PyTorch's step; JSON on stdout")
    m.add_argument("--steps", type=int, default=3)
    m.add_argument("--threads", type=int, default=2)
    m.add_argument("--trim", action="store_true",
                   help="malloc_trim(0) before each measured step, so 'before' counts live memory only (costs the step page faults)")
    a = ap.parse_args()
    if a.cmd == "export":
        CFG["vocab"] = a.vocab
        export(a.out)
    else:
        if a.steps < 1:
            sys.exit("--steps must be at least 1")
        measure(a.steps, a.threads, a.trim)


if __name__ == "__main__":
    main()
