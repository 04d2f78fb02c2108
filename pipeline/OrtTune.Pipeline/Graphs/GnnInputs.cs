namespace OrtTune.Pipeline.Graphs;

internal static class GnnInputs
{
    /// <summary>A copy of <paramref name="inputs"/> with one more entry.</summary>
    public static Dictionary<string, (Array Data, long[] Shape)> With(this Dictionary<string, (Array Data, long[] Shape)> inputs, string name, long[] values) =>
        new(inputs) { [name] = (values, [values.Length]) };
}
