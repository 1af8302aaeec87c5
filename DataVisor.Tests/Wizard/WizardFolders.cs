using System.Net.Http.Json;
using System.Text.Json;
using DataVisor.Tests.Ingestion;

namespace DataVisor.Tests.Wizard;

/// <summary>Builds the folder layouts of contract §5.5 and small annotation files for the wizard tests.</summary>
public static class WizardFolders
{
    /// <summary>Creates <paramref name="folder"/> (and parents) and returns it.</summary>
    public static string Folder(params string[] parts)
    {
        var path = Path.Combine(parts);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes PNGs named <c>img_0.png</c>… into <paramref name="folder"/>, landscape 40 × 20.</summary>
    public static void WriteImages(string folder, int count, int width = 40, int height = 20)
    {
        Directory.CreateDirectory(folder);
        for (var i = 0; i < count; i++)
        {
            TestImages.WritePng(Path.Combine(folder, $"img_{i}.png"), width, height);
        }
    }

    public static string Write(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>
    /// A COCO file with the given categories, one image per (id, file) pair (sizes given, so no header is
    /// read), and annotations as (id, image id, category id).
    /// </summary>
    public static string Coco(
        string path,
        (int Id, string Name)[] categories,
        (int Id, string File)[] images,
        (int Id, int ImageId, int CategoryId)[] annotations) =>
        Write(path, JsonSerializer.Serialize(new
        {
            info = new { description = "wizard test" },
            categories = categories.Select(c => new { id = c.Id, name = c.Name }),
            images = images.Select(i => new { id = i.Id, file_name = i.File, width = 40, height = 20 }),
            annotations = annotations.Select(a => new { id = a.Id, image_id = a.ImageId, category_id = a.CategoryId, bbox = new[] { 1, 2, 3, 4 } }),
        }));

    /// <summary>A COCO file over <c>img_0.png</c>… with one <c>cat</c> box per image.</summary>
    public static string SimpleCoco(string path, int images) =>
        Coco(path, [(1, "cat")], [.. Enumerable.Range(0, images).Select(i => (i + 1, $"img_{i}.png"))],
            [.. Enumerable.Range(0, images).Select(i => (i + 1, i + 1, 1))]);

    /// <summary>A classification JSONL file, one line per (file, label).</summary>
    public static string Jsonl(string path, params (string File, string Label)[] lines) =>
        Write(path, string.Join('\n', lines.Select(l => JsonSerializer.Serialize(new { filename = l.File, label = l.Label }))) + "\n");

    public static async Task<(HttpResponseMessage Response, JsonElement Body)> PostJsonAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return (response, document.RootElement.Clone());
    }

    public static string Detail(JsonElement body) => body.GetProperty("detail").GetString()!;
}
