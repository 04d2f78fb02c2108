namespace OrtTune.Benchmarks;

/// <summary>The fixed explanatory text of docs/benchmarks/tokentune.md (what the measurement does and does not show).</summary>
internal static class TokenTuneNotes
{
    public const string Text = """
        - Where the memory goes. OrtTune's training graph keeps the unmodified forward over all n tokens as a no-grad
          branch; ONNX Runtime frees each of its tensors after the last forward reader, so only the grad branch's k-row
          activations, the k × n attention probabilities per head and the recombined keys and values of all n tokens
          (2·n·d per layer, as in the paper's implementation) stay alive for the backward pass.
        - A part that does not shrink with p: extrapolating activation vs k to k = 0 leaves about 90 MB for BERT (full FT
          and LoRA alike) and about 45 MB for Llama. Part of it is by design: the recombined keys and values of all n
          tokens that the selected queries read (2·n·d·4 bytes per layer, 38 MB over 12 layers), which the paper's
          implementation keeps as well; the rest was not broken down further (candidates: the no-grad branch's full
          n × n attention of the layer being computed, alive at the forward's peak whatever k is). At batch 1 this intercept is 18 % of BERT's full-FT activations, which is what
          keeps BERT's p = 0.25 ratio above 0.35×; its share falls as batch or sequence grows.
        - Total peak vs resident state: at batch 1 and sequence 512 the resident state before the step (frozen weights
          held by the training and eval sessions, ONNX Runtime's pre-packed weight copies, gradients and AdamW state)
          is several times the activations of a 110–135 M-parameter model, so LoRA + TokenTune's total-peak ratio stays
          near 1 there. The paper's QLoRA figure (21 % vs 37 % of full fine-tuning) is for Llama-2-7B at sequence 2048,
          where activations dominate; the batch-4 Llama rows move towards that regime.
        - Step time: the forward costs the same as without TokenTune (plus the k selected rows computed a second time
          in the grad branch); the backward's dense products scale with k/n; AdamW's update over all parameters does not
          change with p. p = 1 is slower than the base: the same work twice plus the recombination products.
        - Measurement: each configuration in a fresh process, one warm-up step, then the measured step(s); the child
          runs with MALLOC_MMAP_THRESHOLD_=65536, so every large tensor is mapped on its own and returned when freed
          (otherwise glibc keeps freed blocks resident and a step can reuse them without the resident set growing).
        """;
}
