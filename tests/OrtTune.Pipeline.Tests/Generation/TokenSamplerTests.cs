using OrtTune.Pipeline.Generation;

namespace OrtTune.Pipeline.Tests.Generation;

[TestClass]
public sealed class TokenSamplerTests
{
    private static readonly float[] Logits = [0.1f, 2.0f, -1.0f, 1.5f, 0.0f];

    [TestMethod]
    public void Greedy_and_top_1_pick_the_largest_logit()
    {
        Assert.AreEqual(1L, new TokenSampler(new SamplingOptions()).Next(Logits));
        var top1 = new TokenSampler(new SamplingOptions { Temperature = 5, TopK = 1, Seed = 9 });
        for (int i = 0; i < 20; i++) Assert.AreEqual(1L, top1.Next(Logits));
    }

    [TestMethod]
    public void Sampling_is_repeatable_with_a_seed_and_follows_the_softmax()
    {
        long[] Draw(int seed, int n)
        {
            var s = new TokenSampler(new SamplingOptions { Temperature = 1, Seed = seed });
            return Enumerable.Range(0, n).Select(_ => s.Next(Logits)).ToArray();
        }
        CollectionAssert.AreEqual(Draw(4, 50), Draw(4, 50));
        CollectionAssert.AreNotEqual(Draw(4, 50), Draw(5, 50));
        // 20,000 draws: each token's frequency is within 0.015 of softmax(logits).
        var draws = Draw(1, 20_000);
        double z = Logits.Sum(l => Math.Exp(l));
        for (int t = 0; t < Logits.Length; t++)
            Assert.AreEqual(Math.Exp(Logits[t]) / z, draws.Count(d => d == t) / 20_000.0, 0.015, $"token {t}");
    }

    [TestMethod]
    public void Top_k_never_picks_outside_the_k_most_likely()
    {
        var s = new TokenSampler(new SamplingOptions { Temperature = 10, TopK = 2, Seed = 2 });
        var seen = Enumerable.Range(0, 500).Select(_ => s.Next(Logits)).Distinct().Order().ToArray();
        CollectionAssert.AreEqual(new long[] { 1, 3 }, seen);
    }

    [TestMethod]
    public void Bad_options_are_refused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new TokenSampler(new SamplingOptions { Temperature = -1 }));
        Assert.ThrowsExactly<ArgumentException>(() => new TokenSampler(new SamplingOptions { TopK = -2 }));
    }
}
