using System.Globalization;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Graphs.Import;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.OrtFormat;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Tests.OrtFormat;
using OrtTune.Graphs.Tests.TestSupport;
using OrtTune.Pipeline.Training;

namespace OrtTune.Graphs.Tests.Import;

/// <summary>
/// Real ONNX Runtime training artifact sets (shared/fixtures/ort-training) imported with
/// <see cref="OrtArtifactImporter"/> and trained on the portable backend give the same first-step loss as ONNX
/// Runtime's own training runtime (onnxruntime-web 1.19.2 in Node) on the same batch, and the loss falls in both.
/// Dropout: the import is built with training-mode Dropout off and the runtime gets a copy of its training model whose
/// Dropout ratios are 0, so both steps are deterministic and compute the same function.
/// </summary>
[TestClass]
public sealed class OrtImportConformanceTests
{
    private const float LearningRate = 1e-3f; // onnxruntime-web's fixed learning rate
    private const int Steps = 5;

    public TestContext TestContext { get; set; } = null!;

    private static string FixtureSet(string relative) => TestPaths.RequireShared("fixtures", "ort-training", relative);

    [TestMethod]
    [DataRow("checkpoint")]
    [DataRow("checkpoint.v2")]
    public void Mnist_mlp_matches_the_ort_runtime(string checkpoint) =>
        Compare(FixtureSet("carzh-onnxruntime-training-examples/web-demo"), checkpoint, batch: 8, seed: 1, (random, b) =>
        [
            NamedTensor.FromValues<float>("input", [b, 784], Floats(random, b * 784, 0, 1)),
            NamedTensor.FromValues<long>("labels", [b], Enumerable.Range(0, b).Select(_ => random.NextInt64(10)).ToArray()),
        ]);

    [TestMethod]
    public void Lora_transformer_block_matches_the_ort_runtime_with_dropout_off() =>
        Compare(FixtureSet("srijanie03-ONNX-Graphs/LoRA/Graphs/Transformers"), "checkpoint", batch: 8, seed: 2, (random, b) =>
        [
            NamedTensor.FromValues<float>("input", [b, 32], Floats(random, b * 32, -1, 1)),
            NamedTensor.FromValues<long>("labels", [b], Enumerable.Range(0, b).Select(_ => random.NextInt64(32)).ToArray()),
        ]);

    [TestMethod]
    public void Lora_linear_mse_matches_the_ort_runtime() =>
        Compare(FixtureSet("srijanie03-ONNX-Graphs/LoRA/Graphs/LoRA"), "checkpoint", batch: 4, seed: 3, (random, b) =>
        [
            NamedTensor.FromValues<float>("input", [b, 10], Floats(random, b * 10, -1, 1)),
            NamedTensor.FromValues<float>("target", [b, 2], Floats(random, b * 2, -1, 1)),
        ]);

