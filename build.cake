// Build targets for OrtTune; run with `dotnet tool restore && dotnet cake --target=NAME`.
// Targets users can copy into their own builds come with later work (Artifacts, Train, Export, Bench).
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

Task("Default").IsDependentOn("Test");

RunTarget(target);
