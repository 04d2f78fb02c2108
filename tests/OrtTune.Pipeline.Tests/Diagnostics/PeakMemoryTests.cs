using System.Runtime.InteropServices;
using OrtTune.Pipeline.Diagnostics;

namespace OrtTune.Pipeline.Tests.Diagnostics;

[TestClass]
public sealed class PeakMemoryTests
{
    [TestMethod]
    public unsafe void Peak_rises_by_a_touched_allocation_and_reset_restarts_it()
    {
        if (!PeakMemory.IsSupported) Assert.Inconclusive("Skipped: needs Linux /proc.");
        const long size = 256L << 20;
        PeakMemory.Reset();
        long before = PeakMemory.PeakBytes();
        // Native memory: a block this large is mmap'ed by the C allocator and unmapped again on free, unlike GC memory.
        byte* block = (byte*)NativeMemory.Alloc((nuint)size);
        for (long i = 0; i < size; i += 4096) block[i] = 1; // touch every page so it becomes resident
        long peak = PeakMemory.PeakBytes();
        NativeMemory.Free(block);
        Assert.IsGreaterThanOrEqualTo(before + size * 9 / 10, peak, $"peak {peak} did not rise by ~{size} from {before}");

        PeakMemory.Reset();
        long afterReset = PeakMemory.PeakBytes();
        Assert.IsLessThan(peak - size / 2, afterReset, $"reset left the mark at {afterReset}; the freed block's peak was {peak}");
        Assert.IsGreaterThan(0L, PeakMemory.CurrentBytes());
    }
}
