using OrtTune.Artifacts.Manifest;
using OrtTune.Pipeline.Data;
using OrtTune.Pipeline.Text;

namespace OrtTune.Pipeline.Tests.Data;

/// <summary>
/// Text datasets on small inline files, encoded with the committed SentencePiece fixture (BOS 1, EOS 2, 400 tokens),
/// so they run everywhere; the real-data tests are in <see cref="RealDataTests"/>.
/// </summary>
[TestClass]
public sealed class TextDatasetTests
{
    private const string Classifier = "SequenceClassificationCrossEntropy", CausalLM = "CausalLMCrossEntropy";
    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = TestData.TempDirectory();

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, true);

    private static ITokenizer Tokenizer(TokenizerSettings? settings = null) => TokenizerFactory.Open(settings ?? new TokenizerSettings
    {
        Kind = TokenizerSettings.SentencePiece,
        Files = [TestData.Fixture("tokenizers", "sp_sst2_bpe400.model")],
    });

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static long[] Values(Batch batch, string name) => batch.Inputs.Single(t => t.Name == name).ToArray<long>();

    [TestMethod]
    public void Classification_with_pairs_fills_every_input_the_artifacts_have()
    {
        var path = Write("pairs.tsv", "premise\thypothesis\tlabel\na good film\tgood\tyes\nbad\tnot good\tno\nfine\tok\tyes\n");
        var manifest = TestData.Manifest(Classifier, ("input_ids", [2, 32]), ("attention_mask", [2, 32]), ("token_type_ids", [2, 32]), ("labels", [2]));
        var tokenizer = Tokenizer();
        var dataset = TextDataset.Open(new DatasetOptions
        {
            Path = path, TextColumn = "premise", TextPairColumn = "hypothesis", Labels = ["no", "yes"],
            Shuffle = false, LastBatch = LastBatchPolicy.Pad,
        }, manifest, tokenizer);
        Assert.AreEqual(DatasetTask.Classification, dataset.Task);
        Assert.AreEqual(3, dataset.Examples);
        Assert.AreEqual(2L, dataset.BatchesPerEpoch);
        var batches = dataset.Epoch(0).ToList();
        Assert.HasCount(2, batches);
        CollectionAssert.AreEqual(new[] { "input_ids", "attention_mask", "token_type_ids", "labels" }, batches[0].Inputs.Select(t => t.Name).ToArray());

        // Row 1: BOS a EOS b EOS (SentencePiece has no CLS/SEP: BOS leads, EOS separates), segments 0 then 1.
        var a = tokenizer.Encode("a good film");
        var b = tokenizer.Encode("good");
        var expected = new List<long> { 1 };
        expected.AddRange(a.Select(i => (long)i));
        expected.Add(2);
        expected.AddRange(b.Select(i => (long)i));
        expected.Add(2);
        int n = expected.Count;
        var ids = Values(batches[0], "input_ids");
        CollectionAssert.AreEqual(expected.Concat(Enumerable.Repeat((long)tokenizer.Special.Pad, 32 - n)).ToArray(), ids[..32]);
        CollectionAssert.AreEqual(Enumerable.Repeat(1L, n).Concat(Enumerable.Repeat(0L, 32 - n)).ToArray(), Values(batches[0], "attention_mask")[..32]);
        CollectionAssert.AreEqual(Enumerable.Repeat(0L, a.Count + 2).Concat(Enumerable.Repeat(1L, b.Count + 1)).Concat(Enumerable.Repeat(0L, 32 - n)).ToArray(),
            Values(batches[0], "token_type_ids")[..32]);
        CollectionAssert.AreEqual(new long[] { 1, 0 }, Values(batches[0], "labels"));
        // The last batch is padded: one real example, the padding row masked out and labelled -100.
        Assert.AreEqual(1, batches[1].Examples);
        CollectionAssert.AreEqual(new long[] { 1, -100 }, Values(batches[1], "labels"));
        Assert.IsTrue(Values(batches[1], "attention_mask")[32..].All(v => v == 0));
        Assert.AreEqual(batches[0].Tokens, Values(batches[0], "attention_mask").Sum());
    }

    [TestMethod]
    public void Causal_LM_labels_are_the_ids_with_padding_ignored()
    {
        var path = Write("corpus.txt", "it 's a charming film .\n\nbad\n");
        var manifest = TestData.Manifest(CausalLM, ("input_ids", [2, 10]), ("labels", [2, 10]));
        var tokenizer = Tokenizer(new TokenizerSettings { Kind = TokenizerSettings.SentencePiece, Files = [TestData.Fixture("tokenizers", "sp_sst2_bpe400.model")], AddEos = true });
        var dataset = TextDataset.Open(new DatasetOptions { Path = path, Shuffle = false }, manifest, tokenizer);
        Assert.AreEqual(DatasetTask.CausalLM, dataset.Task);
        var batch = dataset.Epoch(0).Single();
        var ids = Values(batch, "input_ids");
        var labels = Values(batch, "labels");
        var first = new[] { 1 }.Concat(tokenizer.Encode("it 's a charming film .")).Append(2).Select(i => (long)i).ToArray();
        var second = new[] { 1 }.Concat(tokenizer.Encode("bad")).Append(2).Select(i => (long)i).ToArray();
        // Cut to 10 tokens when longer (then the EOS is cut too); the loss graph shifts, so labels equal the ids.
        var firstKept = first.Take(10).ToArray();
        CollectionAssert.AreEqual(firstKept, ids[..firstKept.Length]);
        CollectionAssert.AreEqual(firstKept, labels[..firstKept.Length]);
        CollectionAssert.AreEqual(second, ids[10..(10 + second.Length)]);
        CollectionAssert.AreEqual(second.Concat(Enumerable.Repeat(-100L, 10 - second.Length)).ToArray(), labels[10..]);
        Assert.AreEqual(first.Length > 10 ? 1 : 0, dataset.TruncatedExamples);
        Assert.AreEqual(firstKept.Length + second.Length, batch.Tokens);
    }

    [TestMethod]
    public void Long_texts_split_into_windows_that_learn_every_token_once()
    {
        const string text = "it 's a charming and often affecting journey . unflinchingly bleak and desperate";
        var path = Write("long.txt", text + "\nshort\n");
        var manifest = TestData.Manifest(CausalLM, ("input_ids", [1, 16]), ("labels", [1, 16]));
        var tokenizer = Tokenizer();
        var dataset = TextDataset.Open(new DatasetOptions { Path = path, Shuffle = false, SplitLongTexts = true }, manifest, tokenizer);
        var all = new[] { 1 }.Concat(tokenizer.Encode(text)).Select(i => (long)i).ToArray();
        Assert.IsGreaterThan(32, all.Length, "long enough for three windows");
        int windows = (all.Length - 1 + 14) / 15;
        Assert.AreEqual(windows + 1, dataset.Examples);
        Assert.AreEqual(0, dataset.TruncatedExamples);
        var batches = dataset.Epoch(0).ToList();
        // Targets are labels[1..] of each window (the loss shifts): together they are the text's tokens after BOS, once each.
        var targets = batches.Take(windows).SelectMany(b => Values(b, "labels")[1..].Where(l => l != -100)).ToArray();
        CollectionAssert.AreEqual(all[1..], targets);
        for (int w = 0; w < windows; w++)
            CollectionAssert.AreEqual(all[(w * 15)..Math.Min(w * 15 + 16, all.Length)], Values(batches[w], "input_ids")[..Math.Min(16, all.Length - w * 15)]);
        // Without splitting the same text is one truncated example.
        var cut = TextDataset.Open(new DatasetOptions { Path = path, Shuffle = false }, manifest, tokenizer);
        Assert.AreEqual(2, cut.Examples);
        Assert.AreEqual(1, cut.TruncatedExamples);
    }

    [TestMethod]
    public void Prompt_tokens_are_ignored_in_the_loss()
    {
        var path = Write("qa.jsonl", "{\"prompt\": \"review : great film\", \"response\": \"positive\"}\n{\"prompt\": \"review : dull\", \"response\": \"negative\"}\n");
        var manifest = TestData.Manifest(CausalLM, ("input_ids", [2, 48]), ("attention_mask", [2, 48]), ("labels", [2, 48]));
        var tokenizer = Tokenizer();
        var dataset = TextDataset.Open(new DatasetOptions { Path = path, Task = DatasetTask.PromptResponse, Shuffle = false }, manifest, tokenizer);
        var batch = dataset.Epoch(0).Single();
        var prompt = tokenizer.Encode("review : great film");
        var response = tokenizer.Encode("positive");
        var labels = Values(batch, "labels")[..48];
        var ids = Values(batch, "input_ids")[..48];
        int p = 1 + prompt.Count;
        Assert.IsTrue(labels[..p].All(l => l == -100), "BOS and prompt are ignored");
        CollectionAssert.AreEqual(response.Select(i => (long)i).ToArray(), labels[p..(p + response.Count)]);
        CollectionAssert.AreEqual(response.Select(i => (long)i).ToArray(), ids[p..(p + response.Count)]);
        Assert.IsTrue(labels[(p + response.Count)..].All(l => l == -100), "padding is ignored");
    }

    [TestMethod]
    public void Epoch_order_depends_only_on_seed_and_epoch()
    {
        var path = Write("numbers.tsv", "text\tlabel\n" + string.Concat(Enumerable.Range(0, 50).Select(i => $"row {i}\t{i % 2}\n")));
        var manifest = TestData.Manifest(Classifier, ("input_ids", [4, 8]), ("labels", [4]));
        var options = new DatasetOptions { Path = path, ShuffleSeed = 7, LastBatch = LastBatchPolicy.Pad };
        string Order(TextDataset d, int epoch) => string.Join("|", d.Epoch(epoch).Select(b => string.Join(",", Values(b, "input_ids"))));
        var dataset = TextDataset.Open(options, manifest, Tokenizer());
        var again = TextDataset.Open(options, manifest, Tokenizer());
        Assert.AreEqual(Order(dataset, 0), Order(dataset, 0));
        Assert.AreEqual(Order(dataset, 3), Order(again, 3), "a new source (a resumed run) sees the same batches");
        Assert.AreNotEqual(Order(dataset, 0), Order(dataset, 1));
        Assert.AreNotEqual(Order(dataset, 0), Order(TextDataset.Open(options with { ShuffleSeed = 8 }, manifest, Tokenizer()), 0));
        var unshuffled = TextDataset.Open(options with { Shuffle = false }, manifest, Tokenizer());
        Assert.AreNotEqual(Order(dataset, 0), Order(unshuffled, 0));
        // Every example exactly once per epoch: compare the multiset of rows with the file order's.
        static IEnumerable<string> Rows(TextDataset d, int epoch) => d.Epoch(epoch).SelectMany(b =>
            Values(b, "input_ids").Chunk(8).Zip(Values(b, "labels")).Where(r => r.Second != -100).Select(r => string.Join(",", r.First) + ":" + r.Second));
        CollectionAssert.AreEquivalent(Rows(unshuffled, 0).ToList(), Rows(dataset, 2).ToList());
        Assert.AreEqual(50, Rows(dataset, 2).Count());
        // Drop policy: 50 examples, batches of 4 → 12 full batches.
        var dropping = TextDataset.Open(options with { LastBatch = LastBatchPolicy.Drop }, manifest, Tokenizer());
        Assert.AreEqual(12L, dropping.BatchesPerEpoch);
        Assert.AreEqual(12, dropping.Epoch(0).Count());
        Assert.AreEqual(13L, dataset.BatchesPerEpoch);
        Assert.AreEqual(13, dataset.Epoch(0).Count());
        Assert.AreEqual(5, TextDataset.Open(options with { MaxRows = 20 }, manifest, Tokenizer()).Epoch(0).Count());
    }

    [TestMethod]
    public void Shuffle_buffer_is_bounded_and_uniform_within_its_capacity()
    {
        var items = Enumerable.Range(0, 1000).ToList();
        var shuffled = ShuffleBuffer.Shuffle(items, 64, new Random(1)).ToList();
        CollectionAssert.AreEquivalent(items, shuffled);
        // An item leaves at most `capacity` places before its position in the source: memory is the buffer, not the file.
        for (int i = 0; i < shuffled.Count; i++) Assert.IsLessThanOrEqualTo(i + 64, shuffled[i], $"item {shuffled[i]} emitted at {i}");
        Assert.IsGreaterThan(900, shuffled.Zip(items).Count(p => p.First != p.Second));
        // Within its capacity the shuffle is a full permutation: every first position is reachable.
        var firsts = Enumerable.Range(0, 400).Select(s => ShuffleBuffer.Shuffle(Enumerable.Range(0, 10), 16, new Random(s)).First()).ToHashSet();
        Assert.HasCount(10, firsts);
    }

    [TestMethod]
    public void Streaming_reads_rows_only_as_batches_are_taken()
    {
        // A file far larger than the shuffle buffer: taking the first batch reads only about buffer + batch rows.
        var path = Path.Combine(_dir, "big.txt");
        using (var w = new StreamWriter(path)) for (int i = 0; i < 20_000; i++) w.WriteLine($"line {i} of a long corpus");
        var manifest = TestData.Manifest(CausalLM, ("input_ids", [2, 8]), ("labels", [2, 8]));
        var dataset = TextDataset.Open(new DatasetOptions { Path = path, ShuffleBufferSize = 32 }, manifest, Tokenizer());
        Assert.AreEqual(20_000, dataset.Examples);
        var rowsRead = 0L;
        var reader = TableReader.Open(path, DataFormat.Text, true);
        foreach (var _ in ShuffleBuffer.Shuffle(reader.Read(["text"]).Select(r => { rowsRead++; return r; }), 32, new Random(0)).Take(2)) { }
        Assert.AreEqual(34, rowsRead);
        Assert.AreEqual(2, dataset.Epoch(0).First().Examples);
    }

    [TestMethod]
    public void Labels_map_from_names_or_class_indices()
    {
        var path = Write("news.tsv", "Stocks fall\tBusiness\nA goal\tSports\nA goal again\t1\n");
        var manifest = TestData.Manifest(Classifier, ("input_ids", [3, 8]), ("labels", [3]));
        var options = new DatasetOptions { Path = path, HasHeader = false, TextColumn = "0", LabelColumn = "1", Labels = ["Business", "Sports"], Shuffle = false };
        var batch = TextDataset.Open(options, manifest, Tokenizer()).Epoch(0).Single();
        CollectionAssert.AreEqual(new long[] { 0, 1, 1 }, Values(batch, "labels"));
        // Without names the manifest's labels are used.
        var recorded = TextDataset.Open(options with { Labels = null }, manifest with { Labels = ["Business", "Sports"] }, Tokenizer());
        CollectionAssert.AreEqual(new[] { "Business", "Sports" }, recorded.Labels!.ToArray());
    }

    [TestMethod]
    public void Without_validation_on_open_errors_surface_while_reading_and_the_batch_count_is_unknown()
    {
        var path = Write("late.tsv", "text\tlabel\na\t0\nb\t1\nc\tmaybe\n");
        var manifest = TestData.Manifest(Classifier, ("input_ids", [2, 8]), ("labels", [2]));
        var dataset = TextDataset.Open(new DatasetOptions { Path = path, ValidateOnOpen = false, Shuffle = false }, manifest, Tokenizer());
        Assert.IsNull(dataset.BatchesPerEpoch);
        using var batches = dataset.Epoch(0).GetEnumerator();
        Assert.IsTrue(batches.MoveNext(), "the first batch is read before the bad row");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => batches.MoveNext());
        StringAssert.Contains(e.Message, "late.tsv line 4 (row 3): label 'maybe' is not a class index");
        // Validated on open (the default), the same file fails before any batch.
        Assert.ThrowsExactly<InvalidDataException>(() => TextDataset.Open(new DatasetOptions { Path = path }, manifest, Tokenizer()));
    }

    [TestMethod]
    public void Special_tokens_can_be_overridden_by_token_or_id()
    {
        var model = TestData.Fixture("tokenizers", "sp_sst2_bpe400.model");
        var tokenizer = Tokenizer(new TokenizerSettings { Kind = TokenizerSettings.SentencePiece, Files = [model], Pad = "#0", Bos = "", Sep = "</s>" });
        Assert.AreEqual(0, tokenizer.Special.Pad);
        Assert.IsNull(tokenizer.Special.Bos);
        Assert.AreEqual(2, tokenizer.Special.Sep);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Tokenizer(new TokenizerSettings { Kind = TokenizerSettings.SentencePiece, Files = [model], Cls = "[CLS]" }));
        StringAssert.Contains(e.Message, "Special token '[CLS]' is not in the sentencepiece vocabulary (400 tokens)");
    }

    [TestMethod]
    public void Bad_data_gives_clear_errors()
    {
        var classifier = TestData.Manifest(Classifier, ("input_ids", [2, 8]), ("labels", [2]));
        var tokenizer = Tokenizer();
        InvalidDataException Fails(string name, string content, DatasetOptions? options = null, ArtifactManifest? manifest = null) =>
            Assert.ThrowsExactly<InvalidDataException>(() => TextDataset.Open(
                (options ?? new DatasetOptions { Path = "" }) with { Path = Write(name, content) }, manifest ?? classifier, tokenizer));

        var e = Fails("a.tsv", "sentence\tlabel\nx\t1\n");
        StringAssert.Contains(e.Message, "a.tsv has no column 'text'; the columns present are: 'sentence', 'label'");

        e = Fails("b.tsv", "text\tlabel\nfine\tWorld\nokay\tSprots\n", new DatasetOptions { Path = "", Labels = ["World", "Sports"] });
        StringAssert.Contains(e.Message, "b.tsv line 3 (row 2): label 'Sprots' is not in the label map; the known labels are 'World', 'Sports'");

        e = Fails("c.tsv", "text\tlabel\nfine\tWorld\n");
        StringAssert.Contains(e.Message, "label 'World' is not a class index, and no label names were given");

        // The manifest knows the classifier's classes: indices beyond them and label maps of another size are refused.
        e = Fails("c2.tsv", "text\tlabel\nfine\t1\nnot fine\t2\n", manifest: classifier with { Classes = 2 });
        StringAssert.Contains(e.Message, "c2.tsv line 3 (row 2): label 2 is outside the model's 2 classes (0–1)");
        e = Fails("c3.tsv", "text\tlabel\nfine\ta\n", new DatasetOptions { Path = "", Labels = ["a", "b", "c"] }, classifier with { Classes = 2 });
        StringAssert.Contains(e.Message, "names 3 labels ('a', 'b', 'c'), but the model's classifier has 2 classes");

        // The tokenizer has 400 tokens; a model with 100 cannot take ids ≥ 100.
        e = Fails("d.tsv", "text\tlabel\nzzz\t0\n", manifest: classifier with { VocabularySize = 100 });
        StringAssert.Matches(e.Message, new System.Text.RegularExpressions.Regex(@"d\.tsv line 2 \(row 1\): token id \d+ \('.*'\) is beyond the model's vocabulary of 100 \(ids 0–99\)"));
        StringAssert.Contains(e.Message, "sentencepiece tokenizer has 400 tokens");

        e = Fails("e.tsv", "");
        StringAssert.Contains(e.Message, "is empty");
        e = Fails("f.tsv", "text\tlabel\n");
        StringAssert.Contains(e.Message, "has no examples");
        e = Fails("g.tsv", "text\tlabel\nonly one\t1\n");
        StringAssert.Contains(e.Message, "holds 1 example(s); one batch of the artifacts needs 2");

        e = Fails("h.tsv", "text\tlabel\nfine\t1\nbroken row\n");
        StringAssert.Contains(e.Message, "h.tsv line 3 (row 2) is malformed: it has 1 field(s) where the header has 2");

        e = Fails("i.tsv", "text\tlabel\na\t1\nb\t0\n", new DatasetOptions { Path = "", Task = DatasetTask.CausalLM });
        StringAssert.Contains(e.Message, "prepared for one label per example (classification)");

        e = Fails("j.tsv", "text\tlabel\na\t1\nb\t0\n", manifest: TestData.Manifest(Classifier, ("input_ids", [2, 8]), ("pixel_values", [2, 8]), ("labels", [2])));
        StringAssert.Contains(e.Message, "input 'pixel_values' is not one a text dataset fills");

        e = Fails("k.tsv", "text\tlabel\na\t1\nb\t0\n", manifest: TestData.Manifest(Classifier, ("ids", [2, 8]), ("labels", [2])));
        StringAssert.Contains(e.Message, "no 'input_ids' input");
    }
}
