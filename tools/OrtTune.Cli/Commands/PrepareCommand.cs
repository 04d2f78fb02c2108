using System.CommandLine;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.OrtFormat;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Training;
using Spectre.Console;

namespace OrtTune.Cli.Commands;

/// <summary>`orttune prepare MODEL --out DIR --batch B --seq S --loss KIND`: write training artifacts.</summary>
internal static class PrepareCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var model = new Argument<FileInfo>("model") { Description = "The exported ONNX model (external data is read from its folder)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Artifacts directory to write.", Required = true };
        var loss = new Option<string>("--loss")
        {
            Description = "classification (logits [B,C] vs labels [B]), causal-lm (next-token, labels [B,S]), mse or bce.",
            Required = true,
        };
        var trainable = new Option<string>("--trainable")
        {
            Description = "all (default: the parameters --train/--freeze select) or lora[:r=8,alpha=16,dropout=0,targets=*q_proj*|*v_proj*,bias=false].",
            DefaultValueFactory = _ => "all",
        };
        var train = new Option<string>("--train") { Description = "Comma-separated globs of parameters to train. Default: all.", DefaultValueFactory = _ => "*" };
        var freeze = new Option<string?>("--freeze") { Description = "Comma-separated globs of parameters to keep frozen, e.g. 'fc,fs,*.bias'." };
        var optimizer = new Option<string>("--optimizer") { Description = "adamw (default) or sgd.", DefaultValueFactory = _ => "adamw" };
        var lr = new Option<double>("--lr") { Description = "Starting learning rate recorded in the artifacts. Default 5e-5.", DefaultValueFactory = _ => 5e-5 };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "Decoupled weight decay (AdamW default 0.01, SGD 0)." };
        var clip = new Option<double?>("--max-grad-norm") { Description = "Clip the global gradient norm to this value. Default: no clipping." };
        var format = new Option<string>("--format")
        {
            Description = "portable (default: standard ONNX ops, any ONNX Runtime), ort (ONNX Runtime training 1.19 artifacts), or both (ORT set in DIR/ort).",
            DefaultValueFactory = _ => "portable",
        };
        var prediction = new Option<string?>("--prediction") { Description = "Model output the loss reads. Default: the first output." };
        var tokenSelect = new Option<string?>("--token-select")
        {
            Description = "TokenTune: gradients through a random subset of tokens, p=RATIO (decoder default p=0.3) or k=COUNT. Default: off.",
        };
        var shapes = new ShapeOptions();
        var command = new Command("prepare", "Write training artifacts: training, eval and optimizer graphs, checkpoint and manifest.");
        command.Arguments.Add(model);
        foreach (var o in new Option[] { output, loss, trainable, train, freeze, optimizer, lr, weightDecay, clip, prediction, format, tokenSelect }) command.Options.Add(o);
        shapes.AddTo(command);
        command.SetAction(parse =>
        {
            var specialization = shapes.Read(parse, requireStatic: true)
                ?? throw new OrtTuneException("prepare needs the training shapes: --batch and --seq (or --dim NAME=SIZE).");
            var kind = parse.GetValue(loss) switch
            {
                "classification" => LossKind.SequenceClassificationCrossEntropy,
                "causal-lm" => LossKind.CausalLMCrossEntropy,
                "mse" => LossKind.MeanSquaredError,
                "bce" => LossKind.BinaryCrossEntropyWithLogits,
                var other => throw new OrtTuneException($"--loss must be classification, causal-lm, mse or bce, got '{other}'."),
            };
            double? wd = parse.GetValue(weightDecay);
            double? maxNorm = parse.GetValue(clip);
            OptimizerOptions optimizerOptions = parse.GetValue(optimizer) switch
            {
                "adamw" => new AdamWOptions { WeightDecay = wd ?? 0.01, MaxGradNorm = maxNorm, ReportGradNorm = true },
                "sgd" => new SgdOptions { WeightDecay = wd ?? 0, MaxGradNorm = maxNorm, ReportGradNorm = true },
                var other => throw new OrtTuneException($"--optimizer must be adamw or sgd, got '{other}'."),
            };
            var options = new ArtifactOptions
            {
                Shapes = specialization,
                Loss = new LossOptions(kind),
                Parameters = new ParameterSelection { Train = Globs(parse.GetValue(train)), Freeze = Globs(parse.GetValue(freeze)) },
                Optimizer = optimizerOptions,
                LearningRate = parse.GetValue(lr),
                Prediction = parse.GetValue(prediction),
                Lora = (parse.GetValue(trainable) ?? "all") switch
                {
                    "all" => null,
                    var spec when spec.StartsWith("lora", StringComparison.Ordinal) => LoraOptions.Parse(spec),
                    var other => throw new OrtTuneException($"--trainable must be 'all' or a lora spec such as 'lora:r=8,alpha=16', got '{other}'."),
                },
                TokenTune = parse.GetValue(tokenSelect) is { } select ? TokenTuneOptions.Parse(select) : null,
            };
            var dir = parse.GetValue(output)!.FullName;
            var source = parse.GetValue(model)!.FullName;
            var chosen = parse.GetValue(format) ?? "portable";
            if (chosen is not ("portable" or "ort" or "both"))
                throw new OrtTuneException($"--format must be portable, ort or both, got '{chosen}'.");
            if (chosen != "portable")
            {
                var ortDir = chosen == "both" ? Path.Combine(dir, "ort") : dir;
                var set = console.Status().Start("preparing ORT-format artifacts", ctx =>
                    OrtArtifactWriter.Write(source, ortDir, options, new Progress<string>(s => ctx.Status(s))));
                console.MarkupLine($"wrote ONNX Runtime training artifacts to {Markup.Escape(ortDir)} ({set.Trainable.Count} trainable, {set.Frozen.Count} frozen parameters)");
                if (chosen == "ort") return 0;
            }
            var manifest = console.Status().Start("preparing", ctx =>
                ArtifactBuilder.Build(source, dir, options, new Progress<string>(s => ctx.Status(s))));
            long count = manifest.Trainable.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
            console.MarkupLine($"wrote {Markup.Escape(dir)}: {manifest.Trainable.Count} trainable tensors ({count:N0} values), " +
                               $"{manifest.Frozen.Count} frozen; inputs {Markup.Escape(string.Join(", ", manifest.Inputs.Select(i => $"{i.Name}[{string.Join(",", i.Shape)}]")))}");
            return 0;
        });
        return command;
    }

    private static string[] Globs(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
