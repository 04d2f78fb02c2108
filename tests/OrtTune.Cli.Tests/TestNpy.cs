using System.Text;

namespace OrtTune.Cli.Tests;

/// <summary>Writes int64 .npy files (format 1.0) for data folders built in tests.</summary>
internal static class TestNpy
{
    public static void WriteInt64(string path, long[] values, params long[] shape)
    {
        var header = $"{{'descr': '<i8', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}{(shape.Length == 1 ? "," : "")}), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.ASCII.GetBytes(header));
        foreach (var v in values) file.Write(BitConverter.GetBytes(v));
    }
}
