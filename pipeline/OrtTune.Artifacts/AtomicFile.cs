namespace OrtTune.Artifacts;

/// <summary>
/// Replaces a file all at once: the content goes to a temporary file in the same folder (so the final rename stays on
/// one file system and is atomic), is flushed to disk, then renamed over the target. On any failure the temporary file
/// is deleted and the old target is left as it was.
/// </summary>
/// <remarks>
/// A crash (not an exception) can leave a <c>.&lt;name&gt;.*.tmp</c> file behind, never a half-written target. The folder
/// entry itself is not fsynced (.NET has no portable call for it). A replaced file gets default permissions.
/// </remarks>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> writeContent)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(writeContent);
        var target = Path.GetFullPath(path);
        if (Directory.Exists(target))
            throw new IOException($"Cannot write '{target}': a directory of that name exists.");
        var folder = Path.GetDirectoryName(target) ?? throw new IOException($"Cannot write '{target}': it has no parent folder.");
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot write '{target}': the folder '{folder}' does not exist.");

        var temp = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                writeContent(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllBytes(string path, ReadOnlyMemory<byte> bytes) => Write(path, s => s.Write(bytes.Span));

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original failure matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
