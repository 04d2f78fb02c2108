using OrtTune.Pipeline.Data;

namespace OrtTune.Pipeline.Tests.Data;

[TestClass]
public sealed class TableReaderTests
{
    private string _dir = "";

    [TestInitialize]
    public void Setup() => _dir = TestData.TempDirectory();

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static List<TableRow> Read(string path, params string[] columns) =>
        TableReader.Open(path, DataFormats.FromPath(path), hasHeader: true).Read(columns).ToList();

    [TestMethod]
    public void Csv_follows_RFC4180_quoting()
    {
        var path = Write("a.csv", "text,label\r\n\"a, b\",1\n\"say \"\"hi\"\"\",0\n\"two\nlines\",1\nplain,0\n,1\n");
        var rows = Read(path, "label", "text");
        CollectionAssert.AreEqual(new[] { "1", "a, b" }, rows[0].Values);
        CollectionAssert.AreEqual(new[] { "0", "say \"hi\"" }, rows[1].Values);
        CollectionAssert.AreEqual(new[] { "1", "two\nlines" }, rows[2].Values);
        Assert.AreEqual(4, rows[2].Line);
        CollectionAssert.AreEqual(new[] { "0", "plain" }, rows[3].Values);
        Assert.AreEqual(6, rows[3].Line, "line numbers count the line break inside the quoted field");
        CollectionAssert.AreEqual(new[] { "1", "" }, rows[4].Values);
        Assert.AreEqual(5, rows[4].Row);
    }

    [TestMethod]
    public void Tsv_treats_quotes_as_text_and_skips_blank_lines()
    {
        var path = Write("a.tsv", "sentence\tlabel\n\"quoted\" word\t1\n\nlast\t0\n");
        var rows = Read(path, "sentence", "label");
        Assert.AreEqual(2, rows.Count);
        CollectionAssert.AreEqual(new[] { "\"quoted\" word", "1" }, rows[0].Values);
        Assert.AreEqual(4, rows[1].Line);
    }

    [TestMethod]
    public void Jsonl_reads_strings_numbers_and_booleans()
    {
        var path = Write("a.jsonl", "{\"text\": \"héllo \\\"x\\\"\", \"label\": 2}\n\n{\"text\": \"b\", \"label\": true, \"extra\": [1]}\n");
        var rows = Read(path, "text", "label");
        CollectionAssert.AreEqual(new[] { "héllo \"x\"", "2" }, rows[0].Values);
        CollectionAssert.AreEqual(new[] { "b", "true" }, rows[1].Values);
        Assert.AreEqual(3, rows[1].Line);
    }

    [TestMethod]
    public void Headerless_columns_are_named_by_index()
    {
        var path = Write("news.tsv", "Wall St. Bears Claw Back\tBusiness\nPhelps wins\tSports\n");
        var rows = TableReader.Open(path, DataFormat.Tsv, hasHeader: false).Read(["1", "0"]).ToList();
        Assert.AreEqual(2, rows.Count);
        CollectionAssert.AreEqual(new[] { "Business", "Wall St. Bears Claw Back" }, rows[0].Values);
        Assert.AreEqual(1, rows[0].Line);
    }

    [TestMethod]
    public void Missing_columns_name_the_column_and_list_those_present()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Write("a.tsv", "sentence\tlabel\nx\t1\n"), "text", "label"));
        StringAssert.Contains(e.Message, "no column 'text'");
        StringAssert.Contains(e.Message, "'sentence', 'label'");
        e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Write("b.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\"}\n"), "text", "label"));
        StringAssert.Contains(e.Message, "b.jsonl line 2 (row 2) has no column 'label'");
        StringAssert.Contains(e.Message, "'text'");
    }

    [TestMethod]
    public void Malformed_rows_give_their_line_and_what_is_wrong()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Write("a.tsv", "sentence\tlabel\nok\t1\ntoo\tmany\tfields\n"), "sentence"));
        StringAssert.Contains(e.Message, "a.tsv line 3 (row 2) is malformed: it has 3 field(s) where the header has 2");
        e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Write("b.csv", "text,label\n\"never closed,1\nmore,0\n"), "text"));
        StringAssert.Contains(e.Message, "b.csv line 2 is malformed: a quoted field opened there is never closed");
        e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Write("c.csv", "text,label\n\"a\"b,1\n"), "text"));
        StringAssert.Contains(e.Message, "c.csv line 2 is malformed: 'b' follows a closing quote");
        e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Write("d.csv", "text,label\nsay \"hi\",1\n"), "text"));
        StringAssert.Contains(e.Message, "d.csv line 2 is malformed: a quote inside the unquoted field");
        e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Write("e.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\",}\n"), "text"));
        StringAssert.Contains(e.Message, "e.jsonl line 2 (row 2) is malformed: not valid JSON");
        e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Write("f.jsonl", "[\"text\"]\n"), "text"));
        StringAssert.Contains(e.Message, "each line must be an object");
        e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Write("g.jsonl", "{\"text\": {\"a\": 1}}\n"), "text"));
        StringAssert.Contains(e.Message, "field 'text' is a JSON object");
    }

    [TestMethod]
    public void Empty_files_are_reported()
    {
        foreach (var name in new[] { "a.tsv", "b.csv", "c.jsonl", "d.txt" })
        {
            var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Write(name, "\n \n"[..(name == "d.txt" ? 3 : 0)]), "text"));
            StringAssert.Contains(e.Message, "is empty");
        }
        Assert.ThrowsExactly<FileNotFoundException>(() => TableReader.Open(Path.Combine(_dir, "none.tsv"), DataFormat.Tsv, true));
        var unknown = Assert.ThrowsExactly<InvalidDataException>(() => DataFormats.FromPath("data.parquet"));
        StringAssert.Contains(unknown.Message, "'.parquet'");
    }
}
