namespace OrtTune.Pipeline.Diagnostics;

/// <summary>
/// Process memory as the kernel counts it (Linux): resident set now (VmRSS) and its high-water mark (VmHWM). The mark
/// can be reset, so the peak of one training step can be measured on its own.
/// </summary>
public static class PeakMemory
{
    public static bool IsSupported => File.Exists("/proc/self/status");

    /// <summary>Peak resident set size in bytes since start or the last <see cref="Reset"/>.</summary>
    public static long PeakBytes() => ReadStatusKiB("VmHWM:") * 1024;

    /// <summary>Resident set size in bytes now.</summary>
    public static long CurrentBytes() => ReadStatusKiB("VmRSS:") * 1024;

    /// <summary>Resets the high-water mark to the current resident size (writes "5" to /proc/self/clear_refs).</summary>
    public static void Reset()
    {
        if (!IsSupported) throw new PlatformNotSupportedException("Peak memory measurement needs Linux /proc.");
        File.WriteAllText("/proc/self/clear_refs", "5");
    }

    private static long ReadStatusKiB(string key)
    {
        if (!IsSupported) throw new PlatformNotSupportedException("Peak memory measurement needs Linux /proc.");
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0]);
        throw new InvalidOperationException($"/proc/self/status has no {key} line.");
    }
}
