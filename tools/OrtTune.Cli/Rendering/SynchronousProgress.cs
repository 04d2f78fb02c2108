namespace OrtTune.Cli.Rendering;

/// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and lag the bar).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
