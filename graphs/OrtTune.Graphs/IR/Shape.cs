using System.Collections;

namespace OrtTune.Graphs.IR;

/// <summary>An immutable tensor shape of known rank; each dimension may be known, symbolic or unknown.</summary>
public sealed class Shape : IReadOnlyList<Dim>, IEquatable<Shape>
{
    private readonly Dim[] _dims;

    public Shape(IEnumerable<Dim> dims) => _dims = dims.ToArray();
    public Shape(params long[] dims) => _dims = dims.Select(Dim.Known).ToArray();

    public static readonly Shape Scalar = new(Array.Empty<long>());

    public int Rank => _dims.Length;
    public int Count => _dims.Length;
    public Dim this[int index] => _dims[index];

    /// <summary>True when every dimension has a known size.</summary>
    public bool IsStatic => _dims.All(d => d.IsKnown);

    /// <summary>The sizes of a static shape.</summary>
    public long[] ToArray() => IsStatic
        ? _dims.Select(d => d.Value!.Value).ToArray()
        : throw new InvalidOperationException($"Shape {this} is not static.");

    /// <summary>Element count, or null when some dimension is not known.</summary>
    public long? ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in _dims)
            {
                if (!d.IsKnown) return null;
                n *= d.Value!.Value;
            }
            return n;
        }
    }

    public Shape WithDim(int axis, Dim dim)
    {
        var copy = (Dim[])_dims.Clone();
        copy[axis] = dim;
        return new Shape(copy);
    }

    public IEnumerator<Dim> GetEnumerator() => ((IEnumerable<Dim>)_dims).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(Shape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);
    public override bool Equals(object? obj) => Equals(obj as Shape);
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in _dims) h.Add(d);
        return h.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(", ", _dims) + "]";
}
