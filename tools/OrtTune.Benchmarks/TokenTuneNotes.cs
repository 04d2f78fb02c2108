namespace OrtTune.Benchmarks;

/// <summary>The fixed explanatory text of docs/benchmarks/tokentune.md (what the measurement does and does not show).</summary>
internal static class TokenTuneNotes
{
    public const string Text = """
        - Where the memory goes. OrtTune's training graph keeps the unmodified forward over all n tokens as a no-grad
          branch; ONNX Runtime frees each of its tensors after the last forward reader, so only the grad branch's k-row
          activations, the k × n attention probabilities per head and the recombined keys and values of all n tokens
          (2·n·d per layer, as in the paper's implementation) stay alive for the backward pass. The no-grad branch
          computes each attention in blocks of 128 queries, so its n × n scores are never all alive at once (BERT-base,
          p = 0.25: 201 MB of activation before that, 177 MB with it; blocks of 64 gave no further gain).
        - A part that does not shrink with p: a line through BERT's full-FT points meets k = 0 at about 73 MB. Half of it
          is by design: the recombined keys and values of all n tokens that the selected queries read (2·n·d·4 bytes per
          layer, 38 MB over 12 layers), which the paper's implementation keeps as well; the rest is the transient tensors
          of the layer being computed when the forward pass ends. At batch 1 this intercept is 14 % of BERT's full-FT
          activations, which is why BERT's p = 0.25 ratio sits right at the 0.35× target.
        - Total peak vs resident state: the training graph runs without ONNX Runtime's pre-packed weight copies (a
          frozen weight that the forward and the backward pass multiply by was packed once per product) and the eval
          graph opens at the first evaluation, so the resident state before a LoRA step is one copy of the frozen
          weights plus the adapters, gradients and AdamW state (BERT-base LoRA: 1311 MB before these changes, 532 MB
          now). At batch 1 and sequence 512 that is still more than the activations of a 110–135 M-parameter model, so
          LoRA + TokenTune's total-peak ratio stays far from the paper's; the paper's QLoRA figure (21 % vs 37 % of full
          fine-tuning) is for Llama-2-7B at sequence 2048, where activations dominate. The batch-4 and batch-8 rows
          move towards that regime: the ratio falls from 0.77× (BERT) and 0.64× (Llama) at batch 1 to 0.59× and 0.47× at
          batch 4 and 0.53× for BERT at batch 8.
        - Step time: the forward costs the same as without TokenTune (plus the k selected rows computed a second time
          in the grad branch); the backward's dense products scale with k/n; AdamW's update over all parameters does not
          change with p. p = 1 is slower than the base: the same work twice plus the recombination products.
        - Measurement: each configuration in a fresh process, one warm-up step, then the measured step(s); the child
          runs with MALLOC_MMAP_THRESHOLD_=65536, so every large tensor is mapped on its own and returned when freed
          (otherwise glibc keeps freed blocks resident and a step can reuse them without the resident set growing).
        """;
}