    /// <summary>
    /// A checkpoint that already holds AdamW state (step 3, non-zero momentum0/momentum1), as ORT saves it mid-training:
    /// the runtime resumes from it, and so does the import, on the same trajectory.
    /// </summary>
    [TestMethod]
    public void Optimizer_state_in_the_checkpoint_resumes_like_the_ort_runtime()
    {
        var from = FixtureSet("srijanie03-ONNX-Graphs/LoRA/Graphs/Transformers");
        var source = Directory.CreateDirectory(Path.Combine(TestPaths.TempDirectory("ort-import-state"), "set")).FullName;
        try
        {
            foreach (var f in new[] { OrtFormatNames.TrainingModelFile, OrtFormatNames.EvalModelFile, OrtFormatNames.OptimizerModelFile })
                File.Copy(Path.Combine(from, f), Path.Combine(source, f));
            var checkpoint = CheckpointReader.Read(Path.Combine(from, "checkpoint"));
            var random = new Random(11);
            var group = new OptimizerGroup { Step = 3, InitialLearningRate = LearningRate };
            foreach (var p in checkpoint.TrainableParameters)
                group.ParameterStates.Add(new ParameterOptimizerState(p.Name,
                [
                    NamedTensor.FromValues<float>(OptimizerGroup.FirstMomentName, p.GetDims(), Floats(random, (int)p.ElementCount, -1e-2, 1e-2)),
                    NamedTensor.FromValues<float>(OptimizerGroup.SecondMomentName, p.GetDims(), Floats(random, (int)p.ElementCount, 1e-6, 1e-4)),
                ]));
            checkpoint.OptimizerGroups.Add(group);
            CheckpointWriter.Write(checkpoint, Path.Combine(source, "checkpoint"), new CheckpointWriteOptions { Version = 2 });
            Compare(source, "checkpoint", batch: 8, seed: 12, (r, b) =>
            [
                NamedTensor.FromValues<float>("input", [b, 32], Floats(r, b * 32, -1, 1)),
                NamedTensor.FromValues<long>("labels", [b], Enumerable.Range(0, b).Select(_ => r.NextInt64(32)).ToArray()),
            ], expectedStep: 3);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(source)!, recursive: true);
        }
    }

    private void Compare(string source, string checkpointFile, int batch, int seed, Func<Random, int, List<NamedTensor>> makeBatch, long? expectedStep = null)
    {
        OrtTrainingOracle.Require();
        var work = TestPaths.TempDirectory("ort-import");
        try
        {
            var inputs = makeBatch(new Random(seed), batch);
            var batchDir = Directory.CreateDirectory(Path.Combine(work, "batch")).FullName;
            foreach (var t in inputs) NpyWriter.Write(Path.Combine(batchDir, t.Name + ".npy"), t);
            var sourceCheckpoint = CheckpointReader.Read(Path.Combine(source, checkpointFile));

            // 1. The set as it is (its AdamWOptimizer model), against the import with the optimizer read from it.
            var ortDir = RuntimeCopy(source, sourceCheckpoint, Path.Combine(work, "ort"), out int ratiosZeroed);
            var run = OrtTrainingOracle.Run(ortDir, batchDir, Path.Combine(work, "oracle"), Steps, 1);
            var (result, evalLoss, losses, initial, afterStep1) = TrainImported(source, checkpointFile, batch, inputs, Path.Combine(work, "portable"), null);
            Assert.AreEqual(expectedStep, result.CarriedOptimizerStep, "optimizer step carried over from the checkpoint");
            var adamw = UpdateDifference(ortDir, run, initial, afterStep1);

            // 2. Plain SGD on both sides: the update is −lr·g, so the parameters after one step compare the gradients of
            //    ORT's own backward graph with the import's.
            var stateless = new TrainingCheckpoint { TrainableParameters = sourceCheckpoint.TrainableParameters, FrozenParameters = sourceCheckpoint.FrozenParameters };
            var sgdDir = RuntimeCopy(source, stateless, Path.Combine(work, "ort-sgd"), out _);
            var sgd = new SgdOptions { Momentum = 0, WeightDecay = 0 };
            OnnxModelIO.Save(OrtOptimizerModel.Build(sourceCheckpoint.TrainableParameters
                .Select(p => new OptimizerParameter(p.Name, DataType.Float, p.GetDims())).ToList(), sgd), Path.Combine(sgdDir, OrtFormatNames.OptimizerModelFile));
            var sgdRun = OrtTrainingOracle.Run(sgdDir, batchDir, Path.Combine(work, "oracle-sgd"), 1, 1);
            var (_, _, sgdLosses, sgdInitial, sgdAfter) = TrainImported(source, checkpointFile, batch, inputs, Path.Combine(work, "portable-sgd"), sgd);
            var gradients = UpdateDifference(sgdDir, sgdRun, sgdInitial, sgdAfter);

            double first = Math.Abs(run.Losses[0] - losses[0]);
            TestContext.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(source)} ({checkpointFile}, v{result.SourceCheckpointVersion}; {ratiosZeroed} dropout ratio value(s) zeroed for ORT): " +
                $"first loss ort {run.Losses[0]:R} import-ort portable {losses[0]:R} |Δ| {first:E2}; eval ort {run.EvalLossBefore:R} portable {evalLoss:R}; " +
                $"SGD step-1 update max ‖Δu‖∞/‖u‖∞ {gradients:E2}; AdamW (adam_mode 1) step-1 update max ‖Δu‖∞/‖u‖∞ {adamw:E2}; " +
                $"ort [{string.Join(", ", run.Losses.Select(l => l.ToString("G7", CultureInfo.InvariantCulture)))}] " +
                $"portable [{string.Join(", ", losses.Select(l => l.ToString("G7", CultureInfo.InvariantCulture)))}]"));

            Assert.AreEqual(sourceCheckpoint.TrainableParameters.Count, result.Manifest.Trainable.Count, "every ORT-trainable parameter trains");
            CollectionAssert.AreEquivalent(run.TrainingInputNames.ToArray(), result.Manifest.Inputs.Select(i => i.Name).ToArray(), "data inputs");
            Assert.IsLessThanOrEqualTo(1e-5 * Math.Max(1, Math.Abs(run.Losses[0])), first, "first-step loss, ORT runtime vs import-ort on the portable backend");
            Assert.IsLessThanOrEqualTo(1e-5 * Math.Max(1, Math.Abs(run.EvalLossBefore)), Math.Abs(run.EvalLossBefore - evalLoss), "eval loss");
            Assert.IsLessThanOrEqualTo(1e-5 * Math.Max(1, Math.Abs(run.EvalLossBefore)), Math.Abs(run.Losses[0] - run.EvalLossBefore),
                "the runtime's first training step equals its eval step, so no dropout is left in its training model");
            Assert.IsLessThanOrEqualTo(1e-5 * Math.Max(1, Math.Abs(sgdRun.Losses[0])), Math.Abs(sgdRun.Losses[0] - sgdLosses[0]), "first loss, SGD");
            // Float parameters of ~0.1 hold a 1e-3·g update to a few ulps; 1 % still catches any wrong gradient term.
            Assert.IsLessThanOrEqualTo(1e-2, gradients, "SGD update (= gradient) after one step, ORT vs import");
            Assert.IsLessThanOrEqualTo(1e-2, adamw, "AdamW update after one step, ORT (adam_mode 1) vs import (Hugging Face form)");
            var path = run.Losses.Zip(losses, (a, b) => Math.Abs(a - b)).Max();
            Assert.IsLessThanOrEqualTo(1e-4 * Math.Max(1, Math.Abs(run.Losses[0])), path, "the losses of all steps, ORT vs import");
            Assert.IsLessThan(losses[0], losses[^1], $"portable loss did not fall: [{string.Join(", ", losses)}]");
            Assert.IsLessThan(run.Losses[0], run.Losses[^1], $"ORT loss did not fall: [{string.Join(", ", run.Losses)}]");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The set as the runtime gets it: version-2 checkpoint (ORT 1.19 loads no other), Dropout ratios 0.</summary>
    private static string RuntimeCopy(string source, TrainingCheckpoint checkpoint, string directory, out int ratiosZeroed)
    {
        Directory.CreateDirectory(directory);
        foreach (var f in new[] { OrtFormatNames.EvalModelFile, OrtFormatNames.OptimizerModelFile })
            File.Copy(Path.Combine(source, f), Path.Combine(directory, f));
        ratiosZeroed = WithoutDropout(Path.Combine(source, OrtFormatNames.TrainingModelFile), Path.Combine(directory, OrtFormatNames.TrainingModelFile));
        CheckpointWriter.Write(checkpoint, Path.Combine(directory, OrtFormatNames.CheckpointFile), new CheckpointWriteOptions { Version = 2 });
        return directory;
    }

    /// <summary>Imports (Dropout off) and trains <see cref="Steps"/> steps on the portable backend.</summary>
    private static (OrtImportResult Result, float EvalLoss, List<float> Losses, Dictionary<string, float[]> Initial, Dictionary<string, float[]> AfterStep1)
        TrainImported(string source, string checkpointFile, int batch, List<NamedTensor> inputs, string directory, OptimizerOptions? optimizer)
    {
        var result = OrtArtifactImporter.Import(source, directory, new OrtImportOptions
        {
            Shapes = new SpecializationOptions { Batch = batch },
            CheckpointFile = checkpointFile,
            TrainingDropout = false,
            Optimizer = optimizer,
            // SGD keeps no state; the AdamW state of a checkpoint would not fit it.
            CarryOptimizerState = optimizer is null,
        });
        var losses = new List<float>();
        using var session = SessionCheckpoints.Open(directory);
        var initial = session.Parameters().ToDictionary(p => p.Name, p => p.ToArray<float>());
        float evalLoss = session.Evaluate(inputs).loss;
        Dictionary<string, float[]> afterStep1 = [];
        for (int step = 0; step < Steps; step++)
        {
            losses.Add(session.TrainStep(inputs));
            session.OptimizerStep(LearningRate);
            if (step == 0) afterStep1 = session.Parameters().ToDictionary(p => p.Name, p => p.ToArray<float>());
        }
        return (result, evalLoss, losses, initial, afterStep1);
    }

    /// <summary>
    /// The largest per-tensor ‖u_ort − u_portable‖∞ / ‖u_portable‖∞ of the first step's update u = p₁ − p₀. The runtime's
    /// flat buffer lists the trainable parameters in its training model's input order.
    /// </summary>
    private static double UpdateDifference(string ortDir, OracleRun run, Dictionary<string, float[]> initial, Dictionary<string, float[]> afterStep1)
    {
        var order = OnnxModelIO.Load(Path.Combine(ortDir, OrtFormatNames.TrainingModelFile)).Graph.Inputs
            .Select(v => v.Name).Where(afterStep1.ContainsKey).ToList();
        var ortInitial = run.Parameters("initial");
        var ortAfter = run.Parameters("step1");
        double worst = 0;
        int offset = 0;
        foreach (var name in order)
        {
            var p0 = initial[name];
            var p1 = afterStep1[name];
            double norm = 0, diff = 0;
            for (int i = 0; i < p0.Length; i++)
            {
                Assert.AreEqual(ortInitial[offset + i], p0[i], $"initial {name}[{i}]");
                double mine = (double)p1[i] - p0[i], theirs = (double)ortAfter[offset + i] - ortInitial[offset + i];
                norm = Math.Max(norm, Math.Abs(mine));
                diff = Math.Max(diff, Math.Abs(mine - theirs));
            }
            worst = Math.Max(worst, norm == 0 ? diff : diff / norm);
            offset += p0.Length;
        }
        Assert.AreEqual(ortAfter.Length, offset, "trainable parameter count");
        return worst;
    }

    /// <summary>Copies an ORT training model with every Dropout ratio (and so DropoutGrad's, which reads the same value) set to 0.</summary>
    internal static int WithoutDropout(string from, string to)
    {
        var model = OnnxModelIO.Load(from);
        var graph = model.Graph;
        var ratios = graph.Nodes.Where(n => n.OpType == "Dropout" && n.InputOrNull(1) is not null).Select(n => n.InputOrNull(1)!).Distinct().ToList();
        foreach (var ratio in ratios)
            ratio.ReplaceAllUsesWith(graph.AddInitializer(graph.UniqueName("test/dropout_ratio_zero"), Tensor.Scalar(0f)));
        OnnxModelIO.Save(model, to);
        return ratios.Count;
    }

    private static float[] Floats(Random random, int count, double lo, double hi) =>
        Enumerable.Range(0, count).Select(_ => (float)(lo + (hi - lo) * random.NextDouble())).ToArray();
}
