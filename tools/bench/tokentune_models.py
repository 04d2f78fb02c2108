#!/usr/bin/python3
"""Random-weight models and one batch for the TokenTune benchmark (`OrtTune.Benchmarks tokentune`).

Run with Debian's interpreter (python3-torch 1.13, python3-onnx, python3-numpy):

    /usr/bin/python3 tools/bench/tokentune_models.py --out DIR [--seq 512] [--batch 1]

Writes DIR/bert/ (BERT-base shape: 12 layers, d 768, 12 heads, FFN 3072, vocab 30522, 2 labels; the model of
tools/bench/bert_base_peer.py) and DIR/llama/ (Llama shape: 12 layers, d 768, 12 heads, SwiGLU 2048, vocab 32000,
RoPE, causal; the Llama fixture module of tools/fixtures/export_fixtures.py at that size), each with model.onnx
(eval-mode export, dynamic batch and sequence) and the batch as input_ids.npy (+ attention_mask.npy,
token_type_ids.npy for BERT) and labels.npy. Weights are random (seeded), not pretrained.
"""

import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import bert_base_peer as bert  # noqa: E402
import export_fixtures as fixtures  # noqa: E402

LLAMA = dict(d=768, hidden=2048, heads=12, kv_heads=12, layers=12, vocab=32000)


def export(model, inputs, names, path):
    dyn = {n: {0: "batch", 1: "seq"} for n in names}
    torch.onnx.export(model, tuple(inputs[n] for n in names), path, input_names=list(names), output_names=["logits"],
                      dynamic_axes=dyn, opset_version=17, training=torch.onnx.TrainingMode.EVAL,
                      do_constant_folding=False, export_params=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--batch", type=int, default=1)
    a = ap.parse_args()
    gen = torch.Generator().manual_seed(7)

    out = os.path.join(a.out, "bert")
    os.makedirs(out, exist_ok=True)
    model = bert.build_model()
    ids = torch.randint(1000, bert.CFG["vocab"], (a.batch, a.seq), generator=gen)
    ids[:, 0] = 101
    inputs = {"input_ids": ids, "attention_mask": torch.ones(a.batch, a.seq, dtype=torch.long),
              "token_type_ids": torch.zeros(a.batch, a.seq, dtype=torch.long)}
    export(model, inputs, bert.INPUTS, os.path.join(out, "model.onnx"))
    for n, t in inputs.items():
        np.save(os.path.join(out, f"{n}.npy"), t.numpy())
    np.save(os.path.join(out, "labels.npy"), torch.randint(0, 2, (a.batch,), generator=gen).numpy())

    out = os.path.join(a.out, "llama")
    os.makedirs(out, exist_ok=True)
    fixtures.VOCAB = LLAMA["vocab"]   # the fixture classes read the vocabulary size when built
    torch.manual_seed(8)
    model = fixtures.LlamaLM(d=LLAMA["d"], hidden=LLAMA["hidden"], heads=LLAMA["heads"], kv_heads=LLAMA["kv_heads"],
                             layers=LLAMA["layers"]).eval()
    ids = torch.randint(0, LLAMA["vocab"], (a.batch, a.seq), generator=gen)
    export(model, {"input_ids": ids}, ["input_ids"], os.path.join(out, "model.onnx"))
    np.save(os.path.join(out, "input_ids.npy"), ids.numpy())
    np.save(os.path.join(out, "labels.npy"), ids.numpy())
    print(a.out)


if __name__ == "__main__":
    main()
