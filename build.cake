// Build targets for OrtTune; run with `dotnet tool restore && dotnet cake --target=NAME`.
// Artifacts, Train, Export and Bench are meant to be copied into other builds: they only call the `orttune` command
// (or the benchmark script) and take their settings as Cake arguments, e.g. --target=Train --artifacts=DIR --vocab=100.
var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var artifacts = Directory("./artifacts");

Task("Clean")
    .Does(() => CleanDirectory(artifacts));

Task("Build")
    .Does(() => DotNetBuild("./OrtTune.sln", new DotNetBuildSettings { Configuration = configuration }));

Task("Test")
    .Description("Runs every test project; ends with 'N passed, N failed, N skipped'.")
    .IsDependentOn("Build")
    .Does(() =>
    {
        var exit = StartProcess("bash", new ProcessSettings { Arguments = $"tools/test.sh --no-build -c {configuration}" });
        if (exit != 0) throw new Exception($"Tests failed (exit code {exit}).");
    });

Task("Pack")
    .Description("Packs the orttune command as a .NET tool into artifacts/packages.")
    .IsDependentOn("Build")
    .Does(() => DotNetPack("./tools/OrtTune.Cli/OrtTune.Cli.csproj", new DotNetPackSettings
    {
        Configuration = configuration,
        NoBuild = true,
        OutputDirectory = artifacts + Directory("packages"),
    }));

Task("Inspect")
    .Description("Prints what a model holds: --model=PATH [--batch=B --seq=S].")
    .Does(() =>
    {
        var model = Argument<string>("model");
        var args = $"run --project tools/OrtTune.Cli -c {configuration} -- inspect \"{model}\"";
        if (HasArgument("batch")) args += $" --batch {Argument<int>("batch")}";
        if (HasArgument("seq")) args += $" --seq {Argument<int>("seq")}";
        var exit = StartProcess("dotnet", new ProcessSettings { Arguments = args });
        if (exit != 0) throw new Exception($"orttune inspect failed (exit code {exit}).");
    });

// Runs the orttune command from this repository's build output.
void Orttune(string arguments)
{
    var exit = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = $"tools/OrtTune.Cli/bin/{configuration}/net10.0/orttune.dll {arguments}",
    });
    if (exit != 0) throw new Exception($"orttune {arguments.Split(' ')[0]} failed (exit code {exit}).");
}

