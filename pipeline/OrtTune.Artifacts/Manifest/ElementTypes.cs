namespace OrtTune.Artifacts.Manifest;

/// <summary>ONNX element type names used in the manifest, to and from the ONNX type numbers.</summary>
public static class ElementTypes
{
    private static readonly string[] Names =
        ["undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64", "string", "bool", "float16", "double", "uint32", "uint64"];

    public static int FromName(string name)
    {
        int i = Array.IndexOf(Names, name);
        return i > 0 ? i : throw new ArgumentException($"Unknown or unsupported element type '{name}'.");
    }

    public static string ToName(int type) => type > 0 && type < Names.Length ? Names[type] : throw new ArgumentException($"Unsupported element type {type}.");
}
