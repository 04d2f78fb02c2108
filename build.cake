// Build targets for OrtTune; run with `dotnet tool restore && dotnet cake --target=NAME`.
// Artifacts and Train are meant to be copied into other builds: they only call the `orttune` command.
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

Task("Artifacts")
    .Description("orttune prepare: --model=PATH --out=DIR --batch=B --seq=S --loss=classification|causal-lm|mse|bce [--freeze=GLOBS] [--lr=X].")
    .IsDependentOn("Build")
    .Does(() =>
    {
        var args = $"prepare \"{Argument<string>("model")}\" --out \"{Argument<string>("out")}\" --batch {Argument<int>("batch")} " +
                   $"--seq {Argument<int>("seq")} --loss {Argument<string>("loss")}";
        if (HasArgument("freeze")) args += $" --freeze \"{Argument<string>("freeze")}\"";
        if (HasArgument("lr")) args += $" --lr {Argument<string>("lr")}";
        Orttune(args);
    });

Task("Train")
    .Description("orttune train: --artifacts=DIR (--data=FOLDER | --vocab=V for synthetic batches) [--steps=N] [--resume=CKPT].")
    .IsDependentOn("Build")
    .Does(() =>
    {
        var args = $"train \"{Argument<string>("artifacts")}\" --steps {Argument("steps", 10)}";
        args += HasArgument("data") ? $" --data \"{Argument<string>("data")}\"" : $" --synthetic --vocab {Argument<long>("vocab")}";
        if (HasArgument("resume")) args += $" --resume \"{Argument<string>("resume")}\"";
        Orttune(args);
    });

Task("Demo")
    .Description("The main job: inspect a transformer export, prepare training artifacts and train them on its reference batch.")
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
        Orttune($"train \"{outDir}/artifacts\" --data \"{outDir}/data\" --steps 30");
    });

Task("Bench")
    .Description("BERT-base training step vs PyTorch (needs Debian python3-torch and libopenblas0-pthread); writes docs/benchmarks.")
    .Does(() =>
    {
        var exit = StartProcess("bash", new ProcessSettings { Arguments = "tools/bench/run_bert_base.sh" });
        if (exit != 0) throw new Exception($"The benchmark failed (exit code {exit}).");
    });

Task("Default").IsDependentOn("Test");

RunTarget(target);
