using SharpTun.Host.Processes;

namespace SharpTun.Tests.Host.Processes;

public sealed class GenerationalCacheTests
{
    [Fact]
    public void Set_BeyondCapacity_KeepsAtMostCapacityAndTheNewest()
    {
        var cache = new GenerationalCache<int, int>(capacity: 8);

        for (var i = 0; i < 100; i++)
            cache.Set(i, i * 10);

        Assert.InRange(cache.Count, 4, 8);
        Assert.True(cache.TryGet(99, out var value));
        Assert.Equal(990, value);
        Assert.False(cache.TryGet(0, out _));
    }

    [Fact]
    public void TryGet_EntryInOldGeneration_SurvivesTheNextRotation()
    {
        var cache = new GenerationalCache<int, string>(capacity: 4);
        cache.Set(1, "one");
        cache.Set(2, "two"); // young is full: the next new key rotates
        cache.Set(3, "three"); // 1 and 2 are old now

        Assert.True(cache.TryGet(1, out _)); // back into the young generation
        cache.Set(4, "four"); // rotates again: 2 is dropped, 1 survives
        cache.Set(5, "five");

        Assert.True(cache.TryGet(1, out var one));
        Assert.Equal("one", one);
        Assert.False(cache.TryGet(2, out _));
    }

    [Fact]
    public void Set_ExistingKey_ReplacesWithoutRotating()
    {
        var cache = new GenerationalCache<int, int>(capacity: 4);
        cache.Set(1, 1);
        cache.Set(2, 2);

        cache.Set(2, 20);

        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet(1, out _));
        Assert.True(cache.TryGet(2, out var two));
        Assert.Equal(20, two);
    }

    [Fact]
    public void Remove_DropsFromEitherGeneration()
    {
        var cache = new GenerationalCache<int, int>(capacity: 4);
        cache.Set(1, 1);
        cache.Set(2, 2);
        cache.Set(3, 3); // 1 and 2 old

        cache.Remove(1);
        cache.Remove(3);

        Assert.False(cache.TryGet(1, out _));
        Assert.False(cache.TryGet(3, out _));
        Assert.True(cache.TryGet(2, out _));
    }
}
