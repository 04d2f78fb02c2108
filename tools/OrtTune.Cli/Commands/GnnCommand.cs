using System.CommandLine;
using OrtTune.Cli.Rendering;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrtTune.Artifacts;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Gnn;
using OrtTune.Graphs.IR;
using OrtTune.Graphs.Losses;
using OrtTune.Pipeline.Graphs;
using OrtTune.Pipeline.Runtime;
using Spectre.Console;

namespace OrtTune.Cli.Commands;

/// <summary>
/// `orttune gnn train --data FILE.npz --model gcn|sage|gat --layers N --method ...`: ForwardGNN's protocol on one
/// graph: for each split, build the method's training units (one per layer for the forward methods) as portable
/// artifacts, train them with plain ONNX Runtime, and report test accuracy (mean ± std over the splits) and the
/// peak resident memory of training, per layer and in total. Metrics go to OUTPUT/metrics.csv and metrics.json.
/// </summary>
internal static class GnnCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var gnn = new Command("gnn", "Graph neural networks: backprop and forward (layer-local) training (ForwardGNN).");
        gnn.Subcommands.Add(CreateTrain(console));
        return gnn;
    }

    private static readonly Dictionary<string, GnnMethod> Methods = new(StringComparer.OrdinalIgnoreCase)
    {
        ["bp"] = GnnMethod.Backprop,
        ["sf"] = GnnMethod.SingleForward,
        ["ff-la"] = GnnMethod.ForwardForwardLabelAppending,
        ["ff-vn"] = GnnMethod.ForwardForwardVirtualNodes,
        ["sf-top2input"] = GnnMethod.SingleForwardTopToInput,
        ["sf-top2loss"] = GnnMethod.SingleForwardTopToLoss,
    };

    private static readonly Dictionary<string, GnnConv> Models = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gcn"] = GnnConv.Gcn,
        ["sage"] = GnnConv.Sage,
        ["gat"] = GnnConv.Gat,
    };

    private static Command CreateTrain(IAnsiConsole console)
    {
        var data = new Option<FileInfo>("--data") { Description = "Graph in the sparse .npz format (CSR adjacency and features, labels).", Required = true };
        var model = new Option<string>("--model") { Description = "gcn, sage or gat. Default gcn.", DefaultValueFactory = _ => "gcn" };
        var layers = new Option<int>("--layers") { Description = "GNN layers. Default 2.", DefaultValueFactory = _ => 2 };
        var method = new Option<string>("--method") { Description = "bp, sf, ff-la, ff-vn, sf-top2input or sf-top2loss. Default sf.", DefaultValueFactory = _ => "sf" };
        var splits = new Option<int>("--splits") { Description = "Node splits (k-fold, 64/16/20 for 5). Default 5.", DefaultValueFactory = _ => 5 };
        var runs = new Option<int?>("--runs") { Description = "Train on RUNS splits only. Default: all." };
        var firstSplit = new Option<int>("--first-split") { Description = "Index of the first split to train on. Default 0.", DefaultValueFactory = _ => 0 };
        var hidden = new Option<int>("--hidden") { Description = "Hidden size of every layer. Default 128.", DefaultValueFactory = _ => 128 };
        var epochs = new Option<int>("--epochs") { Description = "Most epochs per training unit (per layer for forward methods). Default 1000.", DefaultValueFactory = _ => 1000 };
        var patience = new Option<int>("--patience") { Description = "Early stopping after this many validations (every 2 epochs) without gain; <0 disables. Default 100.", DefaultValueFactory = _ => 100 };
        var lr = new Option<float>("--lr") { Description = "Adam learning rate. Default 1e-3.", DefaultValueFactory = _ => 1e-3f };
        var seed = new Option<int>("--seed") { Description = "Seed base: run i initialises with seed·101 + 3i. Default 100.", DefaultValueFactory = _ => 100 };
        var task = new Option<string>("--task") { Description = "node (classification) or link (prediction). Default node.", DefaultValueFactory = _ => "node" };
        var sparse = new Option<bool>("--sparse-features") { Description = "First layer reads the features' non-zeros instead of the dense matrix (less compute, more memory per non-zero)." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads per operator; 0 = one per core. Default 0.", DefaultValueFactory = _ => 0 };
        var negatives = new Option<int>("--negatives") { Description = "ff-vn: negative graphs per layer (capped at classes − 1; ff-la uses one). Default: all.", DefaultValueFactory = _ => int.MaxValue };
        var testSteps = new Option<int>("--test-time-steps") { Description = "sf-top2input: time steps per evaluation, probabilities summed. Default 10.", DefaultValueFactory = _ => 10 };
        var output = new Option<DirectoryInfo?>("--output") { Description = "Folder for the artifacts and metrics. Default: ./gnn-runs/NAME." };
        var command = new Command("train", "Train a GNN on a graph with the given method over the protocol's splits.");
        foreach (var o in new Option[] { data, model, layers, method, splits, runs, hidden, epochs, patience, lr, seed, task, sparse, threads, negatives, testSteps, firstSplit, output }) command.Options.Add(o);
        command.SetAction((parse, cancellation) =>
        {
            var conv = Models.TryGetValue(parse.GetValue(model)!, out var cc) ? cc
                : throw new OrtTuneException($"Unknown --model '{parse.GetValue(model)}': use gcn, sage or gat.");
            var m = Methods.TryGetValue(parse.GetValue(method)!, out var mm) ? mm
                : throw new OrtTuneException($"Unknown --method '{parse.GetValue(method)}': use {string.Join(", ", Methods.Keys)}.");
            int layerCount = parse.GetValue(layers);
            if (layerCount < 1) throw new OrtTuneException($"--layers must be at least 1, not {layerCount}.");
            if (parse.GetValue(task) is not ("node" or "link")) throw new OrtTuneException($"Unknown --task '{parse.GetValue(task)}': use node or link.");
            bool link = parse.GetValue(task) == "link";
            if (parse.GetValue(splits) < 2) throw new OrtTuneException($"--splits must be at least 2 (k-fold splits), not {parse.GetValue(splits)}.");
            if (parse.GetValue(runs) is < 1) throw new OrtTuneException($"--runs must be at least 1, not {parse.GetValue(runs)}.");
            if (parse.GetValue(testSteps) < 1) throw new OrtTuneException($"--test-time-steps must be at least 1, not {parse.GetValue(testSteps)}.");
            if (link && m is not (GnnMethod.Backprop or GnnMethod.SingleForward))
                throw new OrtTuneException("--task link supports --method bp and sf (ForwardGNN-CE: per-layer dot-product cross-entropy).");
            if (m == GnnMethod.ForwardForwardLabelAppending && parse.GetValue(sparse))
                throw new OrtTuneException("--method ff-la appends label columns to dense features; drop --sparse-features.");

            var file = parse.GetValue(data)!.FullName;
            var graph = FeatureNormalization.RowSum(NpzGraphReader.Read(file));
            var all = NodeSplits.Generate(graph.NodeCount, parse.GetValue(splits));
            int first = parse.GetValue(firstSplit);
            if (first < 0 || first >= all.Count) throw new OrtTuneException($"--first-split must lie in [0, {all.Count - 1}], not {first}.");
            var chosen = all.Skip(first).Take(parse.GetValue(runs) ?? all.Count).ToList();
            foreach (var s in chosen) NodeSplits.RequireEveryClassInTraining(graph, s);
            string name = $"{Path.GetFileNameWithoutExtension(file)}-{parse.GetValue(model)}-{parse.GetValue(method)}-{layerCount}l".ToLowerInvariant();
            var outDir = parse.GetValue(output)?.FullName ?? Path.Combine(Environment.CurrentDirectory, "gnn-runs", name);
            Directory.CreateDirectory(outDir);
            console.MarkupLine($"{Markup.Escape(Path.GetFileName(file))}: {graph.NodeCount} nodes, {graph.EdgeCount} directed edges, " +
                               $"{graph.FeatureCount} features, {graph.ClassCount} classes; {chosen.Count} split(s) of {all.Count}");

            long nonZeros = parse.GetValue(sparse) ? graph.Features.LongCount(v => v != 0) : 0;
            var trainer = new GnnNodeTrainer(new GnnTrainerOptions
            {
                Epochs = parse.GetValue(epochs), Patience = parse.GetValue(patience), LearningRate = parse.GetValue(lr),
                TestTimeSteps = parse.GetValue(testSteps),
            }, new SessionConfig { IntraOpThreads = parse.GetValue(threads) });
            var training = new GnnTrainingOptions { LearningRate = parse.GetValue(lr) };
            var rows = new List<(int Split, GnnLayerResult Result)>();
            console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    foreach (var split in chosen)
                    {
                        var bar = ctx.AddTask($"split {split.Index}", maxValue: 1);
                        var progress = new SynchronousProgress<GnnProgress>(p =>
                        {
                            bar.Description = $"split {p.Split} unit {p.Unit + 1}/{p.Units} epoch {p.Epoch} loss {p.Loss:F4} val {p.BestValidation:F2}";
                            bar.Value = (p.Unit + (double)p.Epoch / p.Epochs) / p.Units;
                        });
                        var spec = new GnnGraphSpec
                        {
                            Nodes = graph.NodeCount, Classes = graph.ClassCount, Features = graph.FeatureCount, Conv = conv,
                            Hidden = parse.GetValue(hidden), FeatureNonZeros = nonZeros, Seed = parse.GetValue(seed) * 101 + 3 * split.Index, Edges = graph.EdgeCount,
                        };
                        var splitDir = Path.Combine(outDir, "artifacts", $"split{split.Index}");
                        if (link)
                        {
                            var edgeSplit = LinkSplit.Generate(graph, split.Index, spec.Seed);
                            var linkSpec = spec with { Edges = edgeSplit.MessageEdges.Source.Length };
                            long pairs = edgeSplit.TrainTarget.Length;
                            var linkTraining = training with { Loss = LossKind.BinaryCrossEntropyWithLogits };
                            var dirs = new List<string>();
                            if (m == GnnMethod.Backprop)
                            {
                                GnnArtifacts.Write(LinkModels.Backprop(linkSpec, layerCount, pairs, false), LinkModels.Backprop(linkSpec, layerCount, pairs, true), splitDir, linkTraining);
                                dirs.Add(splitDir);
                            }
                            else
                                for (int l = 0; l < layerCount; l++)
                                {
                                    var dir = Path.Combine(splitDir, $"layer{l}");
                                    GnnArtifacts.Write(LinkModels.ForwardLayer(linkSpec, l, pairs, false), LinkModels.ForwardLayer(linkSpec, l, pairs, true), dir, linkTraining);
                                    dirs.Add(dir);
                                }
                            rows.AddRange(trainer.TrainLinks(graph, edgeSplit, dirs, forward: m != GnnMethod.Backprop, progress, cancellation)
                                .Select(r => (split.Index, m == GnnMethod.Backprop ? r with { Layers = layerCount } : r)));
                        }
                        else if (m == GnnMethod.Backprop)
                        {
                            GnnArtifacts.Write(GnnModels.Backprop(spec, layerCount, false), GnnModels.Backprop(spec, layerCount, true), splitDir, training);
                            rows.Add((split.Index, trainer.TrainBackprop(graph, split, splitDir, layerCount, progress, cancellation)));
                        }
                        else if (m == GnnMethod.ForwardForwardVirtualNodes)
                        {
                            int k = Math.Min(parse.GetValue(negatives), graph.ClassCount - 1);
                            long t = split.Train.Length, trainEdges = graph.EdgeCount + 2 * t;
                            long validationEdges = trainEdges + 2L * split.Validation.Length, testEdges = graph.EdgeCount + 2L * graph.NodeCount;
                            var dirs = new List<string>();
                            for (int l = 0; l < layerCount; l++)
                            {
                                var dir = Path.Combine(splitDir, $"layer{l}");
                                Model Inference(long edges) => ForwardForwardModels.VirtualNodesLayer(spec with { Edges = edges }, l, k, t, inference: true);
                                GnnArtifacts.Write(ForwardForwardModels.VirtualNodesLayer(spec with { Edges = trainEdges }, l, k, t, inference: false),
                                    Inference(trainEdges), dir, training with { Loss = LossKind.BinaryCrossEntropyWithLogits },
                                    [(validationEdges, Inference(validationEdges)), (testEdges, Inference(testEdges))]);
                                dirs.Add(dir);
                            }
                            rows.AddRange(trainer.TrainForwardForwardVirtualNodes(graph, split, dirs, k, spec.Seed, progress, cancellation).Select(r => (split.Index, r)));
                        }
                        else if (m == GnnMethod.ForwardForwardLabelAppending)
                        {
                            long t = split.Train.Length;
                            var dirs = new List<string>();
                            for (int l = 0; l < layerCount; l++)
                            {
                                var dir = Path.Combine(splitDir, $"layer{l}");
                                GnnArtifacts.Write(LabelAppendingModels.Layer(spec, l, t, inference: false), LabelAppendingModels.Layer(spec, l, t, inference: true), dir,
                                    training with { Loss = LossKind.BinaryCrossEntropyWithLogits });
                                dirs.Add(dir);
                            }
                            rows.AddRange(trainer.TrainForwardForwardLabelAppending(graph, split, dirs, spec.Seed, progress, cancellation).Select(r => (split.Index, r)));
                        }
                        else if (m == GnnMethod.SingleForwardTopToLoss)
                        {
                            spec = spec with { Edges = graph.EdgeCount + 2L * split.Train.Length };
                            // All layers train together, each clipping its gradient norm at 1 (the reference's --grad-max-norm).
                            var dirs = new List<string>();
                            for (int l = 0; l < layerCount; l++)
                            {
                                var dir = Path.Combine(splitDir, $"layer{l}");
                                int above = layerCount - 1 - l;
                                GnnArtifacts.Write(GnnModels.SingleForwardLayer(spec, l, false, above), GnnModels.SingleForwardLayer(spec, l, true, above), dir,
                                    training with { MaxGradNorm = 1.0 });
                                dirs.Add(dir);
                            }
                            rows.Add((split.Index, trainer.TrainSingleForwardTopToLoss(graph, split, dirs, (int)spec.Hidden, progress, cancellation)));
                        }
                        else if (m == GnnMethod.SingleForwardTopToInput)
                        {
                            spec = spec with { Edges = graph.EdgeCount + 2L * split.Train.Length };
                            var dirs = new List<string>();
                            for (int l = 0; l < layerCount; l++)
                            {
                                var dir = Path.Combine(splitDir, $"layer{l}");
                                long above = l == layerCount - 1 ? graph.ClassCount : spec.Hidden;
                                GnnArtifacts.Write(TopToInputModels.Layer(spec, l, above, false), TopToInputModels.Layer(spec, l, above, true), dir, training);
                                dirs.Add(dir);
                            }
                            rows.Add((split.Index, trainer.TrainSingleForwardTopToInput(graph, split, dirs, (int)spec.Hidden, progress, cancellation)));
                        }
                        else
                        {
                            spec = spec with { Edges = graph.EdgeCount + 2L * split.Train.Length };
                            var dirs = new List<string>();
                            for (int l = 0; l < layerCount; l++)
                            {
                                var dir = Path.Combine(splitDir, $"layer{l}");
                                GnnArtifacts.Write(GnnModels.SingleForwardLayer(spec, l, false), GnnModels.SingleForwardLayer(spec, l, true), dir, training);
                                dirs.Add(dir);
                            }
                            rows.AddRange(trainer.TrainSingleForward(graph, split, dirs, progress, cancellation).Select(r => (split.Index, r)));
                        }
                        bar.Value = bar.MaxValue;
                    }
                });
            Report(console, rows, outDir, parse.GetValue(method)!, parse.GetValue(model)!, link ? "auc" : "acc");
            return Task.FromResult(0);
        });
        return command;
    }

    /// <param name="metric">"acc" (node classification accuracy, %) or "auc" (link prediction ROC-AUC × 100).</param>
    private static void Report(IAnsiConsole console, List<(int Split, GnnLayerResult Result)> rows, string outDir, string method, string model, string metric)
    {
        string label = metric == "auc" ? "ROC-AUC ×100" : "acc %";
        var table = new Table().AddColumns("layers", $"test {label} (mean ± std)", $"val {label}", "epochs (last unit)", "peak RSS of the layer (MiB)", "total peak (MiB)");
        var summary = new List<Dictionary<string, object>>();
        foreach (var group in rows.GroupBy(r => r.Result.Layers).OrderBy(g => g.Key))
        {
            var test = group.Select(r => r.Result.TestAccuracy).ToArray();
            var (mean, std) = MeanStd(test);
            double layerPeak = group.Max(r => r.Result.PeakBytes) / 1048576.0;
            // Layers train one after another: the run's peak is the largest unit peak among the layers so far.
            double total = rows.Where(r => r.Result.Layers <= group.Key).Max(r => r.Result.PeakBytes) / 1048576.0;
            table.AddRow(group.Key.ToString(CultureInfo.InvariantCulture), $"{mean:F2} ± {std:F2}", $"{group.Average(r => r.Result.ValidationAccuracy):F2}",
                $"{group.Average(r => r.Result.Epochs):F0}", $"{layerPeak:F1}", $"{total:F1}");
            summary.Add(new()
            {
                ["method"] = method, ["model"] = model, ["metric"] = metric, ["layers"] = group.Key, ["test_mean"] = Math.Round(mean, 4), ["test_std"] = Math.Round(std, 4),
                ["val_mean"] = Math.Round(group.Average(r => r.Result.ValidationAccuracy), 4), ["layer_peak_mib"] = Math.Round(layerPeak, 2),
                ["total_peak_mib"] = Math.Round(total, 2), ["splits"] = group.Count(),
            });
        }
        console.Write(table);

        var csv = new StringBuilder($"method,model,split,layers,test_{metric},val_{metric},epochs,best_epoch,seconds,peak_bytes,baseline_bytes\n");
        foreach (var (split, r) in rows)
            csv.AppendLine(string.Join(',', method, model, split, r.Layers, F(r.TestAccuracy), F(r.ValidationAccuracy), r.Epochs, r.BestEpoch, F(r.Seconds), r.PeakBytes, r.BaselineBytes));
        AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.csv"), csv.ToString());
        AtomicFile.WriteAllText(Path.Combine(outDir, "metrics.json"), JsonSerializer.Serialize(new { summary, runs = rows.Select(r => new
        {
            split = r.Split, layers = r.Result.Layers, test_acc = r.Result.TestAccuracy, val_acc = r.Result.ValidationAccuracy, epochs = r.Result.Epochs,
            best_epoch = r.Result.BestEpoch, seconds = r.Result.Seconds, peak_bytes = r.Result.PeakBytes, baseline_bytes = r.Result.BaselineBytes,
        }) }, new JsonSerializerOptions { WriteIndented = true }));
        console.MarkupLine($"metrics: {Markup.Escape(Path.Combine(outDir, "metrics.csv"))}");
    }

    private static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    private static (double Mean, double Std) MeanStd(double[] values)
    {
        double mean = values.Average();
        // Population std, as numpy's default, which the reference uses for its summaries.
        double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        return (mean, std);
    }
}
