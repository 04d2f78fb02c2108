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
    .Description("The main job: inspect a transformer export, prepare training artifacts, train them on its reference batch, evaluate and export.")
    .IsDependentOn("Build")
    .Does(() =>
    {
        var fixture = "tests/fixtures/models/llama";
        var outDir = MakeAbsolute(Directory("out/demo"));
        CleanDirectory(outDir);
        CreateDirectory(outDir.Combine("data"));
        // The fixture's reference batch; a causal LM learns its own next tokens, so the ids are also the labels.
        CopyFile($"{fixture}/inputs_input_ids.npy", outDir.Combine("data").CombineWithFilePath("input_ids.npy"));
        CopyFile($"{fixture}/inputs_input_ids.npy", outDir.Combine("data").CombineWithFilePath("labels.npy"));
        Orttune($"inspect {fixture}/model.onnx --batch 2 --seq 8");
        Orttune($"prepare {fixture}/model.onnx --out \"{outDir}/artifacts\" --batch 2 --seq 8 --loss causal-lm --lr 1e-3");
        Orttune($"eval \"{outDir}/artifacts\" --data \"{outDir}/data\" --checkpoint \"{outDir}/artifacts/checkpoint\"");
        Orttune($"train \"{outDir}/artifacts\" --data \"{outDir}/data\" --eval-data \"{outDir}/data\" --steps 30 --eval-every 10 --schedule cosine --warmup 3");
        Orttune($"export \"{outDir}/artifacts\" --out \"{outDir}/model.onnx\"");
        Orttune($"generate \"{outDir}/artifacts\" --prompt-ids 1,2,3 --max-tokens 8");
    });

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
