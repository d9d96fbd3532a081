using System.Buffers.Binary;
using SkiaSharp;

namespace Autoscaler.Simulation.Tests.Reports;

/// <summary>What a PNG file says about itself: its signature, the dimensions in its IHDR chunk, and its pixels.</summary>
internal static class Png
{
    private static readonly byte[] s_signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool HasSignature(byte[] bytes) => bytes.Length >= 8 && bytes.AsSpan(0, 8).SequenceEqual(s_signature);

    /// <summary>The width and height from the IHDR chunk, which the format requires to come first.</summary>
    public static (int Width, int Height) Dimensions(byte[] bytes)
    {
        Assert.True(bytes.Length >= 24, "too short for an IHDR chunk");
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8, 4)));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
    }

    /// <summary>How many pixels are close to a colour, after decoding the image with Skia; only rows [top, bottom) when given.</summary>
    public static int CountPixelsNear(byte[] bytes, SKColor colour, int tolerance = 24, int top = 0, int bottom = int.MaxValue)
    {
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        var count = 0;
        for (var y = Math.Max(0, top); y < Math.Min(bottom, bitmap.Height); y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                if (Math.Abs(pixel.Red - colour.Red) <= tolerance
                    && Math.Abs(pixel.Green - colour.Green) <= tolerance
                    && Math.Abs(pixel.Blue - colour.Blue) <= tolerance)
                {
                    count++;
                }
            }
        }

        return count;
    }
}
