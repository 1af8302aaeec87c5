using System.Text.Json;
using SkiaSharp;

namespace DataVisor.Api.Demo;

/// <summary>A generated COCO dataset on disk.</summary>
public sealed record DemoFiles(string AnnotationPath, string ImageDirectory, int ImageCount, int AnnotationCount, string PredictionPath, int PredictionCount);

/// <summary>
/// Draws a small detection dataset whose ground truth is known exactly: every image shows a few shapes on
/// a textured background, and every shape is one COCO box of its class. Deterministic for a given seed, so
/// a newcomer's first run and the tests see the same data.
/// </summary>
public static class DemoDatasetGenerator
{
    /// <summary>Class names in declaration order; the shape and colour of each are fixed.</summary>
    public static readonly IReadOnlyList<string> Classes = ["circle", "square", "triangle", "ring"];

    private static readonly SKColor[] ClassColours =
    [
        new(220, 60, 50), new(40, 120, 220), new(40, 170, 80), new(230, 170, 30),
    ];

    public static DemoFiles Write(string folder, int images = 48, int seed = 42, int width = 320, int height = 240)
    {
        var imageDirectory = Directory.CreateDirectory(Path.Combine(folder, "images")).FullName;
        var annotationPath = Path.Combine(folder, "annotations.json");
        var random = new Random(seed);
        var boxes = new List<(int ImageId, int ClassIndex, SKRect Box)>();

        for (var imageId = 1; imageId <= images; imageId++)
        {
            var shapes = 1 + random.Next(4);
            var placed = new List<(int ClassIndex, SKRect Box)>();
            for (var s = 0; s < shapes; s++)
            {
                var size = 24 + random.Next(Math.Min(width, height) / 3);
                var x = random.Next(width - size);
                var y = random.Next(height - size);
                placed.Add((random.Next(Classes.Count), SKRect.Create(x, y, size, size)));
            }

            // Dim images exercise lighting-based tagging and error analysis by tag later on.
            var brightness = imageId % 6 == 0 ? 0.35f : 1f;
            DrawImage(Path.Combine(imageDirectory, $"demo_{imageId:D4}.jpg"), width, height, placed, brightness, random.Next());
            boxes.AddRange(placed.Select(p => (imageId, p.ClassIndex, p.Box)));
        }

        WriteCoco(annotationPath, images, width, height, boxes);
        var predictionPath = Path.Combine(folder, "predictions.json");
        var predictions = WritePredictions(predictionPath, boxes, width, height, new Random(seed + 1));
        return new DemoFiles(annotationPath, imageDirectory, images, boxes.Count, predictionPath, predictions);
    }

    private static void DrawImage(string path, int width, int height, List<(int ClassIndex, SKRect Box)> shapes, float brightness, int noiseSeed)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(Scale(new SKColor(235, 232, 225), brightness));
            using var grain = new SKPaint { Color = Scale(new SKColor(210, 205, 195), brightness), IsAntialias = false };
            var noise = new Random(noiseSeed);
            for (var i = 0; i < width * height / 40; i++)
            {
                canvas.DrawPoint(noise.Next(width), noise.Next(height), grain);
            }