// Runs orttune and parses the JSON object its last output line holds (eval --json).
System.Text.Json.Nodes.JsonObject OrttuneJson(string arguments)
{
    var exit = StartProcess("dotnet", new ProcessSettings
    {
        Arguments = $"tools/OrtTune.Cli/bin/{configuration}/net10.0/orttune.dll {arguments}",
        RedirectStandardOutput = true,
    }, out var lines);
    var all = lines.ToList();
    if (exit != 0) throw new Exception($"orttune {arguments.Split(' ')[0]} failed (exit code {exit}):\n{string.Join("\n", all)}");
    return (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(all.Last(l => l.TrimStart().StartsWith("{")))!;
}

// Appends "--name value" for each Cake argument that is given (--name=value on the cake command line).
string Options(params string[] names)
{
    var text = "";
    foreach (var name in names)
        if (HasArgument(name)) text += $" --{name} \"{Argument<string>(name)}\"";
    return text;
}

Task("Artifacts")
    .Description("orttune prepare: --model=PATH --out=DIR --batch=B --seq=S --loss=classification|causal-lm|mse|bce " +
                 "[--trainable=all|lora:...] [--freeze=GLOBS] [--optimizer=adamw|sgd] [--lr=X] [--max-grad-norm=X] [--format=portable|ort|both].")
    .IsDependentOn("Build")
    .Does(() =>
    {
        var args = $"prepare \"{Argument<string>("model")}\" --out \"{Argument<string>("out")}\" --batch {Argument<int>("batch")} " +
                   $"--seq {Argument<int>("seq")} --loss {Argument<string>("loss")}";
        Orttune(args + Options("trainable", "train", "freeze", "optimizer", "lr", "weight-decay", "max-grad-norm", "format"));
    });

Task("Train")
    .Description("orttune train: --artifacts=DIR (--data=FOLDER | --vocab=V for synthetic batches) [--eval-data=FOLDER] [--epochs=E] [--steps=N] " +
                 "[--lr=X] [--schedule=constant|linear|cosine] [--warmup=N] [--accumulate=K] [--eval-every=N] [--metric=loss|accuracy|f1|perplexity] " +
                 "[--early-stop=N] [--min-delta=X] [--keep=N] [--save-every=N] [--checkpoints=DIR] [--metrics-dir=DIR] [--resume=CKPT] [--seed=S] [--device=cpu|cuda].")
    .IsDependentOn("Build")
    .Does(() =>
    {
        var args = $"train \"{Argument<string>("artifacts")}\"";
        args += HasArgument("data") ? $" --data \"{Argument<string>("data")}\"" : $" --synthetic --vocab {Argument<long>("vocab")}";
        Orttune(args + Options("eval-data", "epochs", "steps", "lr", "schedule", "warmup", "accumulate", "eval-every", "metric", "early-stop",
            "min-delta", "keep", "save-every", "checkpoints", "metrics-dir", "resume", "seed", "device"));
    });

Task("Export")
    .Description("orttune export: --artifacts=DIR --out=model.onnx [--checkpoint=CKPT, default: the best of DIR/checkpoints].")
    .IsDependentOn("Build")
    .Does(() =>
    {
        Orttune($"export \"{Argument<string>("artifacts")}\" --out \"{Argument<string>("out")}\"" + Options("checkpoint"));
    });

Task("Demo")
    .Description("The main job: fine-tune the pretrained stories260K Llama (../shared) as an SST-2 sentiment classifier with PEMA, " +
                 "show accuracy before/after, plot the run and export a plain ONNX model; without ../shared, the same pipeline on a fixture.")
    .IsDependentOn("Build")
    .Does(() =>
    {
        var outDir = MakeAbsolute(Directory("out/demo"));
        CleanDirectory(outDir);
        var shared = MakeAbsolute(Directory("../shared/data"));
        var model = shared.CombineWithFilePath("models/stories260K/stories260K.onnx");
        var sst2 = shared.Combine("text/sst2");
        if (!FileExists(model) || !FileExists(sst2.CombineWithFilePath("train.tsv")))
        {
            Warning($"{shared} (the project's shared data: stories260K and SST-2) is absent; running the pipeline on the llama test fixture instead.");
            FixtureDemo(outDir);
            return;
        }
        var artifacts = outDir.Combine("artifacts");
        var train = sst2.CombineWithFilePath("train.tsv");
        var test = sst2.CombineWithFilePath("test.tsv");
        var text = $"--text-column sentence";
        Orttune($"inspect \"{model}\" --batch 16 --seq 48");
        // A classifier head (mean of the hidden states) replaces the LM head; PEMA keeps the embedding rows SST-2 uses;
        // the RoPE tables fc/fs are buffers, not weights.
        Orttune($"prepare \"{model}\" --out \"{artifacts}\" --batch 16 --seq 48 --loss classification --head 2:mean --freeze fc,fs " +
                $"--lr 1e-3 --tokenizer llama2c:\"{shared}/models/stories260K/tok512.bin\" --labels negative,positive " +
                $"--vocab-from \"{train}\",\"{test}\" --vocab-columns sentence");
        var before = OrttuneJson($"eval \"{artifacts}\" --checkpoint \"{artifacts}/checkpoint\" --eval-file \"{test}\" {text} --labels 0,1 --json");
        Orttune($"train \"{artifacts}\" --train-file \"{train}\" --eval-file \"{test}\" {text} --labels 0,1 --steps 800 --eval-every 200 " +
                $"--schedule linear --warmup 40 --metric accuracy --metrics-dir \"{outDir}\"");
        var after = OrttuneJson($"eval \"{artifacts}\" --eval-file \"{test}\" {text} --labels 0,1 --json");
        Orttune($"export \"{artifacts}\" --out \"{outDir}/sst2-classifier.onnx\"");
        Information("");
        Information($"stories260K as an SST-2 classifier, GLUE dev set ({after["examples"]} sentences): " +
                    $"accuracy {(double)before["accuracy"]:P1} (untrained head) -> {(double)after["accuracy"]:P1} after 800 steps");
        Information($"plot: {outDir}/metrics.png   exported model: {outDir}/sst2-classifier.onnx (plain ONNX, any ONNX Runtime)");
    });

// The same pipeline on the committed llama fixture (no shared data needed): causal LM on its reference batch.
void FixtureDemo(DirectoryPath outDir)
{
    var fixture = "tests/fixtures/models/llama";
    CreateDirectory(outDir.Combine("data"));
    // A causal LM learns its own next tokens, so the ids are also the labels.
    CopyFile($"{fixture}/inputs_input_ids.npy", outDir.Combine("data").CombineWithFilePath("input_ids.npy"));
    CopyFile($"{fixture}/inputs_input_ids.npy", outDir.Combine("data").CombineWithFilePath("labels.npy"));
    Orttune($"inspect {fixture}/model.onnx --batch 2 --seq 8");
    Orttune($"prepare {fixture}/model.onnx --out \"{outDir}/artifacts\" --batch 2 --seq 8 --loss causal-lm --lr 1e-3");
    Orttune($"eval \"{outDir}/artifacts\" --data \"{outDir}/data\" --checkpoint \"{outDir}/artifacts/checkpoint\"");
    Orttune($"train \"{outDir}/artifacts\" --data \"{outDir}/data\" --eval-data \"{outDir}/data\" --steps 30 --eval-every 10 --schedule cosine --warmup 3 --metrics-dir \"{outDir}\"");
    Orttune($"export \"{outDir}/artifacts\" --out \"{outDir}/model.onnx\"");
    Orttune($"generate \"{outDir}/artifacts\" --prompt-ids 1,2,3 --max-tokens 8");
}

Task("Bench")
    .Description("BERT-base training step vs PyTorch (needs Debian python3-torch and libopenblas0-pthread); writes docs/benchmarks. " +
                 "[--rounds=N] [--steps=N] are passed to the benchmark.")
    .Does(() =>
    {
        var args = "tools/bench/run_bert_base.sh";
        if (HasArgument("rounds")) args += $" --rounds {Argument<int>("rounds")}";
        if (HasArgument("steps")) args += $" --steps {Argument<int>("steps")}";
        var exit = StartProcess("bash", new ProcessSettings { Arguments = args });
        if (exit != 0) throw new Exception($"The benchmark failed (exit code {exit}).");
    });

Task("Default").IsDependentOn("Test");

RunTarget(target);
