using OrtTune.Artifacts;
using OrtTune.Artifacts.Checkpoints;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Runtime;

namespace OrtTune.Pipeline.Training;

/// <summary>
/// Moves a <see cref="PortableTrainingSession"/>'s state to and from the ORT-format checkpoint: trainable parameters,
/// and one optimizer group holding the step and, per parameter, the optimizer state under ORT's names
/// (momentum0, momentum1), so the same file serves both backends.
/// </summary>
public static class SessionCheckpoints
{
    /// <summary>Opens an artifacts directory from its checkpoint (the initial one, or <paramref name="checkpointPath"/> to resume).</summary>
    public static PortableTrainingSession Open(string directory, string? checkpointPath = null, SessionConfig? config = null)
    {
        var path = checkpointPath ?? Path.Combine(directory, ArtifactManifest.Load(directory).Files.Checkpoint);
        return Open(directory, CheckpointReader.Read(path), path, config);
    }

    /// <summary>Opens an artifacts directory from a checkpoint already read (<paramref name="path"/> names it in messages).</summary>
    public static PortableTrainingSession Open(string directory, TrainingCheckpoint checkpoint, string path, SessionConfig? config = null)
    {
        var manifest = ArtifactManifest.Load(directory);
        var states = new List<NamedTensor>();
        long step = 0;
        if (checkpoint.FindOptimizerGroup(OptimizerGroup.DefaultGroupName) is { } group)
        {
            step = group.Step;
            foreach (var slot in manifest.OptimizerBinding.Slots)
            {
                var saved = group.Find(slot.Parameter)
                            ?? throw new ArtifactFormatException($"Checkpoint '{path}' has no optimizer state for '{slot.Parameter}'.");
                for (int i = 0; i < slot.States.Count; i++)
                {
                    var state = saved.Find(slot.CheckpointStates[i])
                                ?? throw new ArtifactFormatException($"Checkpoint '{path}' lacks '{slot.CheckpointStates[i]}' of '{slot.Parameter}'.");
                    states.Add(state.WithName(slot.States[i]));
                }
            }
        }
        var known = manifest.Trainable.Select(t => t.Name).ToHashSet();
        var foreign = checkpoint.TrainableParameters.Select(p => p.Name).Where(n => !known.Contains(n)).Take(3).ToList();
        if (foreign.Count > 0)
            throw new ArtifactFormatException(
                $"Checkpoint '{path}' holds parameters these artifacts do not train ({string.Join(", ", foreign)}): it belongs to other artifacts.");
        return PortableTrainingSession.Open(directory, checkpoint.TrainableParameters, states, step, config);
    }

    /// <summary>The session's parameters, optimizer state and step as a checkpoint.</summary>
    public static TrainingCheckpoint Capture(PortableTrainingSession session)
    {
        var manifest = session.Manifest;
        var states = session.OptimizerState().ToDictionary(s => s.Name, StringComparer.Ordinal);
        var group = new OptimizerGroup { Step = session.Step, InitialLearningRate = (float)manifest.Optimizer.LearningRate };
        foreach (var slot in manifest.OptimizerBinding.Slots)
            group.ParameterStates.Add(new ParameterOptimizerState(slot.Parameter,
                slot.States.Select((s, i) => states[s].WithName(slot.CheckpointStates[i]))));
        return new TrainingCheckpoint { TrainableParameters = session.Parameters().ToList(), OptimizerGroups = [group] };
    }

    /// <summary>Writes the session's state to <paramref name="path"/> atomically.</summary>
    public static void Save(PortableTrainingSession session, string path) => CheckpointWriter.Write(Capture(session), path);
}
