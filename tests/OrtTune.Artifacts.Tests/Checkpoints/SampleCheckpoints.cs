using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Artifacts.Tests.Checkpoints;

/// <summary>Synthetic checkpoints that exercise every part of the format.</summary>
internal static class SampleCheckpoints
{
    /// <summary>Deterministic floats, distinct per tensor.</summary>
    public static float[] Floats(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1))];
    }

    /// <summary>
    /// Trainable tensors of many element types and shapes (scalar, zero-sized, 4-bit packed, strings, a doc string),
    /// frozen tensors, two optimizer groups with momentum states and every kind of property; names deliberately unsorted.
    /// </summary>
    public static TrainingCheckpoint Full()
    {
        var w = NamedTensor.FromValues<float>("layer.weight", [3, 4], Floats(12, 1));
        var b = NamedTensor.FromValues<float>("layer.bias", [4], Floats(4, 2), docString: "bias of layer");
        var embed = NamedTensor.FromValues<Half>("embed", [2, 2], [(Half)1.5f, (Half)(-2f), Half.NaN, Half.MaxValue]);
        var checkpoint = new TrainingCheckpoint
        {
            TrainableParameters =
            [
                w, b, embed,
                NamedTensor.FromRawData("bf16.param", TensorElementType.BFloat16, [3], new byte[] { 0x80, 0x3f, 0x00, 0x40, 0x40, 0xc0 }),
            ],
            FrozenParameters =
            [
                NamedTensor.FromValues<long>("scalar.step", [], [long.MinValue]),
                NamedTensor.FromValues<bool>("mask", [3], [true, false, true]),
                NamedTensor.FromRawData("int4.codes", TensorElementType.Int4, [3], new byte[] { 0x21, 0x0f }),
                NamedTensor.FromValues<double>("empty", [0, 5], []),
                NamedTensor.FromStrings("vocab", [2], ["héllo", "𝄞 clef"]),
                NamedTensor.FromValues<sbyte>("Zeta", [2, 1], [-128, 127]),
            ],
        };

        var group = new OptimizerGroup("group0") { Step = 42, InitialLearningRate = 1e-3f };
        foreach (var p in new[] { w, b })
            group.ParameterStates.Add(new ParameterOptimizerState(p.Name,
            [
                NamedTensor.FromValues<float>("momentum1", p.GetDims(), Floats((int)p.ElementCount, 11)),
                NamedTensor.FromValues<float>("momentum0", p.GetDims(), Floats((int)p.ElementCount, 10)),
            ]));
        var second = new OptimizerGroup("a-group") { Step = -1, InitialLearningRate = float.Epsilon };
        second.ParameterStates.Add(new ParameterOptimizerState("embed", [NamedTensor.FromValues<Half>("momentum0", [2, 2], [Half.One, Half.Zero, Half.One, Half.Zero])]));
        checkpoint.OptimizerGroups.Add(group);
        checkpoint.OptimizerGroups.Add(second);

        checkpoint.PropertyBag.Add("epoch", 7L);
        checkpoint.PropertyBag.Add("best_loss", 0.125f);
        checkpoint.PropertyBag.Add("model", "stories260K");
        checkpoint.PropertyBag.Add("a_min", long.MinValue);
        checkpoint.PropertyBag.Add("nan", BitConverter.Int32BitsToSingle(0x7fc00123));
        checkpoint.PropertyBag.Add("neg_zero", -0f);
        checkpoint.PropertyBag.Add("empty", "");
        checkpoint.PropertyBag.Add("ünicode", "ünï€ode 𝄞");
        return checkpoint;
    }

    /// <summary>Two float parameters, nothing else: the shape of an artifact generator's checkpoint.</summary>
    public static TrainingCheckpoint Small() => new()
    {
        TrainableParameters =
        [
            NamedTensor.FromValues<float>("fc.weight", [2, 3], Floats(6, 3)),
            NamedTensor.FromValues<float>("fc.bias", [2], Floats(2, 4)),
        ],
    };
}
