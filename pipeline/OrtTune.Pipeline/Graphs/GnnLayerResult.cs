namespace OrtTune.Pipeline.Graphs;

/// <summary>
/// Result for a network of <see cref="Layers"/> layers: accuracies in percent (for the forward methods, the
/// prediction of all layers so far), epochs run and the epoch of the best validation accuracy for the unit trained
/// last, its training time and peak resident memory (bytes; 0 when not measured), and the resident memory when that
/// unit started (the process's data, runtime and earlier allocations; peak − baseline is what the unit added).
/// </summary>
public sealed record GnnLayerResult(int Layers, double TestAccuracy, double ValidationAccuracy, int Epochs, int BestEpoch, double Seconds, long PeakBytes,
    long BaselineBytes = 0);
