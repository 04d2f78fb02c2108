using System.CommandLine;
using OrtTune.Artifacts.Manifest;
using OrtTune.Graphs.Diagnostics;
using OrtTune.Graphs.Losses;
using OrtTune.Graphs.Onnx;
using OrtTune.Graphs.Optimizers;
using OrtTune.Graphs.OrtFormat;
using OrtTune.Graphs.Passes;
using OrtTune.Graphs.Rewrites;
using OrtTune.Graphs.Training;
using OrtTune.Pipeline.Text;
using OrtTune.Pipeline.Vocabulary;
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
        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "Tokenizer recorded in the manifest, KIND:PATH[,PATH]: gpt2:encoder.json,vocab.bpe | wordpiece:vocab.txt | " +
                          "sentencepiece:tokenizer.model | tiktoken:cl100k_base | llama2c:tok512.bin. Files are referenced, not copied.",
        };
        var labels = new Option<string?>("--labels") { Description = "Classification label names in class order, comma-separated (recorded in the manifest)." };
        var vocabFrom = new Option<string[]>("--vocab-from")
        {
            Description = "PEMA: keep only the input-embedding rows of the token ids these data files use (count every split you will train or evaluate on). Needs --tokenizer.",
            AllowMultipleArgumentsPerToken = true,
        };
        var head = new Option<string?>("--head")
        {
            Description = "Replace the output layer (e.g. an LM head) by a new classifier: CLASSES[:last|mean|first] pooling (default last real token), " +
                          "':pooler' adds a dense layer with tanh before it (BERT's pooler). Adds an attention_mask input when the model has none; the head always trains.",
        };
        var tokenSelect = new Option<string?>("--token-select")
        {
            Description = "TokenTune: gradients through a random subset of tokens, p=RATIO (decoder default p=0.3) or k=COUNT; " +
                          "with a mean head, the head trains on the mean of the selected tokens (the reference's), ',pool=unbiased' on their " +
                          "selection-weighted mean (an unbiased estimate of the all-token mean), ',pool=all' on the mean over all tokens. Default: off.",
        };
        var quantizeFrozen = new Option<bool>("--quantize-frozen")
        {
            Description = "Hold the frozen weight matrices and embedding tables in int8 with per-channel scales (QLoRA-like, standard " +
                          "DequantizeLinear): about a quarter of their memory. Portable format only; exports are float again.",
        };
        var vocabColumns = new Option<string>("--vocab-columns") { Description = "Text columns counted by --vocab-from, comma-separated. Default 'text'.", DefaultValueFactory = _ => "text" };
        var shapes = new ShapeOptions();
        var command = new Command("prepare", "Write training artifacts: training, eval and optimizer graphs, checkpoint and manifest.");
        command.Arguments.Add(model);
        foreach (var o in new Option[] { output, loss, trainable, train, freeze, optimizer, lr, weightDecay, clip, prediction, format, tokenizer, labels, vocabFrom, vocabColumns, head, tokenSelect, quantizeFrozen }) command.Options.Add(o);
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
                Head = parse.GetValue(head) is { } headSpec ? ClassificationHeadOptions.Parse(headSpec) : null,
                Lora = (parse.GetValue(trainable) ?? "all") switch
                {
                    "all" => null,
                    var spec when spec.StartsWith("lora", StringComparison.Ordinal) => LoraOptions.Parse(spec),
                    var other => throw new OrtTuneException($"--trainable must be 'all' or a lora spec such as 'lora:r=8,alpha=16', got '{other}'."),
                },
                TokenTune = parse.GetValue(tokenSelect) is { } select ? TokenTuneOptions.Parse(select) : null,
                QuantizeFrozen = parse.GetValue(quantizeFrozen) ? new FrozenWeightQuantizationOptions() : null,
            };
            var dir = parse.GetValue(output)!.FullName;
            var source = parse.GetValue(model)!.FullName;
            // Opened before anything is written, so a bad tokenizer leaves no half-made directory behind.
            var text = OpenTokenizer(parse.GetValue(tokenizer));
            var labelNames = parse.GetValue(labels) is { } names ? Globs(names).ToList() : null;
            if (parse.GetValue(vocabFrom) is { Length: > 0 } vocabFiles)
            {
                if (text is null) throw new OrtTuneException("--vocab-from counts token ids with the artifacts' tokenizer: give --tokenizer KIND:PATH too.");
                var counted = console.Status().Start("counting the data's vocabulary", _ =>
                    VocabularyCounter.Count(vocabFiles.SelectMany(f => f.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(Path.GetFullPath),
                        Globs(parse.GetValue(vocabColumns)!), text));
                console.MarkupLine($"PEMA: {counted.Rows:N0} rows, {counted.Tokens:N0} tokens use {counted.UsedIds.Length:N0} of {text.VocabularySize:N0} token ids " +
                                   $"({100.0 * counted.UsedIds.Length / text.VocabularySize:F1} %)");
                options = options with { Vocabulary = new PemaOptions { UsedIds = counted.UsedIds } };
            }
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
            // What the data pipeline checks text against: the tokenizer, the embedding's rows, the classifier's classes.
            long? vocabulary = EmbeddingRows(source);
            long? classes = kind == LossKind.SequenceClassificationCrossEntropy ? PredictionClasses(Path.Combine(dir, manifest.Files.Eval), manifest.PredictionName) : null;
            if (labelNames is not null && classes is { } c && labelNames.Count != c)
                console.MarkupLine($"[yellow]note:[/] --labels names {labelNames.Count} labels but the classifier has {c} classes; datasets will refuse this label map.");
            if (text is not null || labelNames is not null || vocabulary is not null || classes is not null)
            {
                manifest = manifest with
                {
                    Tokenizer = text?.Settings ?? manifest.Tokenizer,
                    VocabularySize = vocabulary ?? manifest.VocabularySize,
                    Labels = labelNames ?? manifest.Labels,
                    Classes = classes ?? manifest.Classes,
                };
                manifest.Save(dir);
                if (text is not null && vocabulary is { } rows && text.VocabularySize > rows)
                    console.MarkupLine($"[yellow]note:[/] the {text.Settings.Kind} tokenizer has {text.VocabularySize} tokens but the model's embedding {rows} rows; data with ids ≥ {rows} will be refused.");
            }
            if (manifest.Methods.ContainsKey(FrozenWeightQuantization.MethodName) && manifest.SharedWeights is { } shared)
            {
                var int8 = shared.Tensors.Where(t => t.ElemType == "int8").ToList();
                console.MarkupLine($"frozen weights: {int8.Count} tensors held in int8, {int8.Sum(t => t.Length) / 1048576.0:F1} MiB instead of {4 * int8.Sum(t => t.Length) / 1048576.0:F1} MiB");
            }
            long count = manifest.Trainable.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
            console.MarkupLine($"wrote {Markup.Escape(dir)}: {manifest.Trainable.Count} trainable tensors ({count:N0} values), " +
                               $"{manifest.Frozen.Count} frozen; inputs {Markup.Escape(string.Join(", ", manifest.Inputs.Select(i => $"{i.Name}[{string.Join(",", i.Shape)}]")))}");
            return 0;
        });
        return command;
    }

    private static ITokenizer? OpenTokenizer(string? spec)
    {
        if (spec is null) return null;
        try
        {
            return TokenizerFactory.Open(TokenizerSettings.Parse(spec));
        }
        catch (FormatException e)
        {
            throw new OrtTuneException($"--tokenizer: {e.Message}");
        }
    }

    /// <summary>Rows of the embedding that input_ids index (a Gather of an initializer, possibly after a Cast); null when not found.</summary>
    private static long? EmbeddingRows(string modelPath)
    {
        var graph = OnnxModelIO.Load(modelPath).Graph;
        var ids = graph.Inputs.Find(v => v.Name == "input_ids");
        if (ids is null) return null;
        var readers = ids.Uses.SelectMany(u => u.Node.OpType == "Cast" ? u.Node.Outputs.SelectMany(o => o?.Uses ?? []) : [u]);
        foreach (var use in readers)
            if (use.Node.OpType == "Gather" && use.InputIndex == 1 && use.Node.Inputs[0]?.Initializer is { } table && table.Dims.Count == 2)
                return table.Dims[0];
        return null;
    }

    /// <summary>The last axis of the eval graph's prediction output (the classes of a classifier); null when not static.</summary>
    private static long? PredictionClasses(string evalModel, string prediction)
    {
        var output = OnnxModelIO.Load(evalModel).Graph.Outputs.Find(o => o.Name == prediction);
        return output?.Shape is { Count: > 0 } shape ? shape[^1].Value : null;
    }

    private static string[] Globs(string? list) =>
        (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
