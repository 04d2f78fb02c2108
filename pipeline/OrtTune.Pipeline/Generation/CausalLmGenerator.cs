using Microsoft.ML.OnnxRuntime;
using OrtTune.Pipeline.Runtime;

namespace OrtTune.Pipeline.Generation;

/// <summary>
/// Generates tokens with an inference model of a causal LM (e.g. `orttune export`'s): logits [B, S, V] from
/// input_ids [B, S] of the fixed prepared shape. The context is left-aligned in row 0 and padded; causal attention
/// makes the padding invisible to the last real position, whose logits pick the next token. Contexts longer than S
/// keep their last S tokens. No KV cache: each token costs one forward over S positions.
/// </summary>
public sealed class CausalLmGenerator : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _ids, _output;
    private readonly long _batch, _length;

    public CausalLmGenerator(byte[] model, SessionConfig? config = null) : this(SessionFactory.Create(model, config)) { }

    public CausalLmGenerator(string modelPath, SessionConfig? config = null) : this(SessionFactory.Create(modelPath, config)) { }

    private CausalLmGenerator(InferenceSession session)
    {
        _session = session;
        _ids = session.InputMetadata.Keys.FirstOrDefault(k => k == "input_ids") ?? session.InputMetadata.Keys.First();
        var dims = session.InputMetadata[_ids].Dimensions;
        if (dims.Length != 2 || dims.Any(d => d < 1))
        {
            session.Dispose();
            throw new ArgumentException($"Generation needs input '{_ids}' of a fixed shape [batch, sequence]; the model has [{string.Join(",", dims)}].");
        }
        (_batch, _length) = (dims[0], dims[1]);
        _output = session.OutputMetadata.Keys.First();
        if (session.OutputMetadata[_output].Dimensions.Length != 3)
        {
            session.Dispose();
            throw new ArgumentException($"Generation needs logits [batch, sequence, vocabulary]; output '{_output}' is [{string.Join(",", session.OutputMetadata[_output].Dimensions)}].");
        }
    }

    /// <summary>Positions the model sees at once (the prepared sequence length).</summary>
    public long ContextLength => _length;

    /// <summary>The tokens generated after <paramref name="prompt"/> (not including it).</summary>
    public List<long> Generate(IReadOnlyList<long> prompt, SamplingOptions options, CancellationToken cancellation = default)
    {
        if (prompt.Count == 0) throw new ArgumentException("The prompt needs at least one token.");
        var sampler = new TokenSampler(options);
        var context = prompt.ToList();
        var generated = new List<long>();
        var ids = new long[_batch * _length];
        var extra = _session.InputMetadata.Where(i => i.Key != _ids).ToList();
        long vocabulary = _session.OutputMetadata[_output].Dimensions[2];
        if (vocabulary > 0 && prompt.Where(t => t < 0 || t >= vocabulary).Select(t => (long?)t).FirstOrDefault() is { } bad)
            throw new ArgumentException($"Prompt token id {bad} lies outside the model's vocabulary [0, {vocabulary}).");
        using var run = new RunOptions();
        for (int n = 0; n < options.MaxNewTokens; n++)
        {
            cancellation.ThrowIfCancellationRequested();
            var window = context.Skip(Math.Max(0, context.Count - (int)_length)).ToArray();
            Array.Clear(ids);
            for (long row = 0; row < _batch; row++) window.CopyTo(ids, (int)(row * _length));
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, [_batch, _length]);
            var names = new List<string> { _ids };
            var values = new List<OrtValue> { idsValue };
            // Masks mark the real tokens; position ids count them. Other inputs are not something generation can fill.
            foreach (var (name, meta) in extra)
            {
                var fill = new long[_batch * _length];
                if (name.Contains("mask", StringComparison.OrdinalIgnoreCase))
                    for (long row = 0; row < _batch; row++) Array.Fill(fill, 1L, (int)(row * _length), window.Length);
                else if (name.Contains("position", StringComparison.OrdinalIgnoreCase))
                    for (long i = 0; i < fill.Length; i++) fill[i] = i % _length;
                else if (!name.Contains("type", StringComparison.OrdinalIgnoreCase))
                    throw new InvalidOperationException($"Generation does not know how to fill model input '{name}'.");
                names.Add(name);
                values.Add(OrtValue.CreateTensorValueFromMemory(fill, [_batch, _length]));
            }
            using var outputs = _session.Run(run, names, values, [_output]);
            foreach (var v in values.Skip(1)) v.Dispose();
            var logits = outputs[0].GetTensorDataAsSpan<float>();
            long vocab = logits.Length / (_batch * _length);
            long next = sampler.Next(logits.Slice((int)((window.Length - 1) * vocab), (int)vocab));
            generated.Add(next);
            context.Add(next);
            if (next == options.StopToken) break;
        }
        return generated;
    }

    public void Dispose() => _session.Dispose();
}
