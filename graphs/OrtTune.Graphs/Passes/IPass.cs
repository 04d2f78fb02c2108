using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Passes;

/// <summary>A named transformation of a model. Passes work in place and say whether they changed anything.</summary>
public interface IPass
{
    string Name { get; }
    PassResult Run(Model model);
}

/// <param name="Modified">True when the pass changed the model.</param>
/// <param name="Summary">One line for logs, e.g. "removed 12 nodes".</param>
public readonly record struct PassResult(bool Modified, string Summary = "");
