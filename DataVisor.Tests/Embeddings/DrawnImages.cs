using SkiaSharp;

namespace DataVisor.Tests.Embeddings;

/// <summary>Distinct pictures drawn with SkiaSharp (shapes and colours a CNN tells apart), in various sizes.</summary>
internal static class DrawnImages
{
    public static SKBitmap[] All =>
    [
        Draw(320, 240, SKColors.White, canvas => canvas.DrawCircle(160, 120, 90, Fill(SKColors.Red))),
        Draw(224, 224, SKColors.Black, canvas => canvas.DrawRect(40, 60, 140, 100, Fill(SKColors.DeepSkyBlue))),
        Draw(300, 400, SKColors.DarkOliveGreen, canvas => canvas.DrawOval(150, 220, 120, 60, Fill(SKColors.Yellow))),
        Draw(256, 256, SKColors.LightGray, canvas =>
        {
            for (var stripe = 0; stripe < 256; stripe += 32)
            {
                canvas.DrawRect(stripe, 0, 16, 256, Fill(SKColors.Purple));
            }
        }),
    ];

    private static SKPaint Fill(SKColor color) => new() { Color = color, IsAntialias = true };

    private static SKBitmap Draw(int width, int height, SKColor background, Action<SKCanvas> paint)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(background);
        paint(canvas);
        return bitmap;
    }
}
