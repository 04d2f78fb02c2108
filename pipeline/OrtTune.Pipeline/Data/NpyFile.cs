using System.Text;
using System.Text.RegularExpressions;
using OrtTune.Artifacts.Checkpoints;

namespace OrtTune.Pipeline.Data;

/// <summary>
/// Reads NumPy .npy arrays (format 1.x/2.x, little-endian, C order) as tensors: the easy hand-off format for
/// batches prepared in Python. Errors name the file and what is wrong.
/// </summary>
public static partial class NpyFile
{
    public static NamedTensor Read(string path, string? name = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new InvalidDataException($"{path}: file not found.");
        }
        return Parse(bytes, path, name ?? Path.GetFileNameWithoutExtension(path));
    }

    /// <summary>Parses the bytes of one .npy array (e.g. an entry of an .npz archive); <paramref name="source"/> names it in errors.</summary>
    public static NamedTensor Parse(byte[] bytes, string source, string name)
    {
        string path = source;
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path} is not a .npy file (missing the \\x93NUMPY magic).");
        int major = bytes[6];
        if (major is < 1 or > 3) throw new InvalidDataException($"{path}: unsupported .npy format version {major}.");
        int lengthSize = major == 1 ? 2 : 4;
        int headerStart = 8 + lengthSize;
        long headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToUInt32(bytes, 8);
        if (headerStart + headerLength > bytes.Length) throw new InvalidDataException($"{path}: the header is truncated.");
        string header = Encoding.ASCII.GetString(bytes, headerStart, (int)headerLength);
        if (FortranOrder().IsMatch(header)) throw new InvalidDataException($"{path}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray.");
        var type = Descr().Match(header).Groups[1].Value switch
        {
            "<f4" => TensorElementType.Float,
            "<f8" => TensorElementType.Double,
            "<i8" => TensorElementType.Int64,
            "<i4" => TensorElementType.Int32,
            "|b1" => TensorElementType.Bool,
            "|u1" => TensorElementType.UInt8,
            "|i1" => TensorElementType.Int8,
            var d => throw new InvalidDataException($"{path}: dtype '{d}' is not supported (use float32, float64, int64, int32, int8, bool or uint8)."),
        };
        var dims = ShapeOf().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var data = bytes.AsMemory(headerStart + (int)headerLength);
        long expected = type.ByteCount(dims.Aggregate(1L, (a, b) => a * b)) ?? 0;
        if (data.Length != expected)
            throw new InvalidDataException($"{path}: shape ({string.Join(", ", dims)}) needs {expected} bytes of data but the file has {data.Length}.");
        return NamedTensor.FromRawData(name, type, dims, data);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex Descr();
    [GeneratedRegex(@"'fortran_order':\s*True")]
    private static partial Regex FortranOrder();
    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapeOf();
}
