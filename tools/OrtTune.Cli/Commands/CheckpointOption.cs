using System.CommandLine;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Training;

namespace OrtTune.Cli.Commands;

/// <summary>--checkpoint for the commands that read trained parameters (eval, export, generate).</summary>
internal sealed class CheckpointOption
{
    public Option<string?> Path { get; } = new("--checkpoint")
    {
        Description = "Checkpoint file, checkpoint folder (its latest) or FOLDER/best. Default: ARTIFACTS/checkpoints/best, else its latest, else the untrained one.",
    };

    /// <summary>The checkpoint asked for, or the best (else latest) of ARTIFACTS/checkpoints, else the artifacts' initial one.</summary>
    public (string path, TrainingCheckpoint checkpoint) Read(ParseResult parse, string artifacts, ArtifactManifest manifest)
    {
        string path;
        if (parse.GetValue(Path) is { } given) path = CheckpointStore.Resolve(given);
        else
        {
            var store = new CheckpointStore(System.IO.Path.Combine(artifacts, "checkpoints"));
            path = store.Best ?? store.Latest ?? System.IO.Path.Combine(artifacts, manifest.Files.Checkpoint);
        }
        return (path, CheckpointReader.Read(path));
    }
}
