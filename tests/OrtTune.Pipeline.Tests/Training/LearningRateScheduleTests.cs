using OrtTune.Pipeline.Training.Schedules;

namespace OrtTune.Pipeline.Tests.Training;

[TestClass]
public sealed class LearningRateScheduleTests
{
    [TestMethod]
    public void Warm_up_rises_linearly_to_the_peak_for_every_kind()
    {
        foreach (var kind in Enum.GetValues<ScheduleKind>())
        {
            var s = LearningRateSchedules.Create(kind, peak: 1f, totalSteps: 14, warmupSteps: 4);
            CollectionAssert.AreEqual(new[] { 0.25f, 0.5f, 0.75f, 1f }, Enumerable.Range(0, 4).Select(i => s.At(i)).ToArray(), kind.ToString());
            Assert.AreEqual(1f, s.At(4), 1e-7f, $"{kind} starts its decay at the peak");
        }
    }

    [TestMethod]
    public void Constant_stays_at_the_peak()
    {
        var s = new ConstantSchedule(3e-4f);
        Assert.AreEqual(3e-4f, s.At(0));
        Assert.AreEqual(3e-4f, s.At(1_000_000));
    }

    [TestMethod]
    public void Linear_decays_to_zero_at_the_last_step()
    {
        var s = new LinearSchedule(2f, totalSteps: 12, warmupSteps: 2);
        // After warm-up: peak·(T−s)/(T−W) = 2·(12−s)/10.
        Assert.AreEqual(2f, s.At(2), 1e-6f);
        Assert.AreEqual(1.4f, s.At(5), 1e-6f);
        Assert.AreEqual(0.2f, s.At(11), 1e-6f);
        Assert.AreEqual(0f, s.At(12));
        Assert.AreEqual(0f, s.At(50));
    }

    [TestMethod]
    public void Cosine_follows_half_a_cosine()
    {
        var s = new CosineSchedule(1f, totalSteps: 10, warmupSteps: 0);
        for (int step = 0; step <= 10; step++)
            Assert.AreEqual(0.5 * (1 + Math.Cos(Math.PI * step / 10)), s.At(step), 1e-6, $"step {step}");
        Assert.AreEqual(0.5f, s.At(5), 1e-6f);
        Assert.AreEqual(0f, s.At(20), 1e-7f);
    }

    [TestMethod]
    public void Bad_settings_are_refused()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LinearSchedule(1f, totalSteps: 4, warmupSteps: 4));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ConstantSchedule(-1f));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineSchedule(float.NaN, 10));
        var e = Assert.ThrowsExactly<ArgumentException>(() => LearningRateSchedules.Parse("step"));
        Assert.Contains("constant, linear or cosine", e.Message);
        Assert.AreEqual(ScheduleKind.Cosine, LearningRateSchedules.Parse("Cosine"));
    }
}
