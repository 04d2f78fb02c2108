using System.Text;
using System.Text.RegularExpressions;
using OrtTune.Graphs.IR;

namespace OrtTune.Graphs.Tests.TestSupport;

/// <summary>Reads NumPy .npy files (format 1.0/2.0, little-endian, C order) into IR tensors for golden tests.</summary>
public static partial class Npy
{
    public static Tensor Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path} is not a .npy file.");
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int headerStart = major == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        string descr = DescrRegex().Match(header).Groups[1].Value;
        if (FortranRegex().IsMatch(header)) throw new InvalidDataException($"{path}: Fortran order is not supported.");
        var shapeText = ShapeRegex().Match(header).Groups[1].Value;
        long[] dims = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        DataType type = descr switch
        {
            "<f4" => DataType.Float,
            "<f8" => DataType.Double,
            "<i8" => DataType.Int64,
            "<i4" => DataType.Int32,
            "|b1" => DataType.Bool,
            "|u1" => DataType.UInt8,
            "|i1" => DataType.Int8,
            _ => throw new InvalidDataException($"{path}: unsupported dtype '{descr}'."),
        };
        var data = bytes.AsSpan(headerStart + headerLength).ToArray();
        return Tensor.FromRaw(type, dims, data);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrRegex();
    [GeneratedRegex(@"'fortran_order':\s*True")]
    private static partial Regex FortranRegex();
    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
