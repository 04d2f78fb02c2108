using System.Text.Json;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Text;

namespace OrtTune.Pipeline.Tests.Text;

/// <summary>
/// llama2.c's tokenizer.bin with stories260K's tok512.bin: ids equal those of an independent Python re-implementation
/// of llama2.c's encode (tests/fixtures/tokenizers/llama2c_tok512.json, from tools/fixtures/export_tokenizer_refs.py),
/// decode inverts encode, and the model's own greedy output decodes to TinyStories text.
/// </summary>
[TestClass]
public sealed class Llama2cTokenizerTests
{
    private static Llama2cTokenizer Open() => Llama2cTokenizer.Load(TestData.Shared("models", "stories260K", "tok512.bin"));

    [TestMethod]
    public void Ids_match_the_reference_implementation()
    {
        var tokenizer = Open();
        Assert.AreEqual(512, tokenizer.VocabularySize);
        using var reference = JsonDocument.Parse(File.ReadAllText(TestData.Fixture("tokenizers", "llama2c_tok512.json")));
        int cases = 0;
        foreach (var c in reference.RootElement.GetProperty("cases").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            var expected = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            CollectionAssert.AreEqual(expected, tokenizer.Encode(text).ToArray(), $"ids of \"{text}\"");
            Assert.AreEqual(text, tokenizer.Decode(expected), "decode of the reference ids");
            cases++;
        }
        Assert.AreEqual(27, cases);
    }

    [TestMethod]
    public void Decode_inverts_encode_on_SST2_sentences()
    {
        var tokenizer = Open();
        int n = 0;
        foreach (var line in File.ReadLines(TestData.Shared("text", "sst2", "train.tsv")).Skip(1).Take(2000))
        {
            var sentence = line.Split('\t')[0];
            var ids = tokenizer.Encode(sentence);
            Assert.IsTrue(ids.All(i => i is >= 3 and < 512), sentence);
            Assert.AreEqual(sentence, tokenizer.Decode(ids));
            n++;
        }
        Assert.AreEqual(2000, n);
    }

    [TestMethod]
    public void The_models_greedy_output_decodes_to_TinyStories_text()
    {
        var tokenizer = Open();
        // ref_ids.npy: BOS then stories260K's first 19 greedy tokens (from the PyTorch reference of the shared data).
        var ids = NpyFile.Read(TestData.Shared("models", "stories260K", "ref_ids.npy")).ToArray<long>().Select(i => (int)i).ToArray();
        Assert.AreEqual(Llama2cTokenizer.BosId, ids[0]);
        var text = tokenizer.Decode(ids);
        StringAssert.StartsWith(text, "Once upon a time, there was a little girl named Lily");
        Assert.AreEqual(Llama2cTokenizer.BosId, tokenizer.Special.Bos);
        Assert.AreEqual(Llama2cTokenizer.EosId, tokenizer.Special.Eos);
        Assert.IsTrue(tokenizer.Special.AddBos);
    }

    [TestMethod]
    public void Empty_text_has_no_tokens_and_bytes_fall_back()
    {
        var tokenizer = Open();
        Assert.AreEqual(0, tokenizer.Encode("").Count);
        // 東 is not in a 512-token vocabulary: its three UTF-8 bytes become byte tokens 3 + byte.
        var ids = tokenizer.Encode("東");
        CollectionAssert.IsSubsetOf(new[] { 0xE6 + 3, 0x9D + 3, 0xB1 + 3 }, ids.ToArray());
        Assert.AreEqual("東", tokenizer.Decode(ids));
    }

    [TestMethod]
    public void Truncated_or_foreign_files_are_rejected()
    {
        var dir = TestData.TempDirectory();
        try
        {
            var original = File.ReadAllBytes(TestData.Shared("models", "stories260K", "tok512.bin"));
            var truncated = Path.Combine(dir, "truncated.bin");
            File.WriteAllBytes(truncated, original[..1000]);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => Llama2cTokenizer.Load(truncated));
            StringAssert.Contains(e.Message, "truncated");
            var foreign = Path.Combine(dir, "foreign.bin");
            File.WriteAllBytes(foreign, [1, 2]);
            e = Assert.ThrowsExactly<InvalidDataException>(() => Llama2cTokenizer.Load(foreign));
            StringAssert.Contains(e.Message, "not a llama2.c tokenizer");
            var settings = new TokenizerSettings { Kind = TokenizerSettings.Llama2c, Files = [TestData.Shared("models", "stories260K", "tok512.bin")], Pad = "<nope>" };
            e = Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFactory.Open(settings));
            StringAssert.Contains(e.Message, "'<nope>' is not in the llama2.c vocabulary");
        }
        finally { Directory.Delete(dir, true); }
    }
}
