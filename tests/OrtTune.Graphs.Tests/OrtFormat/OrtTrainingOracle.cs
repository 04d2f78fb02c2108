using System.Diagnostics;
using System.Text.Json;
using OrtTune.Graphs.Tests.TestSupport;

namespace OrtTune.Graphs.Tests.OrtFormat;

/// <summary>What tests/conformance/run-training.cjs reports (its JSON on stdout).</summary>
public sealed record OracleRun(
    IReadOnlyList<string> TrainingInputNames,
    IReadOnlyList<string> TrainingOutputNames,
    IReadOnlyList<string> EvalInputNames,
    long TrainableSize,
    long AllSize,
    float EvalLossBefore,
    IReadOnlyList<float> Losses,
    float EvalLossAfter,
    string OutDirectory)
{
    /// <summary>A flat float32 parameter buffer the script wrote, e.g. "step1" or "initial_all".</summary>
    public float[] Parameters(string label) => Npy.Read(Path.Combine(OutDirectory, $"params_{label}.npy")).ToArray<float>();
}

/// <summary>
/// Runs ORT-format artifacts in ONNX Runtime's own training runtime: onnxruntime-web 1.19.2 (pinned in
/// tests/conformance/package-lock.json) under Node. Installs the package with `npm ci` once per test run when
/// node_modules is missing; without node or npm the calling test is marked inconclusive with the reason.
/// </summary>
public static class OrtTrainingOracle
{
    public static string HarnessDirectory => Path.Combine(TestPaths.RepoRoot, "tests", "conformance");

    private static readonly Lazy<string?> Unavailable = new(Install, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Marks the test inconclusive when the oracle cannot run here (no node, no npm, install failed).</summary>
    public static void Require()
    {
        if (Unavailable.Value is { } reason) Assert.Inconclusive($"Skipped: the ORT training-runtime oracle is unavailable: {reason}");
    }

    /// <summary>Trains <paramref name="artifacts"/> for <paramref name="steps"/> steps on the .npy files in <paramref name="batch"/>.</summary>
    public static OracleRun Run(string artifacts, string batch, string outDirectory, int steps, params int[] paramsAfter)
    {
        Require();
        var (code, stdout, stderr) = Execute("node",
            ["run-training.cjs", "--artifacts", artifacts, "--batch", batch, "--steps", steps.ToString(), "--out", outDirectory,
             "--params-after", string.Join(",", paramsAfter)],
            TimeSpan.FromMinutes(5));
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
                   ?? throw new AssertFailedException($"run-training.cjs printed nothing (exit {code}): {stderr}");
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        if (code != 0 || !root.GetProperty("ok").GetBoolean())
            Assert.Fail($"ONNX Runtime's training runtime rejected the artifacts: {root.GetProperty("error").GetString()}\n{stderr}");
        string[] Strings(string name) => root.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToArray();
        var sizes = root.GetProperty("parametersSize");
        return new OracleRun(
            Strings("trainingInputNames"), Strings("trainingOutputNames"), Strings("evalInputNames"),
            sizes.GetProperty("trainable").GetInt64(), sizes.GetProperty("all").GetInt64(),
            root.GetProperty("evalLossBefore").GetSingle(),
            root.GetProperty("losses").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
            root.GetProperty("evalLossAfter").GetSingle(),
            outDirectory);
    }

    /// <summary>Null when the oracle is ready, else why not.</summary>
    private static string? Install()
    {
        var (nodeCode, nodeVersion, _) = TryExecute("node", ["--version"], TimeSpan.FromSeconds(30));
        if (nodeCode != 0) return "node is not on PATH (Node.js 18 or later is needed).";
        var bundle = Path.Combine(HarnessDirectory, "node_modules", "onnxruntime-web", "dist", "ort.training.wasm.min.js");
        if (File.Exists(bundle)) return null;
        // Scripts stay off: onnxruntime-web needs none, and the install should run no third-party code.
        var (code, stdout, stderr) = TryExecute("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(10));
        if (code == -1) return $"node {nodeVersion.Trim()} is here but npm is not on PATH, so tests/conformance/node_modules cannot be installed.";
        if (code != 0 || !File.Exists(bundle))
            return $"`npm ci` in tests/conformance failed (exit {code}): {Tail(stderr + stdout)}";
        return null;
    }

    private static (int Code, string Stdout, string Stderr) Execute(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var result = TryExecute(file, args, timeout);
        if (result.Code == -1) Assert.Inconclusive($"Skipped: {file} is not on PATH.");
        return result;
    }

    /// <summary>Runs a program in the harness directory; code -1 when it cannot be started.</summary>
    private static (int Code, string Stdout, string Stderr) TryExecute(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = HarnessDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (-1, "", e.Message);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new AssertFailedException($"{file} {string.Join(" ", args)} took longer than {timeout}.");
            }
            process.WaitForExit();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    private static string Tail(string text) => text.Length <= 2000 ? text.Trim() : "…" + text[^2000..].Trim();
}