            foreach (var (classIndex, box) in shapes)
            {
                using var paint = new SKPaint { Color = Scale(ClassColours[classIndex], brightness), IsAntialias = true };
                DrawShape(canvas, Classes[classIndex], box, paint);
            }
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    private static void DrawShape(SKCanvas canvas, string shape, SKRect box, SKPaint paint)
    {
        switch (shape)
        {
            case "circle":
                canvas.DrawOval(box, paint);
                break;
            case "square":
                canvas.DrawRect(box, paint);
                break;
            case "triangle":
                using (var path = SKPath.ParseSvgPathData(string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"M{box.MidX},{box.Top} L{box.Right},{box.Bottom} L{box.Left},{box.Bottom} Z")))
                {
                    canvas.DrawPath(path, paint);
                }

                break;
            default:
                paint.Style = SKPaintStyle.Stroke;
                paint.StrokeWidth = Math.Max(3, box.Width / 6);
                var inset = paint.StrokeWidth / 2;
                canvas.DrawOval(SKRect.Inflate(box, -inset, -inset), paint);
                break;
        }
    }

    private static SKColor Scale(SKColor colour, float factor) =>
        new((byte)(colour.Red * factor), (byte)(colour.Green * factor), (byte)(colour.Blue * factor));

    private static void WriteCoco(string path, int images, int width, int height, List<(int ImageId, int ClassIndex, SKRect Box)> boxes)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteStartObject("info");
        json.WriteString("description", "DataVisor demo dataset: generated shapes with exact ground truth");
        json.WriteEndObject();
        json.WriteStartArray("images");
        for (var id = 1; id <= images; id++)
        {
            json.WriteStartObject();
            json.WriteNumber("id", id);
            json.WriteString("file_name", $"demo_{id:D4}.jpg");
            json.WriteNumber("width", width);
            json.WriteNumber("height", height);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("annotations");
        for (var i = 0; i < boxes.Count; i++)
        {
            var (imageId, classIndex, box) = boxes[i];
            json.WriteStartObject();
            json.WriteNumber("id", i + 1);
            json.WriteNumber("image_id", imageId);
            json.WriteNumber("category_id", classIndex + 1);
            json.WriteStartArray("bbox");
            json.WriteNumberValue(box.Left);
            json.WriteNumberValue(box.Top);
            json.WriteNumberValue(box.Width);
            json.WriteNumberValue(box.Height);
            json.WriteEndArray();
            json.WriteNumber("area", box.Width * box.Height);
            json.WriteNumber("iscrowd", 0);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("categories");
        for (var c = 0; c < Classes.Count; c++)
        {
            json.WriteStartObject();
            json.WriteNumber("id", c + 1);
            json.WriteString("name", Classes[c]);
            json.WriteString("supercategory", "shape");
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// A detector with the mistakes a user should find: missed objects and class confusions (more of
    /// both on the dim images), loose boxes, and false positives on background. COCO results format.
    /// </summary>
    private static int WritePredictions(string path, List<(int ImageId, int ClassIndex, SKRect Box)> boxes, int width, int height, Random random)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream);
        var count = 0;
        json.WriteStartArray();
        foreach (var (imageId, classIndex, box) in boxes)
        {
            var dim = imageId % 6 == 0;
            if (random.NextDouble() < (dim ? 0.35 : 0.08))
            {
                continue;
            }

            var predicted = random.NextDouble() < (dim ? 0.25 : 0.06) ? (classIndex + 1 + random.Next(Classes.Count - 1)) % Classes.Count : classIndex;
            var jitter = predicted == classIndex ? 3f : 8f;
            var jittered = SKRect.Create(
                Math.Max(0, box.Left + Jitter(random, jitter)), Math.Max(0, box.Top + Jitter(random, jitter)),
                Math.Max(4, box.Width + Jitter(random, jitter)), Math.Max(4, box.Height + Jitter(random, jitter)));
            var score = predicted == classIndex ? 0.55 + 0.44 * random.NextDouble() : 0.4 + 0.45 * random.NextDouble();
            WritePrediction(json, imageId, predicted, jittered, dim ? score * 0.7 : score);
            count++;
        }

        foreach (var imageId in boxes.Select(b => b.ImageId).Distinct())
        {
            if (random.NextDouble() < 0.25)
            {
                var size = 20 + random.Next(40);
                WritePrediction(json, imageId, random.Next(Classes.Count), SKRect.Create(random.Next(width - size), random.Next(height - size), size, size), 0.3 + 0.4 * random.NextDouble());
                count++;
            }
        }

        json.WriteEndArray();
        return count;
    }

    private static float Jitter(Random random, float amount) => (float)((random.NextDouble() * 2 - 1) * amount);

    private static void WritePrediction(Utf8JsonWriter json, int imageId, int classIndex, SKRect box, double score)
    {
        json.WriteStartObject();
        json.WriteNumber("image_id", imageId);
        json.WriteNumber("category_id", classIndex + 1);
        json.WriteStartArray("bbox");
        json.WriteNumberValue(Math.Round(box.Left, 1));
        json.WriteNumberValue(Math.Round(box.Top, 1));
        json.WriteNumberValue(Math.Round(box.Width, 1));
        json.WriteNumberValue(Math.Round(box.Height, 1));
        json.WriteEndArray();
        json.WriteNumber("score", Math.Round(score, 4));
        json.WriteEndObject();
    }
}
