namespace OrtTune.Pipeline.Graphs;

/// <summary>Where a GNN run is: split, training unit (layer), epoch, last loss and best validation accuracy so far (%).</summary>
public sealed record GnnProgress(int Split, int Unit, int Units, int Epoch, int Epochs, float Loss, double BestValidation);
