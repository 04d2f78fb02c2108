using OrtTune.Pipeline.Evaluation;
using OrtTune.Pipeline.Metrics;
using OrtTune.Pipeline.Training;

namespace OrtTune.Pipeline.Tests.Metrics;

[TestClass]
public sealed class MetricsLogTests
{
    [TestMethod]
    public void Rows_round_trip_and_a_resume_drops_the_steps_it_will_redo()
    {
        var dir = Path.Combine(Path.GetTempPath(), "orttune-metrics-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var log = MetricsLog.Open(dir))
            {
                for (int s = 1; s <= 5; s++)
                    log.Report(new StepReport(s, 5, 0, 1f / s, 1e-3f, s == 3 ? float.NaN : 0.5f, 100, 1 << 20, 2 << 20, TimeSpan.FromSeconds(s)));
                log.Report(new EvalReport(4, new EvalMetrics(0.7, 8, Accuracy: 0.75, MacroF1: 0.6), IsBest: true));
            }
            var rows = MetricsLog.Read(Path.Combine(dir, MetricsLog.CsvName));
            Assert.HasCount(6, rows);
            Assert.AreEqual(0.25, rows[3].Loss!.Value, 1e-7);
            Assert.IsNull(rows[2].GradNorm, "NaN is written as an empty field");
            Assert.AreEqual(1.0, rows[0].RssMegabytes!.Value, 1e-12);
            var eval = rows.Single(r => r.Phase == "eval");
            Assert.AreEqual((4L, 0.7, 0.75, 0.6), (eval.Step, eval.EvalLoss!.Value, eval.EvalAccuracy!.Value, eval.EvalF1!.Value));
            var jsonl = File.ReadAllLines(Path.Combine(dir, MetricsLog.JsonlName));
            Assert.HasCount(6, jsonl);
            foreach (var line in jsonl) System.Text.Json.JsonDocument.Parse(line).Dispose();

            // Resuming from step 3: rows of steps 4 and 5 (and the eval at 4) go; new ones append.
            using (var log = MetricsLog.Open(dir, resumeStep: 3))
                log.Report(new StepReport(4, 5, 0, 9f, 1e-3f, 0.5f, 100, 0, 0, TimeSpan.Zero));
            rows = MetricsLog.Read(Path.Combine(dir, MetricsLog.CsvName));
            CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4 }, rows.Select(r => r.Step).ToArray());
            Assert.AreEqual(9.0, rows[3].Loss!.Value);
            Assert.HasCount(4, File.ReadAllLines(Path.Combine(dir, MetricsLog.JsonlName)));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
